package io.dosp.client;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * The client's heartbeat: a PING every {@link #interval()}; after {@link #misses()} PINGs without
 * an answer the connection is declared dead (and, with reconnect on, re-established). Off by
 * default (interval zero): the server's own idle timeout then decides.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()} or inside
 * {@code ClientOptions.builder().heartbeat(h -> ...)}.
 */
public final class HeartbeatOptions {
    /** PING interval: zero, the heartbeat is off. */
    public static final Duration DEFAULT_INTERVAL = Duration.ZERO;
    /** Unanswered PINGs after which the connection is declared dead. */
    public static final int DEFAULT_MISSES = 3;
    /** The heartbeat off. */
    public static final HeartbeatOptions OFF = builder().build();

    private final Duration interval;
    private final int misses;

    private HeartbeatOptions(Builder b) {
        interval = b.interval;
        misses = b.misses;
    }

    /** A builder with the heartbeat off. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return new Builder().interval(interval).misses(misses);
    }

    /** Whether the heartbeat is on (the interval is not zero). */
    public boolean enabled() {
        return !interval.isZero();
    }

    /** PING interval; {@link Duration#ZERO} when off. */
    public Duration interval() {
        return interval;
    }

    /** Unanswered PINGs after which the connection is declared dead. */
    public int misses() {
        return misses;
    }

    /** Builds {@link HeartbeatOptions}; not thread-safe. */
    public static final class Builder {
        private Duration interval = DEFAULT_INTERVAL;
        private int misses = DEFAULT_MISSES;

        private Builder() {
        }

        /** PING every {@code interval}; zero turns the heartbeat off. */
        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        /** Unanswered PINGs after which the connection is declared dead (at least 1). */
        public Builder misses(int misses) {
            this.misses = misses;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code heartbeat.interval} or {@code heartbeat.misses}
         */
        public HeartbeatOptions build() {
            require(interval != null && !interval.isNegative(), "heartbeat.interval", "must be zero (off) or positive");
            require(misses >= 1, "heartbeat.misses", "must be at least 1, got " + misses);
            return new HeartbeatOptions(this);
        }
    }
}
