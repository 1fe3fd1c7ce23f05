package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.isPositive;
import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;

/**
 * What one client (and the accept loop) may use of a server: frame size, connection count, idle
 * time, outbound buffering, rate limits and AUTH attempts. Part of {@link ServerConfig}
 * ({@link ServerConfig#limits()}); validated in {@link Builder#build()}, errors naming the field as
 * {@code limits.<name>}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Limits {
    /** Frame body limit, checked from the header: 1 MiB (the reference has none). */
    public static final int DEFAULT_MAX_FRAME_SIZE = DospFrameDecoder.DEFAULT_MAX_FRAME_SIZE;
    /** Connection limit (further connections get EXIT {@code Server full}); the template may allow fewer. */
    public static final int DEFAULT_MAX_CLIENTS = 100_000;
    /** A client that sends nothing for this long gets EXIT {@code Idle timeout}; PING keeps it alive. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Pending outbound bytes at which a client stops being writable. */
    public static final int DEFAULT_OUTBOUND_HIGH_WATER_MARK = 1 << 20;
    /** Pending outbound bytes at which it becomes writable again. */
    public static final int DEFAULT_OUTBOUND_LOW_WATER_MARK = 256 << 10;
    /** Pending outbound bytes past which a client is dropped at once as a slow consumer. */
    public static final int DEFAULT_MAX_OUTBOUND_BYTES = 8 << 20;
    /** How long a client may stay unwritable before it is dropped as a slow consumer. */
    public static final Duration DEFAULT_SLOW_CONSUMER_TIMEOUT = Duration.ofSeconds(30);
    /** Packets per second a client may send: unlimited (0). */
    public static final long DEFAULT_PACKET_RATE_LIMIT = 0;
    /** Bytes per second a client may send: unlimited (0). */
    public static final long DEFAULT_BYTE_RATE_LIMIT = 0;
    /** Failed AUTH attempts after which a connection is closed. */
    public static final int DEFAULT_MAX_AUTH_FAILURES = 5;
    /** New connections accepted per second (burst of one second); more are refused with EXIT. */
    public static final int DEFAULT_MAX_ACCEPT_RATE = 20_000;

    private final int maxFrameSize;
    private final int maxClients;
    private final Duration idleTimeout;
    private final int outboundLowWaterMark;
    private final int outboundHighWaterMark;
    private final int maxOutboundBytes;
    private final Duration slowConsumerTimeout;
    private final long packetRateLimit;
    private final long byteRateLimit;
    private final int maxAuthFailures;
    private final int maxAcceptRate;

    private Limits(Builder b) {
        maxFrameSize = b.maxFrameSize;
        maxClients = b.maxClients;
        idleTimeout = b.idleTimeout;
        outboundLowWaterMark = b.outboundLowWaterMark;
        outboundHighWaterMark = b.outboundHighWaterMark;
        maxOutboundBytes = b.maxOutboundBytes;
        slowConsumerTimeout = b.slowConsumerTimeout;
        packetRateLimit = b.packetRateLimit;
        byteRateLimit = b.byteRateLimit;
        maxAuthFailures = b.maxAuthFailures;
        maxAcceptRate = b.maxAcceptRate;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static Limits defaults() {
        return builder().build();
    }

    /** Frame body limit in bytes. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Connection limit. */
    public int maxClients() {
        return maxClients;
    }

    /** Idle timeout; {@link Duration#ZERO} disables it. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Outbound low water mark in bytes: a slow client is writable again below it. */
    public int outboundLowWaterMark() {
        return outboundLowWaterMark;
    }

    /** Outbound high water mark in bytes: a client is unwritable above it. */
    public int outboundHighWaterMark() {
        return outboundHighWaterMark;
    }

    /** Hard cap on a client's pending outbound bytes. */
    public int maxOutboundBytes() {
        return maxOutboundBytes;
    }

    /** How long a client may stay unwritable. */
    public Duration slowConsumerTimeout() {
        return slowConsumerTimeout;
    }

    /** Packets per second a client may send (token bucket, burst of one second); 0 = unlimited. */
    public long packetRateLimit() {
        return packetRateLimit;
    }

    /** Bytes per second a client may send (token bucket, burst of one second); 0 = unlimited. */
    public long byteRateLimit() {
        return byteRateLimit;
    }

    /** Failed AUTH attempts before the connection is closed. */
    public int maxAuthFailures() {
        return maxAuthFailures;
    }

    /** New connections accepted per second; 0 = unlimited. */
    public int maxAcceptRate() {
        return maxAcceptRate;
    }

    /** A builder preset with these limits. */
    public Builder toBuilder() {
        return new Builder()
                .maxFrameSize(maxFrameSize)
                .maxClients(maxClients)
                .idleTimeout(idleTimeout)
                .outboundWaterMarks(outboundLowWaterMark, outboundHighWaterMark)
                .maxOutboundBytes(maxOutboundBytes)
                .slowConsumerTimeout(slowConsumerTimeout)
                .packetRateLimit(packetRateLimit)
                .byteRateLimit(byteRateLimit)
                .maxAuthFailures(maxAuthFailures)
                .maxAcceptRate(maxAcceptRate);
    }

    /** Builds {@link Limits}; not thread-safe. */
    public static final class Builder {
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int maxClients = DEFAULT_MAX_CLIENTS;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int outboundLowWaterMark = DEFAULT_OUTBOUND_LOW_WATER_MARK;
        private int outboundHighWaterMark = DEFAULT_OUTBOUND_HIGH_WATER_MARK;
        private int maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
        private Duration slowConsumerTimeout = DEFAULT_SLOW_CONSUMER_TIMEOUT;
        private long packetRateLimit = DEFAULT_PACKET_RATE_LIMIT;
        private long byteRateLimit = DEFAULT_BYTE_RATE_LIMIT;
        private int maxAuthFailures = DEFAULT_MAX_AUTH_FAILURES;
        private int maxAcceptRate = DEFAULT_MAX_ACCEPT_RATE;

        private Builder() {
        }

        /** Frame body limit in bytes (at least 1 KiB). */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /** Connection limit (at least 1). */
        public Builder maxClients(int maxClients) {
            this.maxClients = maxClients;
            return this;
        }

        /** Idle timeout; {@link Duration#ZERO} disables it. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Outbound water marks in bytes: unwritable above {@code high}, writable again below {@code low}. */
        public Builder outboundWaterMarks(int low, int high) {
            this.outboundLowWaterMark = low;
            this.outboundHighWaterMark = high;
            return this;
        }

        /** The low water mark alone (see {@link #outboundWaterMarks}). */
        public Builder outboundLowWaterMark(int bytes) {
            this.outboundLowWaterMark = bytes;
            return this;
        }

        /** The high water mark alone (see {@link #outboundWaterMarks}). */
        public Builder outboundHighWaterMark(int bytes) {
            this.outboundHighWaterMark = bytes;
            return this;
        }

        /** Hard cap on a client's pending outbound bytes; past it the client is dropped at once. */
        public Builder maxOutboundBytes(int bytes) {
            this.maxOutboundBytes = bytes;
            return this;
        }

        /** How long a client may stay unwritable before it is dropped. */
        public Builder slowConsumerTimeout(Duration timeout) {
            this.slowConsumerTimeout = timeout;
            return this;
        }

        /** Per-client packets per second (0 = unlimited); excess is slowed by not reading, never dropped. */
        public Builder packetRateLimit(long perSecond) {
            this.packetRateLimit = perSecond;
            return this;
        }

        /** Per-client bytes per second (0 = unlimited); excess is slowed by not reading, never dropped. */
        public Builder byteRateLimit(long perSecond) {
            this.byteRateLimit = perSecond;
            return this;
        }

        /** Failed AUTH attempts before the connection is closed (at least 1). */
        public Builder maxAuthFailures(int n) {
            this.maxAuthFailures = n;
            return this;
        }

        /** New connections accepted per second (burst of one second); 0 = unlimited. */
        public Builder maxAcceptRate(int perSecond) {
            this.maxAcceptRate = perSecond;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming the first invalid field ({@code limits.maxClients}, ...) and why
         */
        public Limits build() {
            require(maxFrameSize >= 1024, "limits.maxFrameSize", "must be at least 1024 bytes, got " + maxFrameSize);
            require(maxClients >= 1, "limits.maxClients", "must be at least 1, got " + maxClients);
            require(idleTimeout != null && !idleTimeout.isNegative(), "limits.idleTimeout", "must be zero (off) or positive");
            require(outboundLowWaterMark > 0 && outboundLowWaterMark <= outboundHighWaterMark, "limits.outboundWaterMarks",
                    "need 0 < low <= high, got low=" + outboundLowWaterMark + " high=" + outboundHighWaterMark);
            require(maxOutboundBytes >= outboundHighWaterMark, "limits.maxOutboundBytes",
                    "must be at least the high water mark (" + outboundHighWaterMark + "), got " + maxOutboundBytes);
            require(isPositive(slowConsumerTimeout), "limits.slowConsumerTimeout", "must be positive");
            require(packetRateLimit >= 0, "limits.packetRateLimit", "must be 0 (off) or positive");
            require(byteRateLimit >= 0, "limits.byteRateLimit", "must be 0 (off) or positive");
            require(byteRateLimit == 0 || byteRateLimit >= maxFrameSize + 5L, "limits.byteRateLimit",
                    "must be at least one maximum frame (" + (maxFrameSize + 5L) + " bytes/s) or 0");
            require(maxAuthFailures >= 1, "limits.maxAuthFailures", "must be at least 1");
            require(maxAcceptRate >= 0, "limits.maxAcceptRate", "must be 0 (unlimited) or positive");
            return new Limits(this);
        }
    }
}
