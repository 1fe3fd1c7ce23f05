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
    /** The largest encoded arguments of one typed call, in bytes; larger ones are answered ERROR {@code TOO_LARGE}. */
    public static final int DEFAULT_MAX_ARGUMENT_BYTES = 64 << 10;
    /** The largest encoded result of a typed call (and the {@code $discover} schema), in bytes. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 512 << 10;

    /** The most {@link #maxResultBytes()} may be: a reply must fit a client's default frame limit (1 MiB). */
    public static final int MAX_RESULT_LIMIT = (1 << 20) - 64 - 255;

    private final int threads;
    private final int queue;
    private final int maxCallsPerClient;
    private final Duration callTimeout;
    private final boolean typedCalls;
    private final int maxArgumentBytes;
    private final int maxResultBytes;

    private Functions(Builder b) {
        typedCalls = b.typedCalls;
        maxArgumentBytes = b.maxArgumentBytes;
        maxResultBytes = b.maxResultBytes;
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

    /**
     * Whether the server offers the {@code functions} client extension (typed calls with arguments and
     * {@code $discover}, {@link TypedFunction}); on by default. Off, a client of ours falls back to bare FN for calls
     * without arguments. Bare FN is the same either way.
     */
    public boolean typedCalls() {
        return typedCalls;
    }

    /** The largest encoded arguments of one typed call; a larger call is answered ERROR {@code TOO_LARGE} unrun. */
    public int maxArgumentBytes() {
        return maxArgumentBytes;
    }

    /**
     * The largest encoded result of one typed call, and of the {@code $discover} schema; a larger one is answered ERROR
     * {@code TOO_LARGE} instead.
     */
    public int maxResultBytes() {
        return maxResultBytes;
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().threads(threads).queue(queue).maxCallsPerClient(maxCallsPerClient).callTimeout(callTimeout)
                .typedCalls(typedCalls).maxArgumentBytes(maxArgumentBytes).maxResultBytes(maxResultBytes);
    }

    /** Builds {@link Functions}; not thread-safe. */
    public static final class Builder {
        private int threads = DEFAULT_THREADS;
        private int queue = DEFAULT_QUEUE;
        private int maxCallsPerClient = DEFAULT_MAX_CALLS_PER_CLIENT;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private boolean typedCalls = true;
        private int maxArgumentBytes = DEFAULT_MAX_ARGUMENT_BYTES;
        private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;

        private Builder() {
        }

        /** Offers the {@code functions} client extension (typed calls, discovery); on by default. */
        public Builder typedCalls(boolean on) {
            this.typedCalls = on;
            return this;
        }

        /** The largest encoded arguments of one typed call, in bytes (1 or more). */
        public Builder maxArgumentBytes(int bytes) {
            this.maxArgumentBytes = bytes;
            return this;
        }

        /** The largest encoded result of one typed call or the schema, in bytes (1 to 1 MiB less 64 bytes). */
        public Builder maxResultBytes(int bytes) {
            this.maxResultBytes = bytes;
            return this;
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
         *                                {@code functions.maxCallsPerClient}, {@code functions.callTimeout},
         *                                {@code functions.maxArgumentBytes} or {@code functions.maxResultBytes} and why
         */
        public Functions build() {
            require(threads >= 1, "functions.threads", "must be at least 1");
            require(queue >= 0, "functions.queue", "must be 0 or positive");
            require(maxCallsPerClient >= 1, "functions.maxCallsPerClient", "must be at least 1, got " + maxCallsPerClient);
            require(isPositive(callTimeout), "functions.callTimeout", "must be positive");
            require(maxArgumentBytes >= 1, "functions.maxArgumentBytes", "must be at least 1, got " + maxArgumentBytes);
            require(maxResultBytes >= 1 && maxResultBytes <= MAX_RESULT_LIMIT, "functions.maxResultBytes",
                    "must be 1 to " + MAX_RESULT_LIMIT + " (a client's frame limit), got " + maxResultBytes);
            return new Functions(this);
        }
    }
}
