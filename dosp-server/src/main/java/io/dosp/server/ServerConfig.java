package io.dosp.server;

import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a {@link DospServer} is configured with: typed, immutable, validated once in
 * {@link Builder#build()} with messages that name the field. Every setting has a documented
 * default ({@code DEFAULT_*}); {@code ServerConfig.builder().build()} is a server on
 * {@code 0.0.0.0:7744} with template {@code 7.10.0.x}, as the reference.
 *
 * <p>Thread-safe (immutable).
 */
public final class ServerConfig {
    /** Listen address: all interfaces. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** The DoSP port. */
    public static final int DEFAULT_PORT = 7744;
    /** The reference's template: 253 clients, {@code 7.10.0.2} to {@code 7.10.0.254}. */
    public static final String DEFAULT_TEMPLATE = "7.10.0.x";
    /** Compression is off unless asked for (it costs CPU on every frame). */
    public static final boolean DEFAULT_COMPRESSION = false;
    /** zlib level, as the reference. */
    public static final int DEFAULT_COMPRESSION_LEVEL = 6;
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
    /** Failed AUTH attempts after which a connection is closed. */
    public static final int DEFAULT_MAX_AUTH_FAILURES = 5;
    /** Threads that run server functions (FN), off the event loops. */
    public static final int DEFAULT_FUNCTION_THREADS = 4;
    /** FN calls that may wait for a function thread; more get ERR FF {@code Server busy}. */
    public static final int DEFAULT_FUNCTION_QUEUE = 1024;
    /** Where a generated admin token is written when none is configured. */
    public static final Path DEFAULT_ADMIN_TOKEN_FILE = Path.of("dosp-admin.token");
    /** Highest hop count a route may have; longer routes are ignored, forwarded S2C dies after this many links. */
    public static final int DEFAULT_MAX_HOPS = 16;
    /** Most routes kept; further advertised templates are ignored (and logged). */
    public static final int DEFAULT_MAX_ROUTES = 1024;
    /** How often a peer link re-sends its advertisement and PINGs the peer. */
    public static final Duration DEFAULT_PEER_HEARTBEAT = Duration.ofSeconds(5);
    /** Missed heartbeats after which a peer link is declared dead and reconnected. */
    public static final int DEFAULT_PEER_HEARTBEAT_MISSES = 3;
    /** First delay before reconnecting a peer link; doubles up to {@link #DEFAULT_PEER_RECONNECT_MAX}, with jitter. */
    public static final Duration DEFAULT_PEER_RECONNECT_INITIAL = Duration.ofMillis(200);
    /** Longest delay between reconnect attempts of a peer link. */
    public static final Duration DEFAULT_PEER_RECONNECT_MAX = Duration.ofSeconds(30);
    /** Bytes a peer link may have queued; past it forwarded S2C is dropped (the sender gets ERR S2CF). */
    public static final int DEFAULT_PEER_QUEUE_BYTES = 16 << 20;

    /** New connections accepted per second (burst of one second); more are refused with EXIT. */
    public static final int DEFAULT_MAX_ACCEPT_RATE = 20_000;

    /** Name of the in-process (Netty local) transport address. */
    public static final String DEFAULT_LOCAL_NAME = "dosp";

    private final String host;
    private final int port;
    private final VipTemplate template;
    private final boolean compression;
    private final int compressionLevel;
    private final int maxFrameSize;
    private final int maxClients;
    private final Duration idleTimeout;
    private final int outboundHighWaterMark;
    private final int outboundLowWaterMark;
    private final int maxOutboundBytes;
    private final Duration slowConsumerTimeout;
    private final long packetRateLimit;
    private final long byteRateLimit;
    private final int maxAuthFailures;
    private final int workerThreads;
    private final int functionThreads;
    private final int functionQueue;
    private final Set<String> adminTokens;
    private final Path adminTokenFile;
    private final Set<String> bannedHashes;
    private final Set<String> whitelistHashes;
    private final boolean whitelistEnabled;
    private final Set<Vip> blockedVips;
    private final Set<String> bannedAddresses;
    private final boolean localTransport;
    private final String localName;
    private final boolean tcp;
    private final javax.net.ssl.SSLContext tls;
    private final java.util.List<PeerSpec> peers;
    private final String meshKey;
    private final String advertisedHost;
    private final int maxHops;
    private final int maxRoutes;
    private final Duration peerHeartbeat;
    private final int peerHeartbeatMisses;
    private final Duration peerReconnectInitial;
    private final Duration peerReconnectMax;
    private final int peerQueueBytes;
    private final int maxAcceptRate;

    private ServerConfig(Builder b) {
        maxAcceptRate = b.maxAcceptRate;
        peers = java.util.List.copyOf(b.peers);
        meshKey = b.meshKey;
        advertisedHost = b.advertisedHost;
        maxHops = b.maxHops;
        maxRoutes = b.maxRoutes;
        peerHeartbeat = b.peerHeartbeat;
        peerHeartbeatMisses = b.peerHeartbeatMisses;
        peerReconnectInitial = b.peerReconnectInitial;
        peerReconnectMax = b.peerReconnectMax;
        peerQueueBytes = b.peerQueueBytes;
        tls = b.tls;
        host = b.host;
        port = b.port;
        template = b.template;
        compression = b.compression;
        compressionLevel = b.compressionLevel;
        maxFrameSize = b.maxFrameSize;
        maxClients = b.maxClients;
        idleTimeout = b.idleTimeout;
        outboundHighWaterMark = b.outboundHighWaterMark;
        outboundLowWaterMark = b.outboundLowWaterMark;
        maxOutboundBytes = b.maxOutboundBytes;
        slowConsumerTimeout = b.slowConsumerTimeout;
        packetRateLimit = b.packetRateLimit;
        byteRateLimit = b.byteRateLimit;
        maxAuthFailures = b.maxAuthFailures;
        workerThreads = b.workerThreads;
        functionThreads = b.functionThreads;
        functionQueue = b.functionQueue;
        adminTokens = Set.copyOf(b.adminTokens);
        adminTokenFile = b.adminTokenFile;
        bannedHashes = Set.copyOf(b.bannedHashes);
        whitelistHashes = Set.copyOf(b.whitelistHashes);
        whitelistEnabled = b.whitelistEnabled;
        blockedVips = Set.copyOf(b.blockedVips);
        bannedAddresses = Set.copyOf(b.bannedAddresses);
        localTransport = b.localTransport;
        localName = b.localName;
        tcp = b.tcp;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static ServerConfig defaults() {
        return builder().build();
    }

    /** Listen host. */
    public String host() {
        return host;
    }

    /** Listen port; 0 picks a free one (see {@link DospServer#port()}). */
    public int port() {
        return port;
    }

    /** The vIP template clients are numbered from. */
    public VipTemplate template() {
        return template;
    }

    /** Whether frames after HSK are compressed. */
    public boolean compression() {
        return compression;
    }

    /** zlib level 0..9. */
    public int compressionLevel() {
        return compressionLevel;
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

    /** Outbound high water mark in bytes. */
    public int outboundHighWaterMark() {
        return outboundHighWaterMark;
    }

    /** Outbound low water mark in bytes. */
    public int outboundLowWaterMark() {
        return outboundLowWaterMark;
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

    /** I/O threads; 0 means Netty's default (twice the cores). */
    public int workerThreads() {
        return workerThreads;
    }

    /** Threads running FN functions. */
    public int functionThreads() {
        return functionThreads;
    }

    /** Queued FN calls allowed. */
    public int functionQueue() {
        return functionQueue;
    }

    /** Admin tokens accepted by AUTH (empty: one is generated at start). */
    public Set<String> adminTokens() {
        return adminTokens;
    }

    /** Where a generated admin token is written (owner-only permissions). */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    /** Client hashes refused at CLIENT_INFO. */
    public Set<String> bannedHashes() {
        return bannedHashes;
    }

    /** Client hashes admitted in whitelist mode. */
    public Set<String> whitelistHashes() {
        return whitelistHashes;
    }

    /** Whether only whitelisted client hashes may stay connected. */
    public boolean whitelistEnabled() {
        return whitelistEnabled;
    }

    /** vIPs refused for RQIP ({@code 0.0.0.0} and {@code 127.0.0.1} by default). */
    public Set<Vip> blockedVips() {
        return blockedVips;
    }

    /** Remote IP addresses refused at accept (the reference's {@code banned_ip_list}). */
    public Set<String> bannedAddresses() {
        return bannedAddresses;
    }

    /** Whether in-process clients may connect over Netty's local transport. */
    public boolean localTransport() {
        return localTransport;
    }

    /** The local transport's address name. */
    public String localName() {
        return localName;
    }

    /** Whether the TCP listener runs (off for purely in-process servers). */
    public boolean tcp() {
        return tcp;
    }

    /** The TLS context for TCP connections, or null when TLS is off (the default; the reference has none). */
    public javax.net.ssl.SSLContext tls() {
        return tls;
    }

    /** Federation peers to link to at start. */
    public java.util.List<PeerSpec> peers() {
        return peers;
    }

    /** The shared mesh key peers of this project prove at link setup, or null (then only address-trusted peers). */
    public String meshKey() {
        return meshKey;
    }

    /** The host this server tells peers to reach it at (default: the listen host, or 127.0.0.1 for 0.0.0.0). */
    public String advertisedHost() {
        if (advertisedHost != null) {
            return advertisedHost;
        }
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    /** Route and forwarding hop limit. */
    public int maxHops() {
        return maxHops;
    }

    /** Routing table size limit. */
    public int maxRoutes() {
        return maxRoutes;
    }

    /** Peer link heartbeat and re-advertisement interval. */
    public Duration peerHeartbeat() {
        return peerHeartbeat;
    }

    /** Missed heartbeats before a link is declared dead. */
    public int peerHeartbeatMisses() {
        return peerHeartbeatMisses;
    }

    /** First reconnect delay of a peer link. */
    public Duration peerReconnectInitial() {
        return peerReconnectInitial;
    }

    /** Longest reconnect delay of a peer link. */
    public Duration peerReconnectMax() {
        return peerReconnectMax;
    }

    /** Queue limit of a peer link in bytes. */
    public int peerQueueBytes() {
        return peerQueueBytes;
    }

    /** New connections accepted per second; 0 = unlimited. */
    public int maxAcceptRate() {
        return maxAcceptRate;
    }

    /** Whether federation frames (custom types 0xF0..0xF4) are reserved for peer links. */
    public boolean federation() {
        return !peers.isEmpty() || meshKey != null;
    }

    /** A builder preset with this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.template = template;
        b.compression = compression;
        b.compressionLevel = compressionLevel;
        b.maxFrameSize = maxFrameSize;
        b.maxClients = maxClients;
        b.idleTimeout = idleTimeout;
        b.outboundHighWaterMark = outboundHighWaterMark;
        b.outboundLowWaterMark = outboundLowWaterMark;
        b.maxOutboundBytes = maxOutboundBytes;
        b.slowConsumerTimeout = slowConsumerTimeout;
        b.packetRateLimit = packetRateLimit;
        b.byteRateLimit = byteRateLimit;
        b.maxAuthFailures = maxAuthFailures;
        b.workerThreads = workerThreads;
        b.functionThreads = functionThreads;
        b.functionQueue = functionQueue;
        b.adminTokens = new LinkedHashSet<>(adminTokens);
        b.adminTokenFile = adminTokenFile;
        b.bannedHashes = new LinkedHashSet<>(bannedHashes);
        b.whitelistHashes = new LinkedHashSet<>(whitelistHashes);
        b.whitelistEnabled = whitelistEnabled;
        b.blockedVips = new LinkedHashSet<>(blockedVips);
        b.bannedAddresses = new LinkedHashSet<>(bannedAddresses);
        b.localTransport = localTransport;
        b.localName = localName;
        b.tcp = tcp;
        b.tls = tls;
        b.peers = new java.util.ArrayList<>(peers);
        b.meshKey = meshKey;
        b.advertisedHost = advertisedHost;
        b.maxHops = maxHops;
        b.maxRoutes = maxRoutes;
        b.peerHeartbeat = peerHeartbeat;
        b.peerHeartbeatMisses = peerHeartbeatMisses;
        b.peerReconnectInitial = peerReconnectInitial;
        b.peerReconnectMax = peerReconnectMax;
        b.peerQueueBytes = peerQueueBytes;
        b.maxAcceptRate = maxAcceptRate;
        return b;
    }

    /** Builds a {@link ServerConfig}; not thread-safe. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private VipTemplate template = VipTemplate.parse(DEFAULT_TEMPLATE);
        private boolean compression = DEFAULT_COMPRESSION;
        private int compressionLevel = DEFAULT_COMPRESSION_LEVEL;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int maxClients = DEFAULT_MAX_CLIENTS;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int outboundHighWaterMark = DEFAULT_OUTBOUND_HIGH_WATER_MARK;
        private int outboundLowWaterMark = DEFAULT_OUTBOUND_LOW_WATER_MARK;
        private int maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
        private Duration slowConsumerTimeout = DEFAULT_SLOW_CONSUMER_TIMEOUT;
        private long packetRateLimit;
        private long byteRateLimit;
        private int maxAuthFailures = DEFAULT_MAX_AUTH_FAILURES;
        private int workerThreads;
        private int functionThreads = DEFAULT_FUNCTION_THREADS;
        private int functionQueue = DEFAULT_FUNCTION_QUEUE;
        private Set<String> adminTokens = new LinkedHashSet<>();
        private Path adminTokenFile = DEFAULT_ADMIN_TOKEN_FILE;
        private Set<String> bannedHashes = new LinkedHashSet<>();
        private Set<String> whitelistHashes = new LinkedHashSet<>();
        private boolean whitelistEnabled;
        private Set<Vip> blockedVips = new LinkedHashSet<>(Set.of(Vip.ZERO, Vip.parse("127.0.0.1")));
        private Set<String> bannedAddresses = new LinkedHashSet<>();
        private boolean localTransport;
        private String localName = DEFAULT_LOCAL_NAME;
        private boolean tcp = true;
        private javax.net.ssl.SSLContext tls;
        private java.util.List<PeerSpec> peers = new java.util.ArrayList<>();
        private String meshKey;
        private String advertisedHost;
        private int maxHops = DEFAULT_MAX_HOPS;
        private int maxRoutes = DEFAULT_MAX_ROUTES;
        private Duration peerHeartbeat = DEFAULT_PEER_HEARTBEAT;
        private int peerHeartbeatMisses = DEFAULT_PEER_HEARTBEAT_MISSES;
        private Duration peerReconnectInitial = DEFAULT_PEER_RECONNECT_INITIAL;
        private Duration peerReconnectMax = DEFAULT_PEER_RECONNECT_MAX;
        private int peerQueueBytes = DEFAULT_PEER_QUEUE_BYTES;
        private int maxAcceptRate = DEFAULT_MAX_ACCEPT_RATE;

        private Builder() {
        }

        /** New connections accepted per second (burst of one second); 0 = unlimited. */
        public Builder maxAcceptRate(int perSecond) {
            this.maxAcceptRate = perSecond;
            return this;
        }

        /** Adds a federation peer to link to at start. */
        public Builder peer(PeerSpec peer) {
            this.peers.add(Objects.requireNonNull(peer, "peer"));
            return this;
        }

        /**
         * The mesh key shared by the servers of one federation (at least 16 characters). Peers of this
         * project prove it at link setup without sending it; a link that fails is refused. Reference
         * peers cannot prove it and are trusted only when configured as peers by address.
         */
        public Builder meshKey(String key) {
            this.meshKey = key;
            return this;
        }

        /** The host peers should use to reach this server (put in its advertisements). */
        public Builder advertisedHost(String host) {
            this.advertisedHost = host;
            return this;
        }

        /** Route and forwarding hop limit (1..255). */
        public Builder maxHops(int hops) {
            this.maxHops = hops;
            return this;
        }

        /** Routing table size limit. */
        public Builder maxRoutes(int routes) {
            this.maxRoutes = routes;
            return this;
        }

        /** Peer link heartbeat interval and the misses after which the link is declared dead. */
        public Builder peerHeartbeat(Duration interval, int misses) {
            this.peerHeartbeat = interval;
            this.peerHeartbeatMisses = misses;
            return this;
        }

        /** Peer link reconnect backoff: first delay and cap (jitter is added). */
        public Builder peerReconnect(Duration initial, Duration max) {
            this.peerReconnectInitial = initial;
            this.peerReconnectMax = max;
            return this;
        }

        /** Queue limit of each peer link in bytes. */
        public Builder peerQueueBytes(int bytes) {
            this.peerQueueBytes = bytes;
            return this;
        }

        /**
         * Serve TCP clients over TLS with this context (its key managers hold the server certificate);
         * null turns TLS off. Reference clients cannot speak TLS: enable it only for clients of this project.
         */
        public Builder tls(javax.net.ssl.SSLContext context) {
            this.tls = context;
            return this;
        }

        /** Listen host (name or address). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Listen port, 0..65535 (0 = any free port). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** vIP template text, e.g. {@code 7.10.0.x}, {@code 10.7.x.x}, {@code 10.7.0.0/16}. */
        public Builder template(String template) {
            try {
                this.template = VipTemplate.parse(template);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("template: " + e.getMessage(), e);
            }
            return this;
        }

        /** vIP template. */
        public Builder template(VipTemplate template) {
            this.template = Objects.requireNonNull(template, "template");
            return this;
        }

        /** Compress every frame after HSK. */
        public Builder compression(boolean compression) {
            this.compression = compression;
            return this;
        }

        /** zlib level 0..9. */
        public Builder compressionLevel(int level) {
            this.compressionLevel = level;
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

        /** I/O threads (0 = Netty's default). */
        public Builder workerThreads(int n) {
            this.workerThreads = n;
            return this;
        }

        /** Threads that run FN functions, and how many calls may queue for them. */
        public Builder functionExecutor(int threads, int queue) {
            this.functionThreads = threads;
            this.functionQueue = queue;
            return this;
        }

        /** Accepted admin tokens ({@code sha256_hex(user + ":" + password)} or random hex). */
        public Builder adminTokens(Set<String> tokens) {
            this.adminTokens = new LinkedHashSet<>(tokens);
            return this;
        }

        /** Adds an accepted admin token. */
        public Builder adminToken(String token) {
            this.adminTokens.add(token);
            return this;
        }

        /** Where a generated admin token is written. */
        public Builder adminTokenFile(Path file) {
            this.adminTokenFile = file;
            return this;
        }

        /** Client hashes refused at CLIENT_INFO. */
        public Builder bannedHashes(Set<String> hashes) {
            this.bannedHashes = new LinkedHashSet<>(hashes);
            return this;
        }

        /** Client hashes admitted in whitelist mode. */
        public Builder whitelistHashes(Set<String> hashes) {
            this.whitelistHashes = new LinkedHashSet<>(hashes);
            return this;
        }

        /** Admit only whitelisted client hashes. */
        public Builder whitelistEnabled(boolean enabled) {
            this.whitelistEnabled = enabled;
            return this;
        }

        /** vIPs refused for RQIP (replaces the default {@code 0.0.0.0}, {@code 127.0.0.1}). */
        public Builder blockedVips(Set<Vip> vips) {
            this.blockedVips = new LinkedHashSet<>(vips);
            return this;
        }

        /** Remote IP addresses refused at accept. */
        public Builder bannedAddresses(Set<String> addresses) {
            this.bannedAddresses = new LinkedHashSet<>(addresses);
            return this;
        }

        /** Also accept in-process clients on Netty's local transport under {@code name}. */
        public Builder localTransport(boolean enabled, String name) {
            this.localTransport = enabled;
            this.localName = name;
            return this;
        }

        /** Whether to listen on TCP at all (default true). */
        public Builder tcp(boolean enabled) {
            this.tcp = enabled;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first invalid field and why
         */
        public ServerConfig build() {
            require(host != null && !host.isBlank(), "host", "must not be empty");
            require(port >= 0 && port <= 65535, "port", "must be 0..65535, got " + port);
            require(compressionLevel >= 0 && compressionLevel <= 9, "compressionLevel", "must be 0..9, got " + compressionLevel);
            require(maxFrameSize >= 1024, "maxFrameSize", "must be at least 1024 bytes, got " + maxFrameSize);
            require(maxClients >= 1, "maxClients", "must be at least 1, got " + maxClients);
            require(idleTimeout != null && !idleTimeout.isNegative(), "idleTimeout", "must be zero (off) or positive");
            require(outboundLowWaterMark > 0 && outboundLowWaterMark <= outboundHighWaterMark, "outboundWaterMarks",
                    "need 0 < low <= high, got low=" + outboundLowWaterMark + " high=" + outboundHighWaterMark);
            require(maxOutboundBytes >= outboundHighWaterMark, "maxOutboundBytes",
                    "must be at least the high water mark (" + outboundHighWaterMark + "), got " + maxOutboundBytes);
            require(slowConsumerTimeout != null && !slowConsumerTimeout.isNegative() && !slowConsumerTimeout.isZero(),
                    "slowConsumerTimeout", "must be positive");
            require(packetRateLimit >= 0, "packetRateLimit", "must be 0 (off) or positive");
            require(byteRateLimit >= 0, "byteRateLimit", "must be 0 (off) or positive");
            require(byteRateLimit == 0 || byteRateLimit >= maxFrameSize + 5L, "byteRateLimit",
                    "must be at least one maximum frame (" + (maxFrameSize + 5L) + " bytes/s) or 0");
            require(maxAuthFailures >= 1, "maxAuthFailures", "must be at least 1");
            require(workerThreads >= 0, "workerThreads", "must be 0 (default) or positive");
            require(functionThreads >= 1, "functionThreads", "must be at least 1");
            require(functionQueue >= 0, "functionQueue", "must be 0 or positive");
            require(adminTokenFile != null, "adminTokenFile", "must be set");
            for (String t : adminTokens) {
                require(t != null && t.length() >= 16 && t.chars().noneMatch(Character::isWhitespace), "adminTokens",
                        "tokens must be at least 16 characters without spaces");
            }
            require(localName != null && !localName.isBlank(), "localName", "must not be empty");
            require(tcp || localTransport, "tcp", "a server with neither TCP nor the local transport accepts nobody");
            require(meshKey == null || meshKey.length() >= 16, "meshKey", "must be at least 16 characters");
            require(maxHops >= 1 && maxHops <= 255, "maxHops", "must be 1..255, got " + maxHops);
            require(maxRoutes >= 1, "maxRoutes", "must be at least 1");
            require(peerHeartbeat != null && !peerHeartbeat.isNegative() && !peerHeartbeat.isZero(), "peerHeartbeat",
                    "must be positive");
            require(peerHeartbeatMisses >= 1, "peerHeartbeatMisses", "must be at least 1");
            require(peerReconnectInitial != null && !peerReconnectInitial.isNegative() && !peerReconnectInitial.isZero(),
                    "peerReconnectInitial", "must be positive");
            require(peerReconnectMax != null && peerReconnectMax.compareTo(peerReconnectInitial) >= 0, "peerReconnectMax",
                    "must be at least the initial delay");
            require(maxAcceptRate >= 0, "maxAcceptRate", "must be 0 (unlimited) or positive");
            require(peerQueueBytes >= maxFrameSize + 5, "peerQueueBytes", "must hold at least one maximum frame");
            for (PeerSpec p : peers) {
                require(p.template().isEmpty() || !p.template().get().equals(template), "peers",
                        "peer " + p + " claims this server's own template " + template);
            }
            Set<String> normBanned = new LinkedHashSet<>();
            bannedHashes.forEach(h -> normBanned.add(h.toLowerCase(Locale.ROOT)));
            bannedHashes = normBanned;
            Set<String> normWhite = new LinkedHashSet<>();
            whitelistHashes.forEach(h -> normWhite.add(h.toLowerCase(Locale.ROOT)));
            whitelistHashes = normWhite;
            return new ServerConfig(this);
        }

        private static void require(boolean ok, String field, String message) {
            if (!ok) {
                throw new IllegalArgumentException(field + ": " + message);
            }
        }
    }
}
