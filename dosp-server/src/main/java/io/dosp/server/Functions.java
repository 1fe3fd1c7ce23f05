package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.isPositive;
import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * The executor that runs server functions (FN), off the event loops: its threads, how many calls
 * may wait for one, how many one client may have in flight, and how long a call may run. Calls
 * wait in one queue per client and the threads serve the clients in turn (round robin), so a client
 * that floods FN delays only its own calls. Part of {@link ServerConfig}
 * ({@link ServerConfig#functions()}); validated in {@link Builder#build()}, errors naming the field
 * as {@code functions.<name>}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Functions {
    /** Threads that run server functions. */
    public static final int DEFAULT_THREADS = 4;
    /** FN calls that may wait for a function thread; more get ERR FF {@code Server busy}. */
    public static final int DEFAULT_QUEUE = 1024;
    /** FN calls one client may have in flight (waiting or running); more get ERR FF naming the limit. */
    public static final int DEFAULT_MAX_CALLS_PER_CLIENT = 8;
    /** How long a call may run before it is answered ERR FF ({@code timed out}) and its thread interrupted. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

    private final int threads;
    private final int queue;
    private final int maxCallsPerClient;
    private final Duration callTimeout;

    private Functions(Builder b) {
        threads = b.threads;
        queue = b.queue;
        maxCallsPerClient = b.maxCallsPerClient;
        callTimeout = b.callTimeout;
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

    /** Queued FN calls allowed, all clients together (0: a call is refused unless a thread is free). */
    public int queue() {
        return queue;
    }

    /**
     * FN calls one client may have in flight, waiting or running; a further call is answered ERR FF
     * at once (counted as {@link DropReason#FUNCTION_CLIENT_LIMIT}). A call that timed out stays in
     * flight until its function really returns.
     */
    public int maxCallsPerClient() {
        return maxCallsPerClient;
    }

    /**
     * How long a call may run: then it is answered ERR FF {@code Function 'name' timed out after ...}
     * (counted as {@link DropReason#FUNCTION_TIMEOUT}) and its thread is interrupted; whatever the
     * function returns afterwards is dropped.
     */
    public Duration callTimeout() {
        return callTimeout;
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().threads(threads).queue(queue).maxCallsPerClient(maxCallsPerClient).callTimeout(callTimeout);
    }

    /** Builds {@link Functions}; not thread-safe. */
    public static final class Builder {
        private int threads = DEFAULT_THREADS;
        private int queue = DEFAULT_QUEUE;
        private int maxCallsPerClient = DEFAULT_MAX_CALLS_PER_CLIENT;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;

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

        /** FN calls one client may have in flight (at least 1). */
        public Builder maxCallsPerClient(int calls) {
            this.maxCallsPerClient = calls;
            return this;
        }

        /** How long a call may run before it is answered ERR FF and interrupted (positive). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code functions.threads}, {@code functions.queue},
         *                                {@code functions.maxCallsPerClient} or {@code functions.callTimeout} and why
         */
        public Functions build() {
            require(threads >= 1, "functions.threads", "must be at least 1");
            require(queue >= 0, "functions.queue", "must be 0 or positive");
            require(maxCallsPerClient >= 1, "functions.maxCallsPerClient", "must be at least 1, got " + maxCallsPerClient);
            require(isPositive(callTimeout), "functions.callTimeout", "must be positive");
            return new Functions(this);
        }
    }
}
