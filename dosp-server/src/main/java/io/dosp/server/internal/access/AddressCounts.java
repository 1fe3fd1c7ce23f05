package io.dosp.server.internal.access;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per remote address ({@link AddressKey}), at most {@code max} each. Only
 * addresses with a connection open are held, so the map is bounded by the open connections. They are
 * counted with no limit too, so that a limit set by a reload ({@link #max(int)}) holds at once.
 * Thread-safe: one atomic {@code compute} per connect and per close; the limit is volatile.
 */
public final class AddressCounts {
    private volatile int max;
    private final ConcurrentHashMap<InetAddress, Integer> counts = new ConcurrentHashMap<>();

    /** At most {@code max} connections per address; 0 for no limit. */
    public AddressCounts(int max) {
        this.max = max;
    }

    /** Counts one more connection from {@code key}; false (nothing counted) when it already has {@code max}. */
    public boolean tryAcquire(InetAddress key) {
        if (key == null) {
            return true;
        }
        int limit = max;
        boolean[] ok = new boolean[1];
        counts.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            ok[0] = limit == 0 || now < limit;
            return ok[0] ? now + 1 : n;
        });
        return ok[0];
    }

    /** A connection from {@code key} that {@link #tryAcquire} counted has closed. */
    public void release(InetAddress key) {
        if (key == null) {
            return;
        }
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Connections counted for {@code key} now. */
    public int count(InetAddress key) {
        return key == null ? 0 : counts.getOrDefault(key, 0);
    }

    /** The limit (0: none). */
    public int max() {
        return max;
    }

    /** A new limit for the next connections (0: none); open ones over it stay open. */
    public void max(int max) {
        this.max = max;
    }
}
