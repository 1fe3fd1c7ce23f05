package io.dosp.client.internal;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.ConnectFailedException;
import io.dosp.client.DisconnectedException;
import io.dosp.client.HandshakeException;
import io.dosp.client.Incoming;
import io.dosp.codec.DospCodec;
import io.dosp.codec.InvalidFrame;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-driven core of a client: one Netty channel, the handshake, reply correlation,
 * tunnels and the receive queue. {@code DospClient} is a thin facade over it.
 *
 * <p>Threading: inbound packets are handled on the channel's I/O thread (never blocking);
 * listener callbacks go through a per-client {@link SerialExecutor}; sends may come from any thread.
 */
public final class ClientCore {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
    private final ClientOptions options;
    private final String server;
    private final PendingRequests requests = new PendingRequests();
    private final TunnelManager tunnels;
    private final ClientShared shared;
    private final java.util.function.Consumer<DisconnectedException> onLost;
    private final java.util.concurrent.atomic.AtomicInteger missedHeartbeats = new java.util.concurrent.atomic.AtomicInteger();
    private final CompletableFuture<Vip> handshake = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile Vip vip;
    private volatile boolean compression;
    private volatile DisconnectedException disconnected;
    private volatile boolean closing;
    private volatile SimplePacket pendingGrant;

    /**
     * A core for {@code options} sharing queue and listeners with earlier connections; call
     * {@link #connect()} next. {@code onLost} hears of a connection that ended without {@link #close}.
     */
    public ClientCore(ClientOptions options, ClientShared shared, java.util.function.Consumer<DisconnectedException> onLost) {
        this.options = options;
        this.server = options.serverName();
        this.shared = shared;
        this.onLost = onLost;
        this.tunnels = new TunnelManager(this::writeS2cInOrder, peer -> emit(l -> l.onTunnelEstablished(peer)));
    }

