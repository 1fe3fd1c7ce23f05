package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.isPositive;
import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.internal.LogText;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;

/**
 * What one client (and the accept loop) may use of a server: frame size, connection count, idle
 * time, outbound buffering and what happens to slow consumers, the memory budget across all
 * clients, rate limits and AUTH attempts; at the door: connections per address, the deadlines
 * for a first packet and for a whole frame, and AUTH failures per address; and what one client can
 * make the server do for it (log lines, inflating compressed frames, replies larger than their
 * request). Part of {@link ServerConfig}
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
    /**
     * A client that sends no complete frame for this long gets EXIT {@code Idle timeout}; PING keeps it
     * alive, bytes trickling into an unfinished frame do not.
     */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Pending outbound bytes at which a client stops being writable. */
    public static final int DEFAULT_OUTBOUND_HIGH_WATER_MARK = 1 << 20;
    /** Pending outbound bytes at which it becomes writable again. */
    public static final int DEFAULT_OUTBOUND_LOW_WATER_MARK = 256 << 10;
    /** Pending outbound bytes past which S2C to a client are refused (or, with {@code DROP}, it is dropped). */
    public static final int DEFAULT_MAX_OUTBOUND_BYTES = 8 << 20;
    /** How long a client with data pending may make no progress before it is dropped as a slow consumer. */
    public static final Duration DEFAULT_SLOW_CONSUMER_TIMEOUT = Duration.ofSeconds(30);
    /** Slow consumers slow their senders down (nothing is lost). */
    public static final SlowConsumerPolicy DEFAULT_SLOW_CONSUMER_POLICY = SlowConsumerPolicy.BACKPRESSURE;
    /** 0: the memory budget is derived from the JVM's limits ({@link #derivedMemoryBudget()}). */
    public static final long DEFAULT_MEMORY_BUDGET = 0;
    /** The smallest memory budget accepted. */
    public static final long MIN_MEMORY_BUDGET = 1 << 20;
    /** Packets per second a client may send: unlimited (0). */
    public static final long DEFAULT_PACKET_RATE_LIMIT = 0;
    /** Bytes per second a client may send: unlimited (0). */
    public static final long DEFAULT_BYTE_RATE_LIMIT = 0;
    /** Failed AUTH attempts after which a connection is closed. */
    public static final int DEFAULT_MAX_AUTH_FAILURES = 5;
    /** New connections accepted per second (burst of one second); more are refused with EXIT. */
    public static final int DEFAULT_MAX_ACCEPT_RATE = 20_000;

    // ---- at the door: per-address limits, deadlines, unfinished frames, AUTH throttling ----

    /**
     * Connections one remote address (an IPv6 /64) may hold at once: 16, so that one address can
     * never fill the default template's 253 vIPs. Raise it (or 0: no limit) behind a NAT or a load
     * balancer, where many clients share one address.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16;
    /**
     * How long a new connection may take to send its first complete packet (reference clients send
     * CLIENT_INFO at once): 10 s; then EXIT {@code Timed out waiting for the first packet}.
     */
    public static final Duration DEFAULT_FIRST_PACKET_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a frame may take to arrive whole, from its first byte: 30 s (a 1 MiB frame needs at
     * least ~35 KB/s); then EXIT {@code Timed out waiting for the rest of a frame}.
     */
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Failed AUTH attempts one address (an IPv6 /64) may make, across all its connections, before
     * AUTH from it is refused unchecked for {@link #DEFAULT_AUTH_BAN}: 10.
     */
    public static final int DEFAULT_MAX_AUTH_FAILURES_PER_ADDRESS = 10;
    /**
     * The wait after an address's third failed AUTH before its next attempt is checked: 1 s,
     * doubling with each further failure (the first two failures cost no wait: a typo is not
     * punished); attempts during the wait are refused unchecked.
     */
    public static final Duration DEFAULT_AUTH_BACKOFF = Duration.ofSeconds(1);
    /** How long AUTH from an address is refused unchecked once it used up its failures: 15 minutes. */
    public static final Duration DEFAULT_AUTH_BAN = Duration.ofMinutes(15);
    /** Unfinished frames may hold together at most this share of the memory budget (1/4). */
    public static final int PARTIAL_FRAME_SHARE_DIVISOR = 4;
    /**
     * Characters of a string a peer controls (EXIT reason, FN name, host name, ...) that a log line
     * shows: escaped (line breaks, terminal escapes, invisible characters), the rest counted.
     */
    public static final int DEFAULT_LOG_TEXT_LENGTH = LogText.DEFAULT_MAX_LENGTH;
    /**
     * Lines per second of each kind of log line a peer can cause (connections, disconnections, failed
     * AUTH, bad frames, ...); the rest are counted and the next line of that kind says how many.
     */
    public static final int DEFAULT_LOG_LINES_PER_SECOND = 50;
    /** Bytes per second one connection's compressed frames may inflate to (burst of one second): 32 MiB. */
    public static final long DEFAULT_INFLATE_RATE_LIMIT = 32L << 20;
    /** Bytes one connection may inflate per read batch before the rest waits for the next turn of its event loop. */
    public static final int DEFAULT_INFLATE_PER_READ = 1 << 20;
    /** Bytes per second of replies larger than their request (GCL, GSI) one client may get (burst of one second). */
    public static final long DEFAULT_REPLY_RATE_LIMIT = 64L << 10;

    // ---- vIP reuse (tunnel takeover by vIP reuse) ----
    /** How long a vIP a client gave up is handed to nobody else (allocation or RQIP): 60 s. */
    public static final Duration DEFAULT_VIP_QUARANTINE = Duration.ofSeconds(60);

    private final int maxFrameSize;
    private final int maxClients;
    private final Duration idleTimeout;
    private final int outboundLowWaterMark;
    private final int outboundHighWaterMark;
    private final int maxOutboundBytes;
    private final Duration slowConsumerTimeout;
    private final SlowConsumerPolicy slowConsumerPolicy;
    private final long memoryBudget;
    private final long packetRateLimit;
    private final long byteRateLimit;
    private final int maxAuthFailures;
    private final int maxAcceptRate;
    private final int maxConnectionsPerAddress;
    private final Duration firstPacketTimeout;
    private final Duration frameTimeout;
    private final int maxAuthFailuresPerAddress;
    private final Duration authBackoff;
    private final Duration authBan;
    private final int logTextLength;
    private final int logLinesPerSecond;
    private final long inflateRateLimit;
    private final int inflatePerRead;
    private final long replyRateLimit;
    private final Duration vipQuarantine;

    private Limits(Builder b) {
        maxFrameSize = b.maxFrameSize;
        maxClients = b.maxClients;
        idleTimeout = b.idleTimeout;
        outboundLowWaterMark = b.outboundLowWaterMark;
        outboundHighWaterMark = b.outboundHighWaterMark;
        maxOutboundBytes = b.maxOutboundBytes;
        slowConsumerTimeout = b.slowConsumerTimeout;
        slowConsumerPolicy = b.slowConsumerPolicy;
        memoryBudget = b.memoryBudget;
        packetRateLimit = b.packetRateLimit;
        byteRateLimit = b.byteRateLimit;
        maxAuthFailures = b.maxAuthFailures;
        maxAcceptRate = b.maxAcceptRate;
        maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        firstPacketTimeout = b.firstPacketTimeout;
        frameTimeout = b.frameTimeout;
        maxAuthFailuresPerAddress = b.maxAuthFailuresPerAddress;
        authBackoff = b.authBackoff;
        authBan = b.authBan;
        logTextLength = b.logTextLength;
        logLinesPerSecond = b.logLinesPerSecond;
        inflateRateLimit = b.inflateRateLimit;
        inflatePerRead = b.inflatePerRead;
        replyRateLimit = b.replyRateLimit;
        vipQuarantine = b.vipQuarantine;
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

    /**
     * Hard cap on a client's pending outbound bytes: past it, S2C to it are refused with ERR S2CF
     * ({@link SlowConsumerPolicy#BACKPRESSURE}) or it is dropped ({@link SlowConsumerPolicy#DROP}).
     */
    public int maxOutboundBytes() {
        return maxOutboundBytes;
    }

    /**
     * How long a client with data pending may make no progress (no byte written to its socket)
     * before it is dropped; a slow client that keeps reading is never dropped by it.
     */
    public Duration slowConsumerTimeout() {
        return slowConsumerTimeout;
    }

    /** What slow consumers cost their senders: a pause (the default) or the consumer's connection. */
    public SlowConsumerPolicy slowConsumerPolicy() {
        return slowConsumerPolicy;
    }

    /**
     * Bytes the server may hold on behalf of all clients together (outbound queues, batches and
     * Netty's outbound buffers): past it, senders to clients that are behind are paused until the
     * use is back under 90%; past a further eighth every sender is paused and S2C that cannot
     * pause their sender are refused with ERR S2CF. The configured value, or
     * {@link #derivedMemoryBudget()} when none was set.
     */
    public long memoryBudget() {
        return memoryBudget == DEFAULT_MEMORY_BUDGET ? derivedMemoryBudget() : memoryBudget;
    }

    /**
     * The memory budget when none is configured: half the smaller of the JVM's direct-memory
     * limit (as Netty sees it) and its maximum heap (outbound frames are direct buffers, queued
     * packets are on the heap), at least {@link #MIN_MEMORY_BUDGET}.
     */
    public static long derivedMemoryBudget() {
        long direct = PlatformDependent.maxDirectMemory();
        long heap = Runtime.getRuntime().maxMemory();
        long smaller = Math.min(direct > 0 ? direct : Long.MAX_VALUE, heap > 0 && heap != Long.MAX_VALUE ? heap : Long.MAX_VALUE);
        return Math.max(MIN_MEMORY_BUDGET, smaller == Long.MAX_VALUE ? 1L << 30 : smaller / 2);
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

    /**
     * Connections one remote address may hold at once (IPv6: one /64); 0 = no limit. More get EXIT
     * {@code Too many connections from your address}. In-process (local transport) clients are not counted.
     */
    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /**
     * How long after connecting a client may take to send its first complete, valid packet;
     * {@link Duration#ZERO} disables the deadline.
     */
    public Duration firstPacketTimeout() {
        return firstPacketTimeout;
    }

    /**
     * How long a frame may take from its first byte to its last; {@link Duration#ZERO} disables the
     * deadline. Time during which the server itself does not read from the client (flow control, rate
     * limits) does not count.
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * Failed AUTH attempts one address (IPv6: one /64) may make across all its connections before
     * AUTH from it is refused unchecked for {@link #authBan()}; 0 = no per-address limit (and no backoff).
     */
    public int maxAuthFailuresPerAddress() {
        return maxAuthFailuresPerAddress;
    }

    /**
     * The wait after an address's third failed AUTH before its next attempt is checked, doubled
     * with every further failure (at most {@link #authBan()}); the first two failures cost no wait;
     * {@link Duration#ZERO}: no wait at all.
     */
    public Duration authBackoff() {
        return authBackoff;
    }

    /** How long AUTH from an address that used up its failures is refused without checking the token. */
    public Duration authBan() {
        return authBan;
    }

    /**
     * The most the frame decoders of all connections together may hold for unfinished frames: a
     * quarter of {@link #memoryBudget()}, but at least two buffers of the largest frame (and at most
     * the whole budget). A frame that needs more gets EXIT {@code Server busy: no memory for the frame
     * being received}.
     */
    public long partialFrameMemory() {
        long budget = memoryBudget();
        return Math.min(budget, Math.max(budget / PARTIAL_FRAME_SHARE_DIVISOR, 2 * frameBufferCapacity(maxFrameSize)));
    }

    /** The buffer a decoder allocates for a whole frame of {@code bodyLength}: the header and body rounded up to a power of two. */
    static long frameBufferCapacity(int bodyLength) {
        long whole = 5L + bodyLength;
        long pow = Long.highestOneBit(whole);
        return pow == whole ? whole : pow << 1;
    }

    /**
     * How many characters of a string a peer controls a log line shows (escaped; what is left out
     * is counted, {@code …(N more)}).
     */
    public int logTextLength() {
        return logTextLength;
    }

    /**
     * How many lines per second each kind of log line a peer can cause may write; the rest are
     * counted ({@link GuardStats#logLinesSuppressed()}) and the next line of that kind says how many.
     */
    public int logLinesPerSecond() {
        return logLinesPerSecond;
    }

    /**
     * Bytes per second one connection's compressed frames may inflate to (token bucket, burst of one
     * second), refused bodies (zlib bombs) included; over it the server stops reading from the
     * connection until the bucket refills. 0 = unlimited. A body is never cut: one that inflates
     * past the bucket puts it in debt, and the next waits, so a limit under the maximum frame size
     * slows the largest compressed frames to one per {@code maxFrameSize / limit} seconds. Inflated
     * bytes also count against {@link #byteRateLimit()}.
     */
    public long inflateRateLimit() {
        return inflateRateLimit;
    }

    /**
     * Bytes one connection may inflate in one read batch: past it, the frames it already sent wait
     * for the next turn of its event loop, so its zlib bombs cannot hold up the other connections
     * of that loop. At least one frame is inflated per turn.
     */
    public int inflatePerRead() {
        return inflatePerRead;
    }

    /**
     * Bytes per second of replies larger than their request (GCL client lists, GSI self info) one
     * client may get (token bucket, burst of one second). A request while the bucket is in debt is
     * refused (GCL with ERR GCLF, GSI with ERR UKNP) with a text naming the limit; further GCL refusals
     * while it stays in debt are the bare code, no larger than the request. Refusals are charged too,
     * and a client more than a second in debt is not read from until the bucket is full again.
     * 0 = unlimited.
     */
    public long replyRateLimit() {
        return replyRateLimit;
    }

    /**
     * How long a vIP a client gave up (disconnect, or RQIP away from it) is handed to no other
     * connection: not allocated, and RQIP for it answered {@code E:IP was released recently ...}.
     * The server cannot tell the same client reconnecting from anyone else (no identities), so the
     * quarantine holds for every connection. Freed vIPs are handed out least recently used, after
     * the never used ones. A template whose only free vIPs are quarantined refuses new connections
     * with {@code Server full} until one leaves quarantine. 0 turns it off: a freed vIP is free
     * again at once and allocation is lowest free first, as in the reference.
     */
    public Duration vipQuarantine() {
        return vipQuarantine;
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
                .slowConsumerPolicy(slowConsumerPolicy)
                .memoryBudget(memoryBudget)
                .packetRateLimit(packetRateLimit)
                .byteRateLimit(byteRateLimit)
                .maxAuthFailures(maxAuthFailures)
                .maxAcceptRate(maxAcceptRate)
                .maxConnectionsPerAddress(maxConnectionsPerAddress)
                .firstPacketTimeout(firstPacketTimeout)
                .frameTimeout(frameTimeout)
                .maxAuthFailuresPerAddress(maxAuthFailuresPerAddress)
                .authBackoff(authBackoff)
                .authBan(authBan)
                .logTextLength(logTextLength)
                .logLinesPerSecond(logLinesPerSecond)
                .inflateRateLimit(inflateRateLimit)
                .inflatePerRead(inflatePerRead)
                .replyRateLimit(replyRateLimit)
                .vipQuarantine(vipQuarantine);
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
        private SlowConsumerPolicy slowConsumerPolicy = DEFAULT_SLOW_CONSUMER_POLICY;
        private long memoryBudget = DEFAULT_MEMORY_BUDGET;
        private long packetRateLimit = DEFAULT_PACKET_RATE_LIMIT;
        private long byteRateLimit = DEFAULT_BYTE_RATE_LIMIT;
        private int maxAuthFailures = DEFAULT_MAX_AUTH_FAILURES;
        private int maxAcceptRate = DEFAULT_MAX_ACCEPT_RATE;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private Duration firstPacketTimeout = DEFAULT_FIRST_PACKET_TIMEOUT;
        private Duration frameTimeout = DEFAULT_FRAME_TIMEOUT;
        private int maxAuthFailuresPerAddress = DEFAULT_MAX_AUTH_FAILURES_PER_ADDRESS;
        private Duration authBackoff = DEFAULT_AUTH_BACKOFF;
        private Duration authBan = DEFAULT_AUTH_BAN;
        private int logTextLength = DEFAULT_LOG_TEXT_LENGTH;
        private int logLinesPerSecond = DEFAULT_LOG_LINES_PER_SECOND;
        private long inflateRateLimit = DEFAULT_INFLATE_RATE_LIMIT;
        private int inflatePerRead = DEFAULT_INFLATE_PER_READ;
        private long replyRateLimit = DEFAULT_REPLY_RATE_LIMIT;
        private Duration vipQuarantine = DEFAULT_VIP_QUARANTINE;

        private Builder() {
        }

        /** How long a freed vIP goes to no other connection (zero: off); see {@link Limits#vipQuarantine()}. */
        public Builder vipQuarantine(Duration quarantine) {
            this.vipQuarantine = quarantine;
            return this;
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

        /** Hard cap on a client's pending outbound bytes (see {@link Limits#maxOutboundBytes()}). */
        public Builder maxOutboundBytes(int bytes) {
            this.maxOutboundBytes = bytes;
            return this;
        }

        /** How long a client with data pending may make no progress before it is dropped. */
        public Builder slowConsumerTimeout(Duration timeout) {
            this.slowConsumerTimeout = timeout;
            return this;
        }

        /** What slow consumers cost: {@link SlowConsumerPolicy#BACKPRESSURE} (default) or {@link SlowConsumerPolicy#DROP}. */
        public Builder slowConsumerPolicy(SlowConsumerPolicy policy) {
            this.slowConsumerPolicy = policy;
            return this;
        }

        /** The memory budget across all clients in bytes (at least 1 MiB); 0 derives it from the JVM's limits. */
        public Builder memoryBudget(long bytes) {
            this.memoryBudget = bytes;
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

        /** Connections one remote address (IPv6: one /64) may hold at once (0 = no limit). */
        public Builder maxConnectionsPerAddress(int n) {
            this.maxConnectionsPerAddress = n;
            return this;
        }

        /** How long a new connection may take to send its first complete packet ({@link Duration#ZERO}: no deadline). */
        public Builder firstPacketTimeout(Duration timeout) {
            this.firstPacketTimeout = timeout;
            return this;
        }

        /** How long a frame may take from its first byte to its last ({@link Duration#ZERO}: no deadline). */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = timeout;
            return this;
        }

        /** Failed AUTH attempts per address, across connections, before its AUTH is refused unchecked (0 = no limit). */
        public Builder maxAuthFailuresPerAddress(int n) {
            this.maxAuthFailuresPerAddress = n;
            return this;
        }

        /** The wait after an address's third failed AUTH, doubling per further failure ({@link Duration#ZERO}: none). */
        public Builder authBackoff(Duration backoff) {
            this.authBackoff = backoff;
            return this;
        }

        /** How long AUTH from an address that used up its failures is refused unchecked (positive). */
        public Builder authBan(Duration ban) {
            this.authBan = ban;
            return this;
        }

        /** Characters of a peer's string a log line shows ({@value LogText#MIN_MAX_LENGTH} to 1 MiB). */
        public Builder logTextLength(int chars) {
            this.logTextLength = chars;
            return this;
        }

        /** Lines per second of each kind of log line a peer can cause (at least 1). */
        public Builder logLinesPerSecond(int lines) {
            this.logLinesPerSecond = lines;
            return this;
        }

        /** Bytes per second one connection may inflate (0 = unlimited, else at least 1024). */
        public Builder inflateRateLimit(long bytesPerSecond) {
            this.inflateRateLimit = bytesPerSecond;
            return this;
        }

        /** Bytes one connection may inflate per read batch before the rest waits (at least 1 KiB). */
        public Builder inflatePerRead(int bytes) {
            this.inflatePerRead = bytes;
            return this;
        }

        /** Bytes per second of GCL and GSI replies one client may get (0 = unlimited). */
        public Builder replyRateLimit(long bytesPerSecond) {
            this.replyRateLimit = bytesPerSecond;
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
            require(slowConsumerPolicy != null, "limits.slowConsumerPolicy", "must be BACKPRESSURE or DROP");
            require(memoryBudget == DEFAULT_MEMORY_BUDGET || memoryBudget >= MIN_MEMORY_BUDGET, "limits.memoryBudget",
                    "must be 0 (derived from the JVM) or at least " + MIN_MEMORY_BUDGET + " bytes, got " + memoryBudget);
            require(packetRateLimit >= 0, "limits.packetRateLimit", "must be 0 (off) or positive");
            require(byteRateLimit >= 0, "limits.byteRateLimit", "must be 0 (off) or positive");
            require(byteRateLimit == 0 || byteRateLimit >= maxFrameSize + 5L, "limits.byteRateLimit",
                    "must be at least one maximum frame (" + (maxFrameSize + 5L) + " bytes/s) or 0");
            require(maxAuthFailures >= 1, "limits.maxAuthFailures", "must be at least 1");
            require(maxAcceptRate >= 0, "limits.maxAcceptRate", "must be 0 (unlimited) or positive");
            require(maxConnectionsPerAddress >= 0, "limits.maxConnectionsPerAddress",
                    "must be 0 (no limit) or positive, got " + maxConnectionsPerAddress);
            require(firstPacketTimeout != null && !firstPacketTimeout.isNegative(), "limits.firstPacketTimeout",
                    "must be zero (off) or positive");
            require(frameTimeout != null && !frameTimeout.isNegative(), "limits.frameTimeout", "must be zero (off) or positive");
            require(maxAuthFailuresPerAddress >= 0, "limits.maxAuthFailuresPerAddress",
                    "must be 0 (no limit) or positive, got " + maxAuthFailuresPerAddress);
            require(authBackoff != null && !authBackoff.isNegative(), "limits.authBackoff", "must be zero (none) or positive");
            require(isPositive(authBan), "limits.authBan", "must be positive");
            require(logTextLength >= LogText.MIN_MAX_LENGTH && logTextLength <= 1 << 20, "limits.logTextLength",
                    "must be " + LogText.MIN_MAX_LENGTH + " to " + (1 << 20) + " characters, got " + logTextLength);
            require(logLinesPerSecond >= 1, "limits.logLinesPerSecond", "must be at least 1, got " + logLinesPerSecond);
            require(inflateRateLimit == 0 || inflateRateLimit >= 1024, "limits.inflateRateLimit",
                    "must be 0 (unlimited) or at least 1024 bytes/s, got " + inflateRateLimit);
            require(inflatePerRead >= 1024, "limits.inflatePerRead", "must be at least 1024 bytes, got " + inflatePerRead);
            require(replyRateLimit >= 0, "limits.replyRateLimit", "must be 0 (unlimited) or positive, got " + replyRateLimit);
            require(vipQuarantine != null && !vipQuarantine.isNegative(), "limits.vipQuarantine",
                    "must be zero (off) or positive, got " + vipQuarantine);
            return new Limits(this);
        }
    }
}
