package io.dosp.client.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Keeps a log line that a peer can make repeat (a handshake flood) to one per interval: callers
 * ask {@link #allow()} before logging and report how many were held back. Thread-safe.
 */
final class LogLimiter {
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    /** At most one line per {@code interval} of {@code unit}, on the {@code nanoTime} clock. */
    LogLimiter(long interval, TimeUnit unit, LongSupplier nanoTime) {
        this.intervalNanos = unit.toNanos(interval);
        this.nanoTime = nanoTime;
    }

    /** Whether a line may be logged now; if not, it is counted as held back. */
    boolean allow() {
        long now = nanoTime.getAsLong();
        long next = nextAllowed.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** Lines held back since the last allowed one (resets the count). */
    long heldBack() {
        return suppressed.getAndSet(0);
    }

    /**
     * Text a peer controls, made safe for one log line: control characters escaped, at most
     * {@code max} characters kept.
     */
    static String peerText(String s, int max) {
        String cut = s.length() > max ? s.substring(0, max) : s;
        StringBuilder b = new StringBuilder(cut.length() + 8);
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > max ? b.append("...").toString() : b.toString();
    }
}
