package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;

/**
 * The executor that runs server functions (FN), off the event loops: its threads and how many
 * calls may wait for one. Part of {@link ServerConfig} ({@link ServerConfig#functions()});
 * validated in {@link Builder#build()}, errors naming the field as {@code functions.<name>}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Functions {
    /** Threads that run server functions. */
    public static final int DEFAULT_THREADS = 4;
    /** FN calls that may wait for a function thread; more get ERR FF {@code Server busy}. */
    public static final int DEFAULT_QUEUE = 1024;

    private final int threads;
    private final int queue;

    private Functions(Builder b) {
        threads = b.threads;
        queue = b.queue;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static Functions defaults() {
        return builder().build();
    }

    /** Threads running FN functions. */
    public int threads() {
        return threads;
    }

    /** Queued FN calls allowed (0: a call is refused unless a thread is free). */
    public int queue() {
        return queue;
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().threads(threads).queue(queue);
    }

    /** Builds {@link Functions}; not thread-safe. */
    public static final class Builder {
        private int threads = DEFAULT_THREADS;
        private int queue = DEFAULT_QUEUE;

        private Builder() {
        }

        /** Threads that run FN functions (at least 1). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** FN calls that may queue for a thread (0 or more). */
        public Builder queue(int queue) {
            this.queue = queue;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code functions.threads} or {@code functions.queue} and why
         */
        public Functions build() {
            require(threads >= 1, "functions.threads", "must be at least 1");
            require(queue >= 0, "functions.queue", "must be 0 or positive");
            return new Functions(this);
        }
    }
}
