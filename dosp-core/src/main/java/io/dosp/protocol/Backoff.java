package io.dosp.protocol;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter, for every retry loop of the library (client reconnect, peer
 * links): attempt {@code n} (from 0) waits {@code min(max, initial * 2^n)} scaled by a random
 * factor between 0.5 and 1 (never above the ceiling), so that many clients cut off at once do not come back at once.
 *
 * <p>Immutable and thread-safe.
 *
 * @param initial the delay before the first retry (positive)
 * @param max     the longest delay (at least {@code initial})
 */
public record Backoff(Duration initial, Duration max) {

    /** Validates. */
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new InvalidConfigException("backoff.initial", "must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new InvalidConfigException("backoff.max", "must be at least the initial delay " + initial + ", got " + max);
        }
    }

    /** The delay before retry {@code attempt} (0 for the first), with jitter from a thread-local random. */
    public long delayNanos(int attempt) {
        return delayNanos(attempt, ThreadLocalRandom.current()::nextDouble);
    }

    /**
     * The delay before retry {@code attempt}, with jitter from {@code random} (values in
     * {@code [0, 1)}): deterministic for tests.
     */
    public long delayNanos(int attempt, DoubleSupplier random) {
        return (long) (ceilingNanos(attempt) * (0.5 + 0.5 * random.getAsDouble()));
    }

    /** The delay before retry {@code attempt} without jitter: {@code min(max, initial * 2^attempt)}. */
    public long ceilingNanos(int attempt) {
        int shift = Math.max(0, Math.min(attempt, 62));
        long init = initial.toNanos();
        long cap = max.toNanos();
        return init > (cap >> shift) ? cap : Math.min(cap, init << shift);
    }
}
