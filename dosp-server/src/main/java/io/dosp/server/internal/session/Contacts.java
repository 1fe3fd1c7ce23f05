package io.dosp.server.internal.session;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The sessions one session exchanged S2C with recently, for the peer-gone notice: when its vIP changes hands, the
 * server tells them. Only contacts that enabled the notice are recorded (the caller checks), so a reference client
 * costs nothing here.
 *
 * <p>A contact is a {@code long} key (vIP and session serial, {@link ClientSession#contactKey()}), so a vIP that
 * changed hands since is never mistaken for the contact. Bounds: at most {@value #MAX} contacts, the oldest recorded
 * one replaced first (a ring; a contact seen again keeps its place and gets a new time); a contact counts as recent
 * for {@link #WINDOW_NANOS} after it was last recorded. To keep the S2C path cheap, a frame to or from the same
 * contact as the previous one is a single comparison and does not refresh its time: the last contact counts as
 * recent whatever its age. Storage starts at {@value #INITIAL} contacts and doubles as needed.
 *
 * <p>Thread-safe: a session records its contacts on its own event loop and is recorded as a contact from the event
 * loops of the sessions it hears from; a change takes the object's lock, the repeat of the last contact none.
 */
public final class Contacts {
    /** The most contacts kept per session. */
    public static final int MAX = 256;
    /** How long a contact counts as recent after it was last recorded: 10 minutes. */
    public static final long WINDOW_NANOS = 600_000_000_000L;
    static final int INITIAL = 8;
    private static final long[] NONE = new long[0];

    /** The contact recorded last; 0 for none (no session holds vIP 0.0.0.0). */
    private volatile long last;
    // The ring in record order: keys[head] is the oldest; guarded by this.
    // Allocated at the first contact: most sessions of a big server never have one.
    private long[] keys = NONE;
    private long[] stamps = NONE;
    private int head;
    private int count;
    /** Open addressing over the ring: slot + 1 per entry, 0 free; twice the ring's size. */
    private int[] index = new int[0];

    /** Records {@code key} as a contact at the time {@code now} gives (read only when the contact is not the last). */
    public void record(long key, LongSupplier now) {
        if (last == key) {
            return;
        }
        synchronized (this) {
            long t = now.getAsLong();
            int at = find(key);
            if (at >= 0) {
                stamps[index[at] - 1] = t;
            } else {
                insert(key, t);
            }
            last = key;
        }
    }

    /** The contacts recorded within {@link #WINDOW_NANOS} of {@code now}, and the last one; then forgets them all. */
    public synchronized long[] takeRecent(long now) {
        if (count == 0) {
            return NONE;
        }
        long[] out = new long[count];
        int n = 0;
        long lastKey = last;
        for (int i = 0; i < count; i++) {
            int slot = (head + i) & (keys.length - 1);
            if (keys[slot] == lastKey || now - stamps[slot] <= WINDOW_NANOS) {
                out[n++] = keys[slot];
            }
        }
        clear();
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** All the contacts kept, whatever their age; then forgets them all. */
    public synchronized long[] takeAll() {
        if (count == 0) {
            return NONE;
        }
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = keys[(head + i) & (keys.length - 1)];
        }
        clear();
        return out;
    }

    /** How many contacts are kept now. */
    public synchronized int size() {
        return count;
    }

    private void clear() {
        keys = NONE;
        stamps = NONE;
        index = new int[0];
        head = 0;
        count = 0;
        last = 0;
    }

    private void insert(long key, long t) {
        if (keys.length == 0) {
            keys = new long[INITIAL];
            stamps = new long[INITIAL];
            index = new int[2 * INITIAL];
        } else if (count == keys.length) {
            if (keys.length < MAX) {
                grow();
            } else {
                remove(keys[head]);
                head = (head + 1) & (keys.length - 1);
                count--;
            }
        }
        int slot = (head + count) & (keys.length - 1);
        keys[slot] = key;
        stamps[slot] = t;
        count++;
        int i = hash(key);
        while (index[i] != 0) {
            i = (i + 1) & (index.length - 1);
        }
        index[i] = slot + 1;
    }

    private void grow() {
        int n = keys.length * 2;
        long[] k = new long[n];
        long[] s = new long[n];
        for (int i = 0; i < count; i++) {
            int slot = (head + i) & (keys.length - 1);
            k[i] = keys[slot];
            s[i] = stamps[slot];
        }
        keys = k;
        stamps = s;
        head = 0;
        index = new int[2 * n];
        for (int slot = 0; slot < count; slot++) {
            int i = hash(keys[slot]);
            while (index[i] != 0) {
                i = (i + 1) & (index.length - 1);
            }
            index[i] = slot + 1;
        }
    }

    /** The index position holding {@code key}, or -1. */
    private int find(long key) {
        if (count == 0) {
            return -1;
        }
        int i = hash(key);
        while (index[i] != 0) {
            if (keys[index[i] - 1] == key) {
                return i;
            }
            i = (i + 1) & (index.length - 1);
        }
        return -1;
    }

    /** Removes {@code key} from the index (backward-shift deletion: no tombstones). */
    private void remove(long key) {
        int i = find(key);
        if (i < 0) {
            return;
        }
        int mask = index.length - 1;
        int gap = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (index[j] == 0) {
                break;
            }
            int home = hash(keys[index[j] - 1]);
            // Move index[j] into the gap unless its home lies cyclically in (gap, j].
            boolean stays = gap <= j ? (home > gap && home <= j) : (home > gap || home <= j);
            if (!stays) {
                index[gap] = index[j];
                gap = j;
            }
        }
        index[gap] = 0;
    }

    private int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (index.length - 1);
    }
}
