package io.dosp.client;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * The client's heartbeat: a PING every {@link #interval()}; after {@link #misses()} PINGs without
 * an answer the connection is declared dead (and, with reconnect on, re-established).
 *
 * <p><b>On by default</b>, every {@value #DEFAULT_INTERVAL_SECONDS} s: servers close a client that
 * sends nothing for their idle timeout (5 minutes by default in this project; the Python reference
 * closes a connection whose socket has been silent for 30 s, its {@code socket_timeout}), so a client
 * that only receives would otherwise be dropped. Every DoSP server answers PING (spec 5.2; the
 * reference with an empty body), and a PING also counts as traffic for the idle timeout. Keep the interval well below the server's idle timeout; {@link #OFF} (interval
 * zero) turns it off, leaving the server's idle timeout to decide.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()} or inside
 * {@code ClientOptions.builder().heartbeat(h -> ...)}.
 */
public final class HeartbeatOptions {
    /** Seconds between PINGs by default. */
    public static final long DEFAULT_INTERVAL_SECONDS = 20;
    /** PING interval: below the reference server's 30 s socket timeout, a fifteenth of ours (5 minutes). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS);
    /** Unanswered PINGs after which the connection is declared dead. */
    public static final int DEFAULT_MISSES = 3;
    /** The heartbeat off. */
    public static final HeartbeatOptions OFF = builder().interval(Duration.ZERO).build();
    /** The default heartbeat: a PING every {@link #DEFAULT_INTERVAL}, dead after {@link #DEFAULT_MISSES} misses. */
    public static final HeartbeatOptions DEFAULT = builder().build();

    private final Duration interval;
    private final int misses;

    private HeartbeatOptions(Builder b) {
        interval = b.interval;
        misses = b.misses;
    }

    /** A builder with the defaults (on, {@link #DEFAULT_INTERVAL}). */
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