    /** Connects, waits for AIP + HSK, requests the vIP if asked, sends CLIENT_INFO. */
    public void connect() {
        Bootstrap b = new Bootstrap()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (options.tls() != null) {
                            ch.pipeline().addLast("tls", tlsHandler());
                        }
                        ch.pipeline().addLast("codec", DospCodec.forClient(options.maxFrameSize()));
                        ch.pipeline().addLast("client", new Handler());
                    }
                });
        ChannelFuture f;
        if (options.localName() != null) {
            f = b.group(SharedResources.localGroup()).channel(LocalChannel.class).connect(new LocalAddress(options.localName()));
        } else {
            f = b.group(SharedResources.ioGroup()).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                    .connect(options.host(), options.port());
        }
        if (!f.awaitUninterruptibly(options.connectTimeout().toMillis() + 1_000) || !f.isSuccess()) {
            f.channel().close();
            throw new ConnectFailedException(server, f.cause());
        }
        channel = f.channel();
        try {
            vip = handshake.get(options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            channel.close();
            throw new HandshakeException("DoSP server " + server + " sent no AIP + HSK within " + options.handshakeTimeout());
        } catch (java.util.concurrent.ExecutionException e) {
            channel.close();
            throw e.getCause() instanceof RuntimeException r ? r : new HandshakeException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new HandshakeException("interrupted while connecting to " + server);
        }
        tunnels.selfVip(vip);
    }

    private io.netty.handler.ssl.SslHandler tlsHandler() {
        javax.net.ssl.SSLEngine engine = options.tls().createSSLEngine(options.host(), options.port());
        engine.setUseClientMode(true);
        if (options.tlsVerifyHostname()) {
            javax.net.ssl.SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        io.netty.handler.ssl.SslHandler h = new io.netty.handler.ssl.SslHandler(engine);
        h.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                handshake.completeExceptionally(new HandshakeException("TLS handshake with DoSP server " + server
                        + " failed: " + f.cause().getMessage()));
            }
        });
        return h;
    }

    /** Sends CLIENT_INFO when configured (after any RQIP, as the Python client does). */
    public void sendClientInfo() {
        if (options.sendClientInfo()) {
            write(Packets.clientInfo(options.machineHash()));
        }
    }

    // ---- state ----

    /** The current vIP. */
    public Vip vip() {
        return vip;
    }

    /** The server as {@code host:port} or {@code local:name}. */
    public String server() {
        return server;
    }

    /** The options this connection was made with. */
    public ClientOptions options() {
        return options;
    }

    /** Whether the server compresses this connection. */
    public boolean compression() {
        return compression;
    }

    /** Whether the channel is up and no EXIT arrived. */
    public boolean isConnected() {
        Channel c = channel;
        return c != null && c.isActive() && disconnected == null;
    }

    /** Drops a request that will never be answered. */
    public void requestsForget(PacketType type, CompletableFuture<SimplePacket> f) {
        requests.forget(type, f);
    }

    /** The tunnels of this connection. */
    public TunnelManagerView tunnels() {
        return new TunnelManagerView(tunnels);
    }

    // ---- sending ----

    /** Writes and flushes a packet; throws DisconnectedException when the connection is gone. */
    public void write(Packet p) {
        Channel c = channel;
        DisconnectedException d = disconnected;
        if (d != null || c == null || !c.isActive()) {
            throw d != null ? d : new DisconnectedException(server, null);
        }
        if (p.bodyLength() > options.maxFrameSize()) {
            throw new io.dosp.client.DospClientException("packet " + p + " exceeds the maximum frame size of "
                    + options.maxFrameSize() + " bytes (server " + server + ")");
        }
        c.writeAndFlush(p, c.voidPromise());
    }

    private void writeS2c(Vip dst, byte[] data) {
        write(Packets.s2c(dst, data));
    }

    /**
     * Queues an S2C on the channel's event loop even when called on it. A write made on the event
     * loop goes out at once and would overtake writes other threads queued before it; tunnel
     * handshakes and sealed frames must leave in the order the tunnel manager decided them.
     */
    private void writeS2cInOrder(Vip dst, byte[] data) {
        Channel c = channel;
        DisconnectedException d = disconnected;
        if (d != null || c == null || !c.isActive()) {
            throw d != null ? d : new DisconnectedException(server, null);
        }
        S2cPacket p = Packets.s2c(dst, data);
        c.eventLoop().execute(() -> c.writeAndFlush(p, c.voidPromise()));
    }

    /** S2C to {@code dst}: sealed when a tunnel exists. */
    public void sendData(Vip dst, byte[] data) {
        if (!tunnels.sendSealed(dst, data)) {
            writeS2c(dst, data);
        }
    }

    /** A request whose answer is the next {@code replyType} packet. */
    public CompletableFuture<SimplePacket> request(Packet p, PacketType replyType) {
        return requests.register(replyType, () -> write(p));
    }

    private void deliver(Incoming in) {
        shared.deliver(in);
    }

    private void emit(java.util.function.Consumer<ClientListener> event) {
        shared.emit(event);
    }

    /** Starts PINGs every {@code interval}; after {@code missed} unanswered ones the connection is closed as dead. */
    public void startHeartbeat(java.time.Duration interval, int missed) {
        Channel c = channel;
        long nanos = interval.toNanos();
        c.eventLoop().scheduleAtFixedRate(new Runnable() {
            @Override
            public void run() {
                if (!c.isActive()) {
                    throw new java.util.concurrent.CancellationException("connection closed"); // ends the schedule
                }
                if (missedHeartbeats.get() >= missed) {
                    LOG.warn("No answer to {} heartbeat PINGs from {}: closing the connection as dead", missed, server);
                    heartbeatDead = true;
                    c.close();
                    throw new java.util.concurrent.CancellationException("dead");
                }
                missedHeartbeats.incrementAndGet();
                request(Packets.ping(), PacketType.PING).thenRun(() -> missedHeartbeats.set(0));
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private volatile boolean heartbeatDead;

    // ---- inbound (I/O thread) ----

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof InvalidFrame f) {
                LOG.warn("Undecodable frame from {}: {}", server, f.error().getMessage());
                if (f.fatal()) {
                    ctx.close();
                }
                return;
            }
            Packet p = (Packet) msg;
            emit(l -> l.onPacket(p));
            if (p instanceof MpakPacket m) {
                m.packets().forEach(this::handle);
            } else {
                handle(p);
            }
        }

        private void handle(Packet p) {
            if (p instanceof S2cPacket s) {
                onS2c(s);
                return;
            }
            SimplePacket sp = (SimplePacket) p;
            PacketType t = sp.type();
            if (t == null) {
                deliver(new Incoming(sp, false));
                return;
            }
            switch (t) {
                case AIP -> onAip(sp);
                case HSK -> onHsk(sp);
                case PING -> {
                    if (!requests.complete(PacketType.PING, sp)) {
                        LOG.debug("Unsolicited PING from {}", server);
                    }
                }
                case RQIP -> {
                    if (sp.bodyLength() >= 2 && sp.bodyByte(0) == 'D' && sp.bodyByte(1) == ':') {
                        pendingGrant = sp; // granted: answer the request once the AIP that follows is applied
                    } else if (!requests.complete(t, sp)) {
                        deliver(new Incoming(sp, false));
                    }
                }
                case GCL, GSI, AUTH, ADMIN, BCST -> {
                    if (!requests.complete(t, sp)) {
                        deliver(new Incoming(sp, false));
                    }
                }
                case SA -> {
                    if (!requests.complete(PacketType.FN, sp)) {
                        deliver(new Incoming(sp, false));
                    }
                }
                case ERR -> onErr(sp);
                case EXIT -> onExit(sp);
                default -> deliver(new Incoming(sp, false));
            }
        }

        private void onAip(SimplePacket p) {
            Vip v = Packets.parseAip(p.body());
            vip = v;
            tunnels.selfVip(v);
            if (!handshake.isDone()) {
                return; // HSK completes the handshake
            }
            SimplePacket grant = pendingGrant;
            pendingGrant = null;
            if (grant != null) {
                requests.complete(PacketType.RQIP, grant);
            }
        }

        private void onHsk(SimplePacket p) {
            Handshake h;
            try {
                h = Handshake.parse(p.body());
            } catch (RuntimeException e) {
                handshake.completeExceptionally(new HandshakeException("DoSP server " + server + " sent a bad HSK: "
                        + e.getMessage()));
                return;
            }
            compression = h.compression();
            if (vip == null) {
                handshake.completeExceptionally(new HandshakeException("DoSP server " + server + " sent HSK before AIP"));
            } else {
                handshake.complete(vip);
            }
        }

        private void onErr(SimplePacket p) {
            ErrorReply e = ErrorReply.parse(p.body());
            if (e.code() == ErrCode.S2CF) {
                e.failedDst().ifPresent(dst -> tunnels.failOpen(dst, "the server could not deliver to it (ERR S2CF)"));
            } else if (e.code() == null && e.text().startsWith("ERR:Admin only") && requests.waiting(PacketType.BCST)) {
                requests.fail(PacketType.BCST, new io.dosp.client.AdminException(e.text()));
                return;
            } else if (e.code() == ErrCode.FNF || e.code() == ErrCode.FF || (e.code() == null && requests.waiting(PacketType.FN))) {
                if (requests.fail(PacketType.FN, new FunctionError(e))) {
                    return;
                }
            } else if (e.code() == ErrCode.UKNP && requests.waiting(PacketType.GSI)) {
                requests.fail(PacketType.GSI, new io.dosp.client.DospClientException("DoSP server " + server
                        + " does not implement GSI (ERR UKNP)"));
                return;
            }
            emit(l -> l.onError(e));
            deliver(new Incoming(p, false));
        }

        private void onExit(SimplePacket p) {
            String reason = p.bodyText();
            disconnected = new DisconnectedException(server, reason);
            if (!handshake.isDone()) {
                handshake.completeExceptionally(disconnected);
            }
        }

        private void onS2c(S2cPacket s) {
            if (LOG.isTraceEnabled()) {
                LOG.trace("{}: S2C from {} ({} bytes, first byte {})", vip, s.src(), s.dataLength(),
                        s.dataLength() > 0 ? s.dataByte(0) : -1);
            }
            // A hello is 49 (reference) or 50 (ours) bytes; a tunnel frame is at least 60. A frame from a
            // tunnel peer whose random nonce starts with 0x15 (a reference peer does not avoid it) is
            // still a frame, not a new handshake.
            if (s.isTunnelHandshake() && (s.dataLength() < TunnelCipher.MIN_FRAME_LENGTH || !tunnels.has(s.src()))) {
                tunnels.onHandshake(s.src(), s.data());
                return;
            }
            if (s.dataLength() >= TunnelCipher.MIN_FRAME_LENGTH) {
                byte[] plain;
                try {
                    plain = tunnels.open(s.src(), s.data());
                } catch (TunnelException e) {
                    shared.rejectedFrames.incrementAndGet();
                    LOG.debug("Dropped a tunnel frame from {}: {}", s.src(), e.getMessage());
                    emit(l -> l.onTunnelFrameRejected(s.src(), e.reason() + ": " + e.getMessage()));
                    return;
                }
                if (plain != null) {
                    deliver(new Incoming(Packets.s2c(s.dst(), s.src(), plain), true));
                    return;
                }
            }
            deliver(new Incoming(s, false));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            DisconnectedException d = disconnected;
            if (d == null) {
                d = new DisconnectedException(server, closing ? "closed by this client"
                        : heartbeatDead ? "no answer to heartbeat PINGs" : null);
                disconnected = d;
            }
            handshake.completeExceptionally(d);
            requests.failAll(d);
            tunnels.failAll("disconnected from " + server);
            if (closing) {
                shared.close(d);
            } else if (!handshake.isCompletedExceptionally()) { // it was connected: a loss, not a failed connect
                onLost.accept(d);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Connection to {} failed: {}", server, cause.toString());
            ctx.close();
        }
    }

    /** Carries an FN error reply to the facade, which turns it into a FunctionCallException. */
    public static final class FunctionError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ErrorReply reply;

        FunctionError(ErrorReply reply) {
            super(reply.describe(), null, false, false);
            this.reply = reply;
        }

    /** The server's ERR. */
        public ErrorReply reply() {
            return reply;
        }
    }

    /** Sends EXIT and closes. */
    public void close(Packet exit) {
        closing = true;
        Channel c = channel;
        if (c == null) {
            return;
        }
        if (c.isActive()) {
            c.writeAndFlush(exit).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
        c.closeFuture().awaitUninterruptibly(2_000);
        c.close().awaitUninterruptibly(1_000);
    }
}
