package io.dosp.server.internal.session;

/**
 * A token bucket refilled at {@code rate} per second with a burst of one second. Not thread-safe:
 * used on one event loop (a session's rate limits), or under the caller's lock (the accept rate).
 * Hand-written: a dozen lines, no library needed for it.
 */
public final class TokenBucket {
    private final double rate;
    private double tokens;
    private long last;

    /** A full bucket at {@code now} (nanoseconds). */
    public TokenBucket(long ratePerSecond, long now) {
        this.rate = ratePerSecond;
        this.tokens = ratePerSecond;
        this.last = now;
    }

    /** Takes {@code n} tokens (may go negative); returns nanoseconds until the bucket is non-negative again. */
    public long take(long n, long now) {
        refill(now);
        tokens -= n;
        return waitNanos();
    }

    /** Nanoseconds until the bucket is non-negative again (0: it is now); takes nothing. */
    public long waitNanos(long now) {
        refill(now);
        return waitNanos();
    }

    private void refill(long now) {
        tokens = Math.min(rate, tokens + (now - last) * rate / 1e9);
        last = now;
    }

    private long waitNanos() {
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * 1e9);
    }
}
