package io.dosp.server.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory the frame decoders of all connections hold for frames not yet complete: a share of
 * the {@link MemoryBudget} (the bytes reserved here are added to it, so flow control sees them),
 * with a limit of its own so that unfinished frames can never take what queued S2C need. A
 * reservation that would pass the limit is refused (the caller ends that connection), so what
 * is held never exceeds the limit; the bytes of the one read that asked are already in memory
 * and are freed with the connection. The exception is a connection the server paused itself
 * ({@link #reserveAnyway}): the rest of the read it took before the pause waits in its decoder,
 * one read per paused connection, counted here and in the budget but never refused.
 *
 * <p>Thread-safe: every event loop reserves and releases (one CAS per change of a decoder's buffer,
 * which grows in powers of two).
 */
public final class FrameMemory {
    private final MemoryBudget budget;
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    /** At most {@code limit} bytes, counted in {@code budget} too. */
    public FrameMemory(MemoryBudget budget, long limit) {
        this.budget = budget;
        this.limit = limit;
    }

    /** Reserves {@code bytes} more; false (nothing reserved) when that would pass the limit. */
    public boolean tryReserve(long bytes) {
        long now;
        while (true) {
            long before = used.get();
            now = before + bytes;
            if (now > limit) {
                return false;
            }
            if (used.compareAndSet(before, now)) {
                break;
            }
        }
        long p = peak.get();
        while (now > p && !peak.compareAndSet(p, now)) {
            p = peak.get();
        }
        budget.add(bytes);
        return true;
    }

    /**
     * Reserves {@code bytes} more even past the limit: for what a connection the server itself
     * paused had read before the pause (its frames wait undecoded until it resumes). At most one
     * read per paused connection; it still counts in the budget, which pauses more senders.
     */
    public void reserveAnyway(long bytes) {
        long now = used.addAndGet(bytes);
        long p = peak.get();
        while (now > p && !peak.compareAndSet(p, now)) {
            p = peak.get();
        }
        budget.add(bytes);
    }

    /** Gives back {@code bytes} reserved before. */
    public void release(long bytes) {
        if (bytes != 0) {
            used.addAndGet(-bytes);
            budget.add(-bytes);
        }
    }

    /** Bytes held now. */
    public long used() {
        return used.get();
    }

    /** The most held since start. */
    public long peak() {
        return peak.get();
    }

    /** The limit. */
    public long limit() {
        return limit;
    }
}
