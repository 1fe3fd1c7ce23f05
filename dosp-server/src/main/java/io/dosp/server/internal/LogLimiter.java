package io.dosp.server.internal;

import java.util.concurrent.TimeUnit;

/**
 * Keeps a log line that may repeat under load (allocation failures, or anything a peer can cause
 * over and over: connections, failed AUTH, bad frames) to a few per interval: callers ask
 * {@link #allow()} before logging and say in the line how many were held back
 * ({@link #heldBack()}, {@link #heldBackNote()}). Thread-safe.
 */
public final class LogLimiter {
    private final int lines;
    private final long intervalNanos;
    private final Runnable onHeldBack;
    private long windowEnd;
    private boolean started;
    private int inWindow;
    private long suppressed;

    /** At most one line per {@code interval} of {@code unit}. */
    public LogLimiter(long interval, TimeUnit unit) {
        this(1, interval, unit, null);
    }

    /**
     * At most {@code lines} lines per {@code interval} of {@code unit}; every line held back also
     * runs {@code onHeldBack} (a server-wide count), when not null.
     */
    public LogLimiter(int lines, long interval, TimeUnit unit, Runnable onHeldBack) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be at least 1, got " + lines);
        }
        this.lines = lines;
        this.intervalNanos = unit.toNanos(interval);
        this.onHeldBack = onHeldBack;
    }

    /** Whether a line may be logged now; if not, it is counted as held back. */
    public boolean allow() {
        long now = System.nanoTime();
        synchronized (this) {
            if (!started || now - windowEnd >= 0) {
                started = true;
                windowEnd = now + intervalNanos;
                inWindow = 0;
            }
            if (inWindow < lines) {
                inWindow++;
                return true;
            }
            suppressed++;
        }
        if (onHeldBack != null) {
            onHeldBack.run();
        }
        return false;
    }

    /** Lines held back since the last call (resets the count): say it in the line {@link #allow()} let through. */
    public synchronized long heldBack() {
        long n = suppressed;
        suppressed = 0;
        return n;
    }

    /**
     * {@link #heldBack()} as the end of a line: {@code " (12 similar lines held back)"}, or empty
     * when none were (resets the count).
     */
    public String heldBackNote() {
        long n = heldBack();
        return n == 0 ? "" : " (" + n + " similar line" + (n == 1 ? "" : "s") + " held back)";
    }
}
