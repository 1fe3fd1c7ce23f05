package io.dosp.server.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a log line that may repeat under load (allocation failures) to one per interval: callers
 * ask {@link #allow()} before logging and report how many were held back. Thread-safe.
 */
public final class LogLimiter {
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    /** At most one line per {@code interval} of {@code unit}. */
    public LogLimiter(long interval, TimeUnit unit) {
        this.intervalNanos = unit.toNanos(interval);
    }

    /** Whether a line may be logged now; if not, it is counted as held back. */
    public boolean allow() {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** Lines held back since the last allowed one (resets the count). */
    public long heldBack() {
        return suppressed.getAndSet(0);
    }
}
