package io.dosp.server.internal.session;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local sessions that exchanged S2C with a vIP on another server of the federation (forwarded over a peer link,
 * or arriving from one), for the peer-gone notice across federation: when the network directory reports that remote
 * client gone, the server tells them. Only sessions that enabled the notice are recorded (the caller checks).
 *
 * <p>Indexed by the remote vIP; each remote vIP keeps its local contacts in a {@link Contacts} (keys of
 * {@link ClientSession#contactKey()}, so a session that left or moved since is never mistaken for the contact; at
 * most {@value Contacts#MAX} per remote vIP, the oldest replaced first). At most {@link #MAX_REMOTE} remote vIPs and
 * {@link #MAX_TOTAL} contacts in all are kept at once (a peer link controls the source vIPs it sends from, so both
 * are global bounds: about 3 MB at most); an entry goes when the directory reports its vIP gone. A contact over
 * either bound is not kept, and counted ({@link #untracked()}): it then learns of the departure from ERR S2CF, as
 * without the feature. The hot path is in {@link ClientSession#exchangedRemote}: a session's repeat of its last
 * remote contact is one field comparison.
 *
 * <p>Thread-safe: recorded from the event loops of local senders and of peer links; taken under the directory's
 * monitor.
 */
public final class RemoteContacts {
    /** The most remote vIPs tracked at once. */
    public static final int MAX_REMOTE = 16_384;
    /** The most contacts kept at once, over all remote vIPs. */
    public static final int MAX_TOTAL = 65_536;

    private final ConcurrentHashMap<Integer, Contacts> byVip = new ConcurrentHashMap<>();
    private final AtomicLong untracked = new AtomicLong();
    /** Contacts kept now (approximate under races: only a bound). */
    private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();

    /** Records the local session of contact key {@code local} as a contact of the remote {@code remoteVip}. */
    void record(int remoteVip, long local) {
        if (total.get() >= MAX_TOTAL) {
            untracked.incrementAndGet();
            return;
        }
        Contacts c = byVip.get(remoteVip);
        if (c == null) {
            if (byVip.size() >= MAX_REMOTE) {
                untracked.incrementAndGet();
                return;
            }
            c = byVip.computeIfAbsent(remoteVip, v -> new Contacts());
        }
        int before = c.size();
        c.record(local, System::nanoTime);
        total.addAndGet(c.size() - before);
    }

    /** The local contacts of the remote {@code remoteVip} (whatever their age); then forgets them. */
    public long[] take(int remoteVip) {
        Contacts c = byVip.remove(remoteVip);
        if (c == null) {
            return new long[0];
        }
        long[] keys = c.takeAll();
        total.addAndGet(-keys.length);
        return keys;
    }

    /** How many remote vIPs are tracked now. */
    public int size() {
        return byVip.size();
    }

    /** How many contacts are kept now, over all remote vIPs. */
    public int contacts() {
        return total.get();
    }

    /** How many contacts were not kept because {@link #MAX_REMOTE} remote vIPs or {@link #MAX_TOTAL} contacts were. */
    public long untracked() {
        return untracked.get();
    }
}
