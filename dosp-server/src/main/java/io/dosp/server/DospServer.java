package io.dosp.server;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.federation.Federation;
import io.dosp.server.internal.runtime.ServerRuntime;
import io.dosp.server.internal.session.ClientSession;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import io.dosp.server.internal.admin.Lifecycle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DoSP server (spec sections 3–5) on Netty: epoll where available, NIO otherwise; TCP_NODELAY
 * on every connection; optionally an in-process listener on Netty's local transport.
 *
 * <pre>{@code
 * try (DospServer server = DospServer.start(ServerConfig.builder().port(0).build())) {
 *     server.registerFunction("get_time", caller -> Instant.now().toString());
 *     System.out.println("listening on " + server.port());
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #start()} returns once the server listens; {@link #close()} sends every
 * client EXIT {@code Server shutting down} (with a reconnect hint when
 * {@link ServerConfig#drainRedirect()} is set), waits briefly for them to go, and frees the port and
 * all threads. Hooks (listeners, functions, custom handlers) may be added before or after start.
 *
 * <p>While running: {@link #reconfigure(ServerConfig)} applies what can change live from a new
 * configuration (access lists, admin tokens, admission and per-connection limits, peers) and reports
 * what needs a restart; {@link #reload()} does that with the configuration its {@link ConfigSource}
 * reads now. {@link #drain(Duration)} makes it a lame duck: it refuses new clients and sends the
 * connected ones away gradually, with EXIT {@code Server draining} and the reconnect hint.
 *
 * <p>An embedded server writes no file: a generated admin token is kept in memory
 * ({@link #generatedAdminToken()}) unless {@link AccessPolicy.Builder#adminTokenFile} names a file.
 */
public final class DospServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DospServer.class);
    /** The EXIT reason every client gets on {@link #close()}. */
    public static final String SHUTDOWN_REASON = ServerExitReason.SHUTTING_DOWN.text();
    private static final long CLOSE_WAIT_MILLIS = 3_000;

    private final ServerConfig config;
    private final ServerRuntime runtime;
    private final List<EventLoopGroup> groups = new ArrayList<>();
    private volatile Channel tcpChannel;
    private volatile Channel webSocketChannel;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private volatile Channel localChannel;
    // volatile: isListening() reads them without the lock close() holds while clients leave
    private volatile boolean started;
    private volatile boolean closed;
    private volatile ConfigSource configSource;

    /** A server for {@code config}, not yet listening; loads or generates the admin token. */
    public DospServer(ServerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.runtime = new ServerRuntime(config);
        this.runtime.lifecycle(new AdminLifecycle());
    }

    /**
     * A server for {@code config} that is one node of {@code cluster} (see the {@code dosp-cluster} module), not
     * yet listening: it joins the cluster now (and throws when it cannot), so its clients share one vIP space with
     * the other nodes' once it listens.
     *
     * @throws IllegalArgumentException when {@code cluster} is not an implementation this server knows
     */
    public DospServer(ServerConfig config, ClusterMode cluster) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(cluster, "cluster");
        if (!(cluster instanceof io.dosp.server.internal.cluster.ClusterPlugin plugin)) {
            throw new IllegalArgumentException("not a cluster implementation: " + cluster.getClass().getName());
        }
        this.runtime = new ServerRuntime(config, java.util.Optional.of(plugin));
        this.runtime.lifecycle(new AdminLifecycle());
    }

    /** The admin commands {@code reload} and {@code drain}. */
    private final class AdminLifecycle implements Lifecycle {
        @Override
        public String reload() {
            if (configSource == null) {
                return "ERR:This server has no configuration source to reload from (an embedded server: DospServer.reloadFrom)";
            }
            try {
                return DospServer.this.reload().summary();
            } catch (ReloadException e) {
                return "ERR:" + e.getMessage();
            }
        }

        @Override
        public String drain(Duration over) {
            Duration d = over != null ? over : runtime.reconfigurer().current().drainTimeout();
            int n = DospServer.this.drain(d);
            String text = runtime.drainText();
            return "Draining: " + n + (n == 1 ? " client" : " clients") + " sent away over " + d.toMillis()
                    + " ms; new connections get EXIT '" + text + "'";
        }
    }

    /** Creates and starts a server. */
    public static DospServer start(ServerConfig config) {
        return new DospServer(config).start();
    }

    /**
     * Binds the listeners; returns once they accept connections.
     *
     * @throws ServerStartException when a listener cannot bind (port in use, bad host), with the cause
     */
    public synchronized DospServer start() {
        if (started) {
            throw new IllegalStateException("server already started");
        }
        if (closed) {
            throw new IllegalStateException("server was closed; create a new one");
        }
        started = true;
        try {
            if (config.tcp()) {
                bindTcp();
            }
            if (config.webSocket().enabled()) {
                bindWebSocket();
            }
            if (config.localTransport()) {
                bindLocal();
            }
            if (runtime.federation().isPresent()) {
                EventLoopGroup links = workers;
                if (links == null) { // local-only server: links still need TCP
                    links = new NioEventLoopGroup(1, new DefaultThreadFactory("dosp-links"));
                    groups.add(links);
                }
                runtime.federation().get().start(links, tcpChannel != null ? port() : 0);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (tcpChannel != null && tcpChannel.localAddress() instanceof InetSocketAddress bound
                && !bound.getAddress().isAnyLocalAddress()) {
            runtime.listening(hostPort(bound));
        }
        LOG.info("DoSP server listening on {}{}{} ({}; template {}, server vIP {}, compression {}, max frame {} bytes)",
                tcpChannel != null ? tcpChannel.localAddress() : "-",
                webSocketChannel != null ? " and " + webSocketUrl() : "",
                localChannel != null ? " and local:" + config.localName() : "",
                workers == null ? "local only" : Epoll.isAvailable() ? "epoll" : "NIO", config.template(),
                config.template().serverVip(), config.compression() ? "on" : "off", config.limits().maxFrameSize());
        return this;
    }

    /** {@code host:port} of {@code a} (an IPv6 host in brackets), the form of the reconnect hint. */
    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The accept loop and the I/O event loops TCP and WebSocket share (made once). */
    private ServerBootstrap socketBootstrap() {
        boolean epoll = Epoll.isAvailable();
        if (workers == null) {
            boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("dosp-accept"))
                    : new NioEventLoopGroup(1, new DefaultThreadFactory("dosp-accept"));
            groups.add(boss);
            workers = epoll ? new EpollEventLoopGroup(config.effectiveWorkerThreads(), new DefaultThreadFactory("dosp-io"))
                    : new NioEventLoopGroup(config.effectiveWorkerThreads(), new DefaultThreadFactory("dosp-io"));
            groups.add(workers);
        }
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.limits().outboundLowWaterMark(), config.limits().outboundHighWaterMark()));
    }

    private void bindTcp() {
        ServerBootstrap b = socketBootstrap().childHandler(runtime.initializer());
        try {
            tcpChannel = b.bind(config.host(), config.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new ServerStartException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage()
                    + " (is another server using the port? choose another port, or 0 for any free one)", e);
        }
    }

    private void bindWebSocket() {
        String host = config.webSocket().host() != null ? config.webSocket().host() : config.host();
        int port = config.webSocket().port();
        ServerBootstrap b = socketBootstrap().childHandler(runtime.webSocketInitializer());
        try {
            webSocketChannel = b.bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new ServerStartException("cannot listen for WebSocket on " + host + ":" + port + ": " + e.getMessage()
                    + " (is another server using the port? choose another webSocket.port, or 0 for any free one)", e);
        }
    }

    private void bindLocal() {
        EventLoopGroup local = new DefaultEventLoopGroup(config.effectiveWorkerThreads(),
                new DefaultThreadFactory("dosp-local"));
        groups.add(local);
        ServerBootstrap b = new ServerBootstrap()
                .group(local)
                .channel(LocalServerChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.limits().outboundLowWaterMark(), config.limits().outboundHighWaterMark()))
                .childHandler(runtime.initializer());
        try {
            localChannel = b.bind(new LocalAddress(config.localName())).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new ServerStartException("cannot bind the local transport as '" + config.localName() + "': "
                    + e.getMessage() + " (another in-process server uses that name; set localName)", e);
        }
    }

    /** The TCP port it listens on (the chosen one when configured with 0). */
    public int port() {
        return localAddress().getPort();
    }

    /** The TCP address it listens on. */
    public InetSocketAddress localAddress() {
        if (tcpChannel == null) {
            throw new IllegalStateException("TCP listener not started");
        }
        return (InetSocketAddress) tcpChannel.localAddress();
    }

    /** The WebSocket port it listens on (the chosen one when configured with 0). */
    public int webSocketPort() {
        return webSocketAddress().getPort();
    }

    /** The WebSocket address it listens on. */
    public InetSocketAddress webSocketAddress() {
        if (webSocketChannel == null) {
            throw new IllegalStateException("WebSocket listener not started (ServerConfig.Builder.webSocket)");
        }
        return (InetSocketAddress) webSocketChannel.localAddress();
    }

    /**
     * The URL WebSocket clients connect to: {@code ws://host:port/}, or {@code wss://} when TLS is on (host as
     * {@link ServerConfig#advertisedHost()} would say for a wildcard listen address).
     */
    public String webSocketUrl() {
        InetSocketAddress a = webSocketAddress();
        String host = config.webSocket().host() != null ? config.webSocket().host() : config.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (config.tls().enabled() ? "wss://" : "ws://") + host + ":" + a.getPort() + "/";
    }

    /** The in-process address clients connect to when the local transport is enabled. */
    public LocalAddress localTransportAddress() {
        if (localChannel == null) {
            throw new IllegalStateException("local transport not enabled (ServerConfig.Builder.localTransport)");
        }
        return (LocalAddress) localChannel.localAddress();
    }

    /** The configuration it was started with (what {@link #reconfigure} applied since is in its reports). */
    public ServerConfig config() {
        return config;
    }

    /** Where the generated admin token is (owner-only file), when no token was configured and a token file was. */
    public Optional<Path> adminTokenFile() {
        return Optional.ofNullable(runtime.adminTokenFile());
    }

    /** The admin token generated at start, when none was configured (kept in memory; written only to a configured file). */
    public Optional<String> generatedAdminToken() {
        return Optional.ofNullable(runtime.generatedAdminToken());
    }

    /**
     * Applies what can change while running from {@code next} and reports the rest (see
     * {@link Reconfiguration}): access lists (what {@code next} adds or removes against the last
     * configuration; bans made with admin commands stay), configured admin tokens, the admission
     * limits (from the next connection on), the limits each connection reads when it opens (for
     * connections opened from now on; open ones keep theirs), federation peers, the drain hint and
     * timeout. Nobody is disconnected, except clients whose hash or address the new lists ban. The
     * listen address, port, template, compression, TLS, threads, memory budgets and the rest are
     * refused: they need a restart. One reconfiguration runs at a time.
     */
    public Reconfiguration reconfigure(ServerConfig next) {
        Objects.requireNonNull(next, "next");
        return runtime.reconfigurer().apply(next);
    }

    /** Where {@link #reload()} (and the admin command {@code reload}) reads the configuration; null: no reload. */
    public DospServer reloadFrom(ConfigSource source) {
        this.configSource = source;
        return this;
    }

    /**
     * Reads the configuration from the {@link #reloadFrom source} and {@link #reconfigure applies} it.
     * Atomic: when the source fails (a file that does not parse, an invalid value) nothing changes.
     *
     * @throws ReloadException when there is no source or it failed, with its message
     */
    public Reconfiguration reload() {
        ConfigSource source = configSource;
        if (source == null) {
            throw new ReloadException("no configuration source to reload from (DospServer.reloadFrom)", null);
        }
        ServerConfig next;
        try {
            next = source.load();
        } catch (Exception e) {
            LOG.atWarn().setMessage("Reload failed, nothing changed: {}").addArgument(e.getMessage())
                    .addKeyValue("event", "reload_failed").log();
            throw new ReloadException("reload failed, nothing changed: " + e.getMessage(), e);
        }
        return reconfigure(next);
    }

    /** {@link #drain(Duration)} over {@link ServerConfig#drainTimeout()}. */
    public int drain() {
        return drain(runtime.reconfigurer().current().drainTimeout());
    }

    /**
     * Lame duck: from now on new connections are refused with EXIT {@code Server draining} (plus the
     * reconnect hint of {@link ServerConfig#drainRedirect()}, when set), and every connected client but
     * admin sessions gets that EXIT, spread evenly over {@code over} so that they do not all move at
     * once. Clients of this project with reconnect on go to the hinted servers (or their own list);
     * reference clients see the text. Peer links and admin sessions stay until {@link #close()}.
     * Returns how many clients will be sent away. Calling it again sends the ones still here again.
     *
     * <p>A cluster node is marked draining cluster-wide (the other nodes leave it out of their hints), its hint
     * names the other live nodes that are not draining when no {@code drainRedirect} is configured (rotated from
     * client to client), and each client's vIP is marked {@code moving} in the registry just before its EXIT, so
     * that a client of this project can take it back on the node it reconnects to.
     */
    public int drain(Duration over) {
        if (over == null || over.isNegative() || over.isZero()) {
            throw new IllegalArgumentException("drain duration must be positive, got " + over);
        }
        if (closed || !started) {
            throw new IllegalStateException(closed ? "server closed" : "server not started");
        }
        return runtime.drain(over, ServerExitReason.DRAINING, runtime.reconfigurer().current().drainRedirect());
    }

    /**
     * Completes when every client the last {@link #drain} sent away has disconnected (at once when there
     * was no drain). A client that ignores its EXIT is closed by the server right after it anyway.
     */
    public java.util.concurrent.CompletableFuture<Void> drained() {
        return runtime.drained().copy();
    }

    /** Whether {@link #drain} was called: new connections are refused. */
    public boolean draining() {
        return runtime.draining();
    }

    /** Adds a connection listener. */
    public DospServer addListener(ServerListener listener) {
        runtime.hooks().addListener(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Removes a connection listener. */
    public DospServer removeListener(ServerListener listener) {
        runtime.hooks().removeListener(listener);
        return this;
    }

    /** Registers (or replaces) a function callable with FN {@code name}. */
    public DospServer registerFunction(String name, ServerFunction function) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("function name must not be empty");
        }
        runtime.hooks().function(name, Objects.requireNonNull(function, "function"));
        return this;
    }

    /**
     * Registers (or replaces) a function with arguments, called with the {@code functions} client extension
     * ({@code docs/messaging.md}, "Server functions") and listed by {@code $discover}; it replaces a bare function of
     * the same name (one namespace). A bare FN of {@code name} is answered ERR FNF, as for any name FN does not know.
     *
     * @throws IllegalArgumentException when {@code name} is empty, starts with {@code $} (reserved) or is longer than
     *                                  255 UTF-8 bytes
     */
    public DospServer registerTypedFunction(String name, TypedFunction function) {
        if (name == null || name.isEmpty() || name.startsWith("$")
                || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > io.dosp.protocol.Envelope.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("typed function name must be 1 to 255 UTF-8 bytes, not starting with $");
        }
        runtime.hooks().typedFunction(name, Objects.requireNonNull(function, "function"));
        return this;
    }

    /** Removes a function (bare or typed); later calls get ERR FNF (or ERROR {@code NO_SUCH_METHOD}). */
    public DospServer unregisterFunction(String name) {
        runtime.hooks().function(name, null);
        return this;
    }

    /** Handles custom packet type {@code type} ({@code 0x20..0xFF}); null removes the handler. */
    public DospServer onCustomPacket(int type, CustomPacketHandler handler) {
        if (!PacketType.isCustom(type)) {
            throw new IllegalArgumentException(String.format("custom packet types are 0x20..0xFF, got 0x%02X", type));
        }
        runtime.hooks().customHandler(type, handler);
        return this;
    }

    /** The clients connected now. */
    public List<ConnectedClient> clients() {
        return new ArrayList<>(runtime.vips().holders());
    }

    /** The client holding {@code vip}, if any. */
    public Optional<ConnectedClient> client(Vip vip) {
        return runtime.vips().holder(vip).map(ConnectedClient.class::cast);
    }

    /**
     * Disconnects the client holding {@code vip} with EXIT {@code Disconnected by admin}, as the admin
     * {@code kick} command does.
     *
     * @return false when no client holds {@code vip}
     */
    public boolean kick(Vip vip) {
        Objects.requireNonNull(vip, "vip");
        return runtime.vips().holder(vip).map(s -> {
            s.disconnect(ServerExitReason.KICKED);
            return true;
        }).orElse(false);
    }

    /**
     * Bans the client hash of the client holding {@code vip} and disconnects it with EXIT
     * {@code Your client hash is blocked}, as the admin {@code ban} command does; later
     * connections sending that hash are refused.
     *
     * @return the banned hash, or empty when no client holds {@code vip}
     * @throws IllegalStateException when the client sent no client hash (nothing to ban: kick it instead)
     */
    public Optional<String> ban(Vip vip) {
        Objects.requireNonNull(vip, "vip");
        Optional<ClientSession> o = runtime.vips().holder(vip);
        if (o.isEmpty()) {
            return Optional.empty();
        }
        String hash = o.get().machineHash().orElseThrow(() -> new IllegalStateException(
                "client " + vip + " has not sent a client hash: nothing to ban (kick it instead)"));
        runtime.access().ban(hash);
        o.get().disconnect(ServerExitReason.HASH_BLOCKED);
        return Optional.of(hash);
    }

    /**
     * Whether {@code candidate} is one of the admin tokens AUTH accepts (configured, or the generated one).
     * Compared as SHA-256 digests with {@code MessageDigest.isEqual} against every token, so the time taken
     * does not depend on how much of a guess is right. For front ends of the server's own (the monitoring
     * listener) that must check the same token; it does not count or throttle failures: the caller must.
     */
    public boolean isAdminToken(String candidate) {
        return candidate != null && runtime.tokens().matches(candidate);
    }

    /**
     * Whether the server accepts connections now: started, not closed, and its listeners bound (TCP when
     * configured, else the local transport). Turns false as {@link #close()} begins.
     */
    public boolean isListening() {
        Channel tcp = tcpChannel;
        Channel local = localChannel;
        if (!started || closed) {
            return false;
        }
        if (config.tcp()) {
            return tcp != null && tcp.isActive();
        }
        return local != null && local.isActive();
    }

    /** Server counters now. */
    public ServerStats stats() {
        return runtime.stats();
    }

    /** The server's parts, for this package's tests. */
    ServerRuntime runtime() {
        return runtime;
    }

    /** Links to a federation peer at runtime (federation must be on: peers or a mesh key configured). */
    public DospServer addPeer(PeerSpec peer) {
        federationOrThrow().addPeer(peer);
        return this;
    }

    /** Unlinks a peer given as {@code host:port}; false when it was not linked. */
    public boolean removePeer(String hostPort) {
        return federationOrThrow().removePeer(hostPort);
    }

    /** Outgoing peer links now (empty when federation is off). */
    public List<PeerStatus> peers() {
        return runtime.federation().map(Federation::peers).orElse(List.of());
    }

    /** Federation routes now (empty when federation is off). */
    public List<RouteInfo> routes() {
        return runtime.federation().map(Federation::routes).orElse(List.of());
    }

    private Federation federationOrThrow() {
        return runtime.federation().orElseThrow(() -> new IllegalStateException(
                "federation is off: configure peers or a mesh key (ServerConfig.Builder.federation(f -> f.peer(...)) or f.meshKey(...))"));
    }

    /** Sends MSG {@code text} to every client; returns how many it was queued to. */
    public int broadcast(String text) {
        return runtime.broadcast(text);
    }

    /** Stops accepting, sends EXIT {@code Server shutting down} to every client, frees the port and threads. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        runtime.federation().ifPresent(Federation::stop);
        if (tcpChannel != null) {
            tcpChannel.close().syncUninterruptibly();
        }
        if (webSocketChannel != null) {
            webSocketChannel.close().syncUninterruptibly();
        }
        if (localChannel != null) {
            localChannel.close().syncUninterruptibly();
        }
        runtime.beginShutdown(ServerExitReason.SHUTTING_DOWN, runtime.reconfigurer().current().drainRedirect());
        if (!runtime.channels().newCloseFuture().awaitUninterruptibly(CLOSE_WAIT_MILLIS)) {
            LOG.warn("Some clients did not close within {} ms; closing them now", CLOSE_WAIT_MILLIS);
        }
        runtime.channels().close().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        for (EventLoopGroup g : groups) {
            g.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        runtime.shutdownFunctions();
        runtime.leaveCluster();
        LOG.info("DoSP server stopped");
    }
}
