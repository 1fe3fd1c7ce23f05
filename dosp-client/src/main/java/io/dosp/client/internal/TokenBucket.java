package io.dosp.client.internal;

/**
 * A token bucket refilled at {@code rate} per second with a burst of one second (a rate of zero
 * never gives a token). Not thread-safe: used under its owner's lock. Hand-written: a dozen lines,
 * no library needed for it (the client has no dependency that offers one).
 */
final class TokenBucket {
    private final double rate;
    private double tokens;
    private long last;

    /** A full bucket at {@code now} (nanoseconds). */
    TokenBucket(int ratePerSecond, long now) {
        this.rate = ratePerSecond;
        this.tokens = ratePerSecond;
        this.last = now;
    }

    /** Whether a token is there now (refilled since the last call). */
    boolean available(long now) {
        tokens = Math.min(rate, tokens + (now - last) * rate / 1e9);
        last = now;
        return tokens >= 1;
    }

    /** Takes a token; call only after {@link #available} said yes. */
    void take() {
        tokens -= 1;
    }
}
