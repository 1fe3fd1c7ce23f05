package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.VipTemplate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything a {@link DospServer} is configured with: the listen settings (host, port, template,
 * compression, threads, transports) and one group per concern: {@link Limits},
 * {@link AccessPolicy}, {@link FederationConfig}, {@link Tls}, {@link WebSocketConfig} and {@link Functions}. Typed,
 * immutable, validated once in {@link Builder#build()}, which throws an
 * {@link InvalidConfigException} naming the field ({@code port}, {@code limits.maxClients},
 * {@code federation.meshKey}, ...). Every setting has a documented default ({@code DEFAULT_*} here
 * and in the groups); {@code ServerConfig.builder().build()} is a server on {@code 0.0.0.0:7744}
 * with template {@code 7.10.0.x}, as the reference.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder().port(0)
 *         .limits(l -> l.maxClients(10))
 *         .federation(f -> f.meshKey("a long shared secret").peer(PeerSpec.of("10.0.0.2", 7744)))
 *         .build();
 * int max = config.limits().maxClients();
 * }</pre>
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
    /** I/O threads: 0, automatic ({@link #automaticWorkerThreads()}: one event loop per two cores). */
    public static final int DEFAULT_WORKER_THREADS = 0;
    /** The TCP listener runs. */
    public static final boolean DEFAULT_TCP = true;
    /** The in-process (Netty local) transport is off. */
    public static final boolean DEFAULT_LOCAL_TRANSPORT = false;
    /** Name of the in-process (Netty local) transport address. */
    public static final String DEFAULT_LOCAL_NAME = "dosp";
    /** How long a drain ({@code DospServer.drain()}) takes to send every client away: 30 s. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final String host;
    private final int port;
    private final VipTemplate template;
    private final boolean compression;
    private final int compressionLevel;
    private final int workerThreads;
    private final boolean tcp;
    private final boolean localTransport;
    private final String localName;
    private final Limits limits;
    private final AccessPolicy access;
    private final FederationConfig federation;
    private final Tls tls;
    private final WebSocketConfig webSocket;
    private final Functions functions;
    private final List<String> drainRedirect;
    private final Duration drainTimeout;
    private final AdmissionConfig admission;
    private final NetworkConfig network;

    private ServerConfig(Builder b, Limits limits, AccessPolicy access, FederationConfig federation, Tls tls,
            WebSocketConfig webSocket, Functions functions, AdmissionConfig admission, NetworkConfig network) {
        host = b.host;
        port = b.port;
        template = b.template;
        compression = b.compression;
        compressionLevel = b.compressionLevel;
        workerThreads = b.workerThreads;
        tcp = b.tcp;
        localTransport = b.localTransport;
        localName = b.localName;
        this.limits = limits;
        this.access = access;
        this.federation = federation;
        this.tls = tls;
        this.webSocket = webSocket;
        this.functions = functions;
        drainRedirect = List.copyOf(b.drainRedirect);
        drainTimeout = b.drainTimeout;
        this.admission = admission;
        this.network = network;
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

    /** I/O threads as configured; 0 means automatic ({@link #effectiveWorkerThreads()}). */
    public int workerThreads() {
        return workerThreads;
    }

    /** The number of I/O threads (event loops) a server with this configuration runs. */
    public int effectiveWorkerThreads() {
        return workerThreads > 0 ? workerThreads : automaticWorkerThreads();
    }

    /**
     * The automatic number of event loops: one per two available cores, at least one. Fewer loops
     * than Netty's default (two per core) because routing is cheap and traffic between clients on
     * different loops costs a hand-off and often a wake-up per batch (and cannot use the S2C fast
     * path); the figures behind this are in BENCHMARKS.md. Set {@code workerThreads} for more.
     */
    public static int automaticWorkerThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** Whether the TCP listener runs (off for purely in-process servers). */
    public boolean tcp() {
        return tcp;
    }

    /** Whether in-process clients may connect over Netty's local transport. */
    public boolean localTransport() {
        return localTransport;
    }

    /** The local transport's address name. */
    public String localName() {
        return localName;
    }

    /** Frame, connection, buffering and rate limits. */
    public Limits limits() {
        return limits;
    }

    /** Admin tokens, bans, whitelist and blocked vIPs at start. */
    public AccessPolicy access() {
        return access;
    }

    /** Client admission: users, logins, grants (off by default). */
    public AdmissionConfig admission() {
        return admission;
    }

    /** Federation: peers, mesh key, routes and peer links. */
    public FederationConfig federation() {
        return federation;
    }

    /** TLS for TCP connections ({@link Tls#DISABLED} by default; the reference has none). */
    public Tls tls() {
        return tls;
    }

    /** The WebSocket listener (off by default). */
    public WebSocketConfig webSocket() {
        return webSocket;
    }

    /** The executor of server functions (FN). */
    public Functions functions() {
        return functions;
    }

    /** The bounds of groups, names, presence and the network directory (docs/network.md). */
    public NetworkConfig network() {
        return network;
    }

    /**
     * Where clients should reconnect when this server drains or shuts down ({@code host:port} each, in
     * order; empty: no hint). Sent in the EXIT text as {@code ; reconnect to a:1,b:2}
     * ({@link io.dosp.protocol.ServerExitReason#withRedirect}); clients of this project go there,
     * reference clients only see the text.
     */
    public List<String> drainRedirect() {
        return drainRedirect;
    }

    /** How long {@code DospServer.drain()} without an argument spreads the clients' EXIT over. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /**
     * The host this server tells peers to reach it at: {@link FederationConfig#advertisedHost()}
     * when set, else the listen host, or {@code 127.0.0.1} when that is {@code 0.0.0.0} or {@code ::}.
     */
    public String advertisedHost() {
        if (federation.advertisedHost() != null) {
            return federation.advertisedHost();
        }
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    /** A builder preset with this configuration. */
    public Builder toBuilder() {
        return new Builder()
                .host(host)
                .port(port)
                .template(template)
                .compression(compression)
                .compressionLevel(compressionLevel)
                .workerThreads(workerThreads)
                .tcp(tcp)
                .localTransport(localTransport, localName)
                .limits(limits)
                .access(access)
                .federation(federation)
                .tls(tls)
                .webSocket(webSocket)
                .functions(functions)
                .drainRedirect(drainRedirect)
                .drainTimeout(drainTimeout)
                .admission(admission)
                .network(network);
    }

    /**
     * Builds a {@link ServerConfig}. Each group has its own builder, edited in place with a
     * {@link Consumer} ({@code .limits(l -> l.maxClients(10))}) or replaced whole
     * ({@code .limits(someLimits)}); nothing is validated before {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private VipTemplate template = VipTemplate.parse(DEFAULT_TEMPLATE);
        private boolean compression = DEFAULT_COMPRESSION;
        private int compressionLevel = DEFAULT_COMPRESSION_LEVEL;
        private int workerThreads = DEFAULT_WORKER_THREADS;
        private boolean tcp = DEFAULT_TCP;
        private boolean localTransport = DEFAULT_LOCAL_TRANSPORT;
        private String localName = DEFAULT_LOCAL_NAME;
        private Limits.Builder limits = Limits.builder();
        private AccessPolicy.Builder access = AccessPolicy.builder();
        private FederationConfig.Builder federation = FederationConfig.builder();
        private Tls.Builder tls = Tls.builder();
        private WebSocketConfig.Builder webSocket = WebSocketConfig.builder();
        private Functions.Builder functions = Functions.builder();
        private List<String> drainRedirect = List.of();
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private AdmissionConfig.Builder admission = AdmissionConfig.builder();
        private NetworkConfig.Builder network = NetworkConfig.builder();

        private Builder() {
        }

        /**
         * Where clients should reconnect when this server drains or shuts down: {@code host:port} each
         * (IPv6 hosts in brackets), at most {@value io.dosp.protocol.ServerExitReason#MAX_REDIRECTS}.
         */
        public Builder drainRedirect(List<String> servers) {
            this.drainRedirect = List.copyOf(servers);
            return this;
        }

        /** How long a drain without a duration spreads the clients' EXIT over (positive). */
        public Builder drainTimeout(Duration d) {
            this.drainTimeout = d;
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

        /**
         * vIP template text, e.g. {@code 7.10.0.x}, {@code 10.7.x.x}, {@code 10.7.0.0/16}.
         *
         * @throws InvalidConfigException for field {@code template} when the text is not a template
         */
        public Builder template(String template) {
            try {
                this.template = VipTemplate.parse(template);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("template", e.getMessage(), e);
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

        /** I/O threads (event loops); 0 = automatic, one per two cores ({@link #automaticWorkerThreads()}). */
        public Builder workerThreads(int n) {
            this.workerThreads = n;
            return this;
        }

        /** Whether to listen on TCP at all (default true). */
        public Builder tcp(boolean enabled) {
            this.tcp = enabled;
            return this;
        }

        /** Also accept in-process clients on Netty's local transport (under {@link #localName}). */
        public Builder localTransport(boolean enabled) {
            this.localTransport = enabled;
            return this;
        }

        /** The local transport's address name. */
        public Builder localName(String name) {
            this.localName = name;
            return this;
        }

        /** Also accept in-process clients on Netty's local transport under {@code name}. */
        public Builder localTransport(boolean enabled, String name) {
            return localTransport(enabled).localName(name);
        }

        /** Edits the limits in place: {@code .limits(l -> l.maxClients(10).idleTimeout(Duration.ZERO))}. */
        public Builder limits(Consumer<Limits.Builder> edit) {
            edit.accept(limits);
            return this;
        }

        /** Replaces the limits. */
        public Builder limits(Limits limits) {
            this.limits = limits.toBuilder();
            return this;
        }

        /** Edits the access policy in place: {@code .access(a -> a.adminToken(token))}. */
        public Builder access(Consumer<AccessPolicy.Builder> edit) {
            edit.accept(access);
            return this;
        }

        /** Replaces the access policy. */
        public Builder access(AccessPolicy access) {
            this.access = access.toBuilder();
            return this;
        }

        /** Edits the federation settings in place: {@code .federation(f -> f.meshKey(key).peer(spec))}. */
        public Builder federation(Consumer<FederationConfig.Builder> edit) {
            edit.accept(federation);
            return this;
        }

        /** Replaces the federation settings. */
        public Builder federation(FederationConfig federation) {
            this.federation = federation.toBuilder();
            return this;
        }

        /** Edits the TLS setting in place: {@code .tls(t -> t.context(sslContext))}. */
        public Builder tls(Consumer<Tls.Builder> edit) {
            edit.accept(tls);
            return this;
        }

        /** Replaces the TLS setting ({@code Tls.of(sslContext)}, {@link Tls#DISABLED}). */
        public Builder tls(Tls tls) {
            this.tls = tls.toBuilder();
            return this;
        }

        /**
         * Edits the WebSocket listener in place: {@code .webSocket(w -> w.enabled(true).port(7745))}
         * (off by default; {@code wss} when {@link #tls} is on).
         */
        public Builder webSocket(Consumer<WebSocketConfig.Builder> edit) {
            edit.accept(webSocket);
            return this;
        }

        /** Replaces the WebSocket listener settings. */
        public Builder webSocket(WebSocketConfig webSocket) {
            this.webSocket = webSocket.toBuilder();
            return this;
        }

        /** Edits the function executor settings in place: {@code .functions(f -> f.threads(2).queue(8))}. */
        public Builder functions(Consumer<Functions.Builder> edit) {
            edit.accept(functions);
            return this;
        }

        /** Replaces the function executor settings. */
        public Builder functions(Functions functions) {
            this.functions = functions.toBuilder();
            return this;
        }

        /** Edits client admission in place: {@code .admission(a -> a.enabled(true).usersFile(path))}. */
        public Builder admission(Consumer<AdmissionConfig.Builder> edit) {
            edit.accept(admission);
            return this;
        }

        /** Replaces client admission. */
        public Builder admission(AdmissionConfig admission) {
            this.admission = admission.toBuilder();
            return this;
        }

        /** Edits the bounds of groups, names and the network directory in place: {@code .network(n -> n.nameGrace(d))}. */
        public Builder network(Consumer<NetworkConfig.Builder> edit) {
            edit.accept(network);
            return this;
        }

        /** Replaces the bounds of groups, names and the network directory. */
        public Builder network(NetworkConfig network) {
            this.network = network.toBuilder();
            return this;
        }

        /**
         * Validates the listen settings, builds every group (each validates its own fields), then
         * checks the rules across groups.
         *
         * @throws InvalidConfigException naming the first invalid field ({@code port}, {@code limits.maxClients}, ...)
         *                                and why
         */
        public ServerConfig build() {
            require(host != null && !host.isBlank(), "host", "must not be empty");
            require(port >= 0 && port <= 65535, "port", "must be 0..65535, got " + port);
            require(compressionLevel >= 0 && compressionLevel <= 9, "compressionLevel", "must be 0..9, got " + compressionLevel);
            Limits builtLimits = limits.build();
            require(workerThreads >= 0, "workerThreads", "must be 0 (default) or positive");
            Functions builtFunctions = functions.build();
            AccessPolicy builtAccess = access.build();
            require(localName != null && !localName.isBlank(), "localName", "must not be empty");
            require(tcp || localTransport || webSocket.build().enabled(), "tcp",
                    "a server with neither TCP, WebSocket nor the local transport accepts nobody");
            require(drainTimeout != null && !drainTimeout.isNegative() && !drainTimeout.isZero(), "drainTimeout",
                    "must be positive");
            require(drainRedirect.size() <= ServerExitReason.MAX_REDIRECTS, "drainRedirect",
                    "at most " + ServerExitReason.MAX_REDIRECTS + " addresses, got " + drainRedirect.size());
            for (String a : drainRedirect) {
                require(a != null && ServerExitReason.redirects(ServerExitReason.DRAINING.withRedirect(List.of(a)))
                        .equals(List.of(a)), "drainRedirect", "'" + a + "' is not host:port (port 1..65535, IPv6 in brackets)");
            }
            FederationConfig builtFederation = federation.build();
            require(builtFederation.peerQueueBytes() >= builtLimits.maxFrameSize() + 5, "federation.peerQueueBytes",
                    "must hold at least one maximum frame");
            for (PeerSpec p : builtFederation.peers()) {
                require(p.template().isEmpty() || !p.template().get().equals(template), "federation.peers",
                        "peer " + p + " claims this server's own template " + template);
            }
            WebSocketConfig builtWebSocket = webSocket.build();
            if (builtWebSocket.enabled()) {
                String wsHost = builtWebSocket.host() == null ? host : builtWebSocket.host();
                require(!tcp || builtWebSocket.port() == 0 || builtWebSocket.port() != port || !wsHost.equals(host),
                        "webSocket.port", "must differ from the TCP port " + port);
            }
            AdmissionConfig builtAdmission = admission.build();
            builtAdmission.check(template, builtAccess.blockedVips());
            NetworkConfig builtNetwork = network.build();
            return new ServerConfig(this, builtLimits, builtAccess, builtFederation, tls.build(), builtWebSocket,
                    builtFunctions, builtAdmission, builtNetwork);
        }
    }
}
