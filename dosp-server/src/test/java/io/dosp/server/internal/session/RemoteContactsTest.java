package io.dosp.server.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RemoteContactsTest {
    private static long key(int i) {
        return ((long) (0x0A070000 + i) << 32) | i;
    }

    @Test
    void theLocalContactsOfARemoteVipAreTakenOnceWhateverTheirAge() {
        RemoteContacts r = new RemoteContacts();
        int remote = 0x0A010005;
        r.record(remote, key(1));
        r.record(remote, key(2));
        r.record(remote, key(1));
        r.record(0x0A010006, key(3));
        assertThat(r.size()).isEqualTo(2);
        assertThat(r.take(remote)).containsExactlyInAnyOrder(key(1), key(2));
        assertThat(r.take(remote)).isEmpty();
        assertThat(r.size()).isEqualTo(1);
        assertThat(r.take(0x0A010007)).isEmpty();
    }

    @Test
    void atMost256LocalContactsPerRemoteVipTheOldestReplacedFirst() {
        RemoteContacts r = new RemoteContacts();
        for (int i = 1; i <= Contacts.MAX + 10; i++) {
            r.record(7, key(i));
        }
        long[] taken = r.take(7);
        assertThat(taken).hasSize(Contacts.MAX).doesNotContain(key(1), key(10)).contains(key(11), key(Contacts.MAX + 10));
    }

    @Test
    void remoteVipsBeyondTheBoundAreNotTrackedAndCounted() {
        RemoteContacts r = new RemoteContacts();
        for (int v = 1; v <= RemoteContacts.MAX_REMOTE + 5; v++) {
            r.record(v, key(1));
        }
        assertThat(r.size()).isEqualTo(RemoteContacts.MAX_REMOTE);
        assertThat(r.untracked()).isEqualTo(5);
        assertThat(r.take(RemoteContacts.MAX_REMOTE + 1)).isEmpty();
        r.record(1, key(2)); // a tracked one still takes contacts
        assertThat(r.take(1)).containsExactlyInAnyOrder(key(1), key(2));
        r.record(RemoteContacts.MAX_REMOTE + 1, key(1)); // room again
        assertThat(r.take(RemoteContacts.MAX_REMOTE + 1)).containsExactly(key(1));
        assertThat(r.untracked()).isEqualTo(5);
    }

    @Test
    void atMostMaxTotalContactsInAllAndTakingMakesRoom() {
        RemoteContacts r = new RemoteContacts();
        int perVip = Contacts.MAX;
        int vips = RemoteContacts.MAX_TOTAL / perVip;
        for (int v = 1; v <= vips; v++) {
            for (int i = 1; i <= perVip; i++) {
                r.record(v, key(i));
            }
        }
        assertThat(r.contacts()).isEqualTo(RemoteContacts.MAX_TOTAL);
        r.record(vips + 1, key(1));
        r.record(1, key(perVip + 1));
        assertThat(r.untracked()).isEqualTo(2);
        assertThat(r.take(1)).hasSize(perVip);
        assertThat(r.contacts()).isEqualTo(RemoteContacts.MAX_TOTAL - perVip);
        r.record(vips + 1, key(1));
        assertThat(r.take(vips + 1)).containsExactly(key(1));
    }
}
