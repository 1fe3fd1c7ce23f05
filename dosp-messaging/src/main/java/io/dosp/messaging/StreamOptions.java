package io.dosp.messaging;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * Bounds and sizes of streams, for both directions. Immutable; {@link #defaults()} or {@link #builder()}.
 *
 * <ul>
 * <li>{@code window}: the credit a receiver grants per stream; it never holds more of one stream than this
 * (default {@value #DEFAULT_WINDOW} bytes).</li>
 * <li>{@code chunkSize}: the largest STREAM_CHUNK body a sender writes (default {@value #DEFAULT_CHUNK_SIZE}); also
 * cut to what one S2C at the client's maximum frame size can carry inside a tunnel frame.</li>
 * <li>{@code maxStreamsPerPeer} (default {@value #DEFAULT_MAX_STREAMS_PER_PEER}) and {@code maxStreams} (default
 * {@value #DEFAULT_MAX_STREAMS}): streams at once per peer and in all, each direction counted apart.</li>
 * <li>{@code maxStreamBytes}: the longest stream a receiver takes (default 4 GiB): {@code TOO_LARGE} beyond.</li>
 * <li>{@code openTimeout}: how long a sender waits for the first credit (default 30 s).</li>
 * </ul>
 */
public final class StreamOptions {
    /** Default credit window per stream. */
    public static final int DEFAULT_WINDOW = 512 * 1024;
    /** Default largest chunk. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** Default streams at once per peer and direction. */
    public static final int DEFAULT_MAX_STREAMS_PER_PEER = 4;
    /** Default streams at once in all, per direction. */
    public static final int DEFAULT_MAX_STREAMS = 32;
    /** Default longest stream a receiver takes. */
    public static final long DEFAULT_MAX_STREAM_BYTES = 4L << 30;
    /** Default wait for the first credit. */
    public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(30);

    private static final StreamOptions DEFAULTS = builder().build();

    private final int window;
    private final int chunkSize;
    private final int maxStreamsPerPeer;
    private final int maxStreams;
    private final long maxStreamBytes;
    private final Duration openTimeout;

    private StreamOptions(Builder b) {
        window = b.window;
        chunkSize = b.chunkSize;
        maxStreamsPerPeer = b.maxStreamsPerPeer;
        maxStreams = b.maxStreams;
        maxStreamBytes = b.maxStreamBytes;
        openTimeout = b.openTimeout;
    }

    /** The defaults. */
    public static StreamOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Credit window per stream, in bytes. */
    public int window() {
        return window;
    }

    /** Largest chunk body, in bytes (before the frame-size cut). */
    public int chunkSize() {
        return chunkSize;
    }

    /** Streams at once per peer and direction. */
    public int maxStreamsPerPeer() {
        return maxStreamsPerPeer;
    }

    /** Streams at once in all, per direction. */
    public int maxStreams() {
        return maxStreams;
    }

    /** Longest stream a receiver takes. */
    public long maxStreamBytes() {
        return maxStreamBytes;
    }

    /** How long a sender waits for the first credit. */
    public Duration openTimeout() {
        return openTimeout;
    }

    /** Builds {@link StreamOptions}; {@link #build()} checks every field. */
    public static final class Builder {
        private int window = DEFAULT_WINDOW;
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private int maxStreamsPerPeer = DEFAULT_MAX_STREAMS_PER_PEER;
        private int maxStreams = DEFAULT_MAX_STREAMS;
        private long maxStreamBytes = DEFAULT_MAX_STREAM_BYTES;
        private Duration openTimeout = DEFAULT_OPEN_TIMEOUT;

        private Builder() {
        }

        /** Credit window per stream (1 KiB .. 1 GiB). */
        public Builder window(int bytes) {
            this.window = bytes;
            return this;
        }

        /** Largest chunk (256 bytes .. 16 MiB). */
        public Builder chunkSize(int bytes) {
            this.chunkSize = bytes;
            return this;
        }

        /** Streams at once per peer and direction (at least 1). */
        public Builder maxStreamsPerPeer(int n) {
            this.maxStreamsPerPeer = n;
            return this;
        }

        /** Streams at once in all, per direction (at least 1). */
        public Builder maxStreams(int n) {
            this.maxStreams = n;
            return this;
        }

        /** Longest stream a receiver takes (at least 0). */
        public Builder maxStreamBytes(long bytes) {
            this.maxStreamBytes = bytes;
            return this;
        }

        /** Wait for the first credit (positive). */
        public Builder openTimeout(Duration timeout) {
            this.openTimeout = timeout;
            return this;
        }

        /**
         * The options.
         *
         * @throws InvalidConfigException naming the first field out of range
         */
        public StreamOptions build() {
            require(window >= 1024 && window <= (1 << 30), "streams.window", "must be 1 KiB .. 1 GiB, got " + window);
            require(chunkSize >= 256 && chunkSize <= (16 << 20), "streams.chunkSize",
                    "must be 256 bytes .. 16 MiB, got " + chunkSize);
            require(maxStreamsPerPeer >= 1, "streams.maxStreamsPerPeer", "must be at least 1, got " + maxStreamsPerPeer);
            require(maxStreams >= 1, "streams.maxStreams", "must be at least 1, got " + maxStreams);
            require(maxStreamBytes >= 0, "streams.maxStreamBytes", "must be at least 0, got " + maxStreamBytes);
            require(openTimeout != null && !openTimeout.isNegative() && !openTimeout.isZero(), "streams.openTimeout",
                    "must be positive, got " + openTimeout);
            return new StreamOptions(this);
        }

        private static void require(boolean ok, String field, String message) {
            if (!ok) {
                throw new InvalidConfigException(field, message);
            }
        }
    }
}
