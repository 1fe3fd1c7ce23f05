package io.dosp.server.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ContactsTest {
    private final AtomicLong clock = new AtomicLong(1_000);

    private static long key(int i) {
        return ((long) (0x0A070000 + i) << 32) | i;
    }

    private static Set<Long> set(long[] keys) {
        Set<Long> out = new HashSet<>();
        for (long k : keys) {
            out.add(k);
        }
        return out;
    }

    @Test
    void aRepeatedContactIsKeptOnceAndTheRecentOnesAreTakenOnce() {
        Contacts c = new Contacts();
        for (int round = 0; round < 3; round++) {
            for (int i = 1; i <= 5; i++) {
                c.record(key(i), clock::get);
            }
        }
        assertThat(c.size()).isEqualTo(5);
        assertThat(set(c.takeRecent(clock.get()))).containsExactlyInAnyOrder(key(1), key(2), key(3), key(4), key(5));
        assertThat(c.size()).isZero();
        assertThat(c.takeRecent(clock.get())).isEmpty();
    }

    @Test
    void atMostMaxContactsAreKeptTheOldestRecordedGoFirst() {
        Contacts c = new Contacts();
        int n = Contacts.MAX + 44;
        for (int i = 1; i <= n; i++) {
            c.record(key(i), clock::get);
        }
        assertThat(c.size()).isEqualTo(Contacts.MAX);
        long[] expected = LongStream.rangeClosed(45, n).map(i -> key((int) i)).toArray();
        assertThat(set(c.takeRecent(clock.get()))).isEqualTo(set(expected));
    }

    @Test
    void aContactSeenAgainGetsANewTimeAndOldOnesFallOutOfTheWindow() {
        Contacts c = new Contacts();
        c.record(key(1), clock::get);
        c.record(key(2), clock::get);
        c.record(key(3), clock::get);
        clock.addAndGet(Contacts.WINDOW_NANOS / 2);
        c.record(key(1), clock::get); // 1 refreshed
        c.record(key(4), clock::get); // the last contact
        clock.addAndGet(Contacts.WINDOW_NANOS / 2 + 1);
        // 2 and 3 are older than the window; 1 is within it; 4 is the last one (whatever its age)
        assertThat(set(c.takeRecent(clock.get()))).containsExactlyInAnyOrder(key(1), key(4));
        c.record(key(5), clock::get);
        clock.addAndGet(10 * Contacts.WINDOW_NANOS);
        assertThat(set(c.takeRecent(clock.get()))).as("the last contact counts as recent").containsExactly(key(5));
    }

    @Test
    void theIndexStaysRightThroughManyEvictionsAndRepeats() {
        Contacts c = new Contacts();
        Random random = new Random(42);
        java.util.ArrayDeque<Long> model = new java.util.ArrayDeque<>(); // record order, as the ring keeps it
        for (int step = 0; step < 50_000; step++) {
            long k = key(1 + random.nextInt(600));
            c.record(k, clock::get);
            if (!model.contains(k)) {
                if (model.size() == Contacts.MAX) {
                    model.removeFirst();
                }
                model.addLast(k);
            }
            if (step % 5_000 == 4_999) {
                assertThat(c.size()).isEqualTo(model.size());
                long[] taken = c.takeRecent(clock.get());
                assertThat(set(taken)).isEqualTo(new HashSet<>(model));
                assertThat(taken).hasSize(model.size());
                model.clear();
            }
        }
        assertThat(Arrays.stream(c.takeRecent(clock.get())).distinct().count()).isEqualTo(model.size());
    }

    @Test
    void takeAllTakesEveryContactWhateverItsAgeAndForgetsThem() {
        Contacts c = new Contacts();
        c.record(key(1), clock::get);
        clock.addAndGet(Contacts.WINDOW_NANOS + 1);
        c.record(key(2), clock::get);
        clock.addAndGet(Contacts.WINDOW_NANOS + 1);
        c.record(key(3), clock::get);
        assertThat(set(c.takeAll())).containsExactlyInAnyOrder(key(1), key(2), key(3));
        assertThat(c.size()).isZero();
        assertThat(c.takeAll()).isEmpty();
    }
}
