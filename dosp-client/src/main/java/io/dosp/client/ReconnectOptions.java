package io.dosp.client;

import static io.dosp.protocol.InvalidConfigException.requirePositive;
import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.Backoff;
import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * Whether and how a lost connection is re-established. Off by default. When on, attempts follow
 * the {@link #backoff()}: the first after the initial delay, each later one after twice the
 * previous delay up to the maximum, each with random jitter (50–100% of the delay). What is
 * kept: the receive queue and the listeners always; the vIP when {@link #keepVip()} (the client
 * asks for it again and keeps the one it is given when it is taken); the tunnels, which are
 * re-opened before the first send to a former tunnel peer (that send waits for the handshake and
 * never goes out in plaintext). There is no reconnect after {@link DospClient#close()}, or when
 * the server kicked or banned the client.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()} or inside
 * {@code ClientOptions.builder().reconnect(r -> ...)}.
 */
public final class ReconnectOptions {
    /** Delay before the first attempt. */
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMillis(100);
    /** Longest delay between attempts. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
    /** Whether the previous vIP is requested again. */
    public static final boolean DEFAULT_KEEP_VIP = true;
    /** Reconnect off. */
    public static final ReconnectOptions OFF = builder().build();

    private final boolean enabled;
    private final Backoff backoff;
    private final boolean keepVip;

    private ReconnectOptions(Builder b) {
        enabled = b.enabled;
        backoff = new Backoff(b.initialDelay, b.maxDelay);
        keepVip = b.keepVip;
    }

    /** A builder with reconnect off and the default backoff. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return new Builder().enabled(enabled).backoff(backoff).keepVip(keepVip);
    }

    /** Whether a lost connection is re-established automatically. */
    public boolean enabled() {
        return enabled;
    }

    /** The delays between attempts. */
    public Backoff backoff() {
        return backoff;
    }

    /** Whether a new connection asks for the previous vIP again. */
    public boolean keepVip() {
        return keepVip;
    }

    /** Builds {@link ReconnectOptions}; not thread-safe. */
    public static final class Builder {
        private boolean enabled;
        private Duration initialDelay = DEFAULT_INITIAL_DELAY;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private boolean keepVip = DEFAULT_KEEP_VIP;

        private Builder() {
        }

        /** Turns reconnecting on or off. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** First attempt after {@code initialDelay}, doubling per failed attempt up to {@code maxDelay}. */
        public Builder backoff(Duration initialDelay, Duration maxDelay) {
            this.initialDelay = initialDelay;
            this.maxDelay = maxDelay;
            return this;
        }

        /** The delays of {@code backoff}. */
        public Builder backoff(Backoff backoff) {
            return backoff(backoff.initial(), backoff.max());
        }

        /** Whether a new connection asks for the previous vIP again (default true). */
        public Builder keepVip(boolean keep) {
            this.keepVip = keep;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code reconnect.initialDelay} or {@code reconnect.maxDelay}
         */
        public ReconnectOptions build() {
            requirePositive(initialDelay, "reconnect.initialDelay");
            require(maxDelay != null && maxDelay.compareTo(initialDelay) >= 0, "reconnect.maxDelay",
                    "must be at least the initial delay " + initialDelay + ", got " + maxDelay);
            return new ReconnectOptions(this);
        }
    }
}
