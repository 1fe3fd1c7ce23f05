package io.dosp.server.internal.federation;

import io.dosp.codec.DospCodec;
import io.dosp.codec.InvalidFrame;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.PeerLog;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our outgoing connection to one peer server (spec 9): we connect to its client port like a
 * client, prove the mesh key (when we have one and the peer speaks our extension), then send our
 * advertisements and forward S2C over it. Supervised: heartbeat PINGs, reconnect with exponential
 * backoff and jitter, a bounded queue. Thread-safe; its channel work runs on one event loop.
 * It reports to its {@link Owner} (the federation).
 */
final class PeerLink implements LinkChannel {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    enum State { CONNECTING, AUTHENTICATING, UP, DOWN, REMOVED }

    /** What a link needs from, and reports to, the federation that owns it. */
    interface Owner {
        /** Our server id in the link handshake. */
        byte[] serverId();

        /** The event loops links connect on (set when federation starts). */
        EventLoopGroup group();

        /** Our client port, sent in HELLO. */
        int port();

        /** Whether the server stops (then links do not reconnect). */
        boolean stopping();

        /** The link came up. */
        void up(PeerLink link);

        /** The link went down after being up. */
        void down(PeerLink link);

        /** A heartbeat went out on a link with extension frames: time to re-advertise. */
        void heartbeat(PeerLink link);

        /** A forwarded S2C was lost with the link before it was written. */
        void lost(S2cPacket original);

        /**
         * The peer sent a frame the other way over our link: SD, FWD, FWD_FAIL or LINK_EXT. Handled when the
         * link is two-way ({@link PeerLink#twoWay()}), ignored otherwise. On the link's event loop.
         */
        void linkFrameBack(PeerLink link, SimplePacket frame);
    }

    /** The start of {@link #lastError} when a TLS link's handshake failed. */
    static final String TLS_FAILED = "TLS handshake failed: ";

    final String address;
    final String host;
    final int port;
    /** Whether the link is made over TLS. */
    final boolean tls;
    /** The TLS handshake of the current attempt failed (its reason is kept over the exception that follows). */
    private volatile boolean tlsFailed;
    private final Owner owner;
    private final ServerConfig config;
    private volatile Channel channel;
    private volatile State state = State.DOWN;
    private volatile boolean extended;
    private volatile boolean twoWay;
    /** The listener's CAPS of this attempt (0 when it sent none: an older build, one-way). */
    private int listenerCaps;
    /** The peer's server id while the link is up, else null. */
    private volatile byte[] linkedId;
    /** What the peer may send us back over a two-way link (its SRCs judged by its advertisement); new per link up. */
    private volatile IncomingLinks.LinkPeer back;
    private volatile String lastError = "";
    private volatile String mode = "not linked yet";
    private int attempt;
    /** Up since the last connect: down() then tells the owner (event loop only). */
    private boolean wasUp;
    private int missed;
    private byte[] helloBody;
    private byte[] peerId;
    private byte[] peerNonce;
    private ScheduledFuture<?> heartbeat;
    private boolean flushPending;
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    private final PeerLog log;
    /** {@link #address} as log lines show it (a peer that linked to us chose its host name). */
    private final String shown;

    PeerLink(Owner owner, ServerConfig config, String address, String host, int port, boolean tls, PeerLog log) {
        this.tls = tls;
        this.owner = owner;
        this.log = log;
        this.shown = log.text(address);
        this.config = config;
        this.address = address;
        this.host = host;
        this.port = port;
    }

    State state() {
        return state;
    }

    @Override
    public String peer() {
        return address;
    }

    @Override
    public boolean outgoing() {
        return true;
    }

    @Override
    public boolean usable() {
        Channel c = channel;
        return state == State.UP && c != null && c.isActive();
    }

    /** Whether the link carries traffic both ways (the peer is of this build and offered CAPS two-way). */
    @Override
    public boolean twoWay() {
        return twoWay;
    }

    @Override
    public byte[] peerId() {
        byte[] id = linkedId;
        return id == null ? null : id.clone();
    }

    @Override
    public void countForwarded() {
        forwarded.incrementAndGet();
    }

    /** The peer's standing for frames it sends back over this two-way link, or null when the link is not two-way and up. */
    IncomingLinks.LinkPeer back() {
        return back;
    }

    /** Whether the peer proved the mesh key and takes our extension frames. */
    @Override
    public boolean extended() {
        return extended;
    }

    String lastError() {
        return lastError;
    }

    /** What kind of link this is, and why: "mesh key proven", or why it is in reference mode. */
    String mode() {
        return mode;
    }

    void connect() {
        if (state == State.REMOVED || owner.stopping()) {
            return;
        }
        state = State.CONNECTING;
        tlsFailed = false;
        SslHandler ssl;
        try {
            ssl = tls ? tlsHandler() : null;
        } catch (GeneralSecurityException e) {
            lastError = "TLS unavailable: " + log.text(e.getMessage());
            LOG.warn("Peer link to {}: {}", shown, lastError);
            down();
            return;
        }
        boolean epoll = Epoll.isAvailable() && !(owner.group() instanceof NioEventLoopGroup);
        new Bootstrap().group(owner.group())
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast("tls", ssl);
                        }
                        ch.pipeline().addLast("codec", DospCodec.forClient(config.limits().maxFrameSize() + 64));
                        ch.pipeline().addLast("link", new Handler());
                    }
                })
                .connect(host, port).addListener(f -> {
                    if (!f.isSuccess()) {
                        lastError = "connect failed: " + log.text(f.cause().getMessage());
                        LOG.warn("Peer link to {}: {}", shown, lastError);
                        down();
                    }
                });
    }

    /**
     * A client-mode TLS handler for this link: trust from {@code federation.linkTlsContext} (or the JVM's default),
     * the certificate checked against the host dialed unless {@code federation.linkTlsVerifyHostname} is off. A
     * failed handshake is the link's {@link #lastError} ("TLS handshake failed: ...").
     */
    private SslHandler tlsHandler() throws GeneralSecurityException {
        SSLContext context = config.federation().linkTlsContext() != null ? config.federation().linkTlsContext()
                : SSLContext.getDefault();
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        if (config.federation().linkTlsVerifyHostname()) {
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        SslHandler h = new SslHandler(engine);
        h.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                tlsFailed = true;
                Throwable c = f.cause();
                boolean notTls = false;
                for (Throwable x = c; x != null; x = x.getCause()) {
                    notTls |= x instanceof NotSslRecordException;
                }
                while (c.getCause() != null && c.getMessage() == null) {
                    c = c.getCause();
                }
                String hint = notTls ? "the peer does not serve TLS on port " + port + " (TLS off, or a reference server)"
                        : "is the peer's certificate trusted (federation.linkTlsContext) and does it name " + log.text(host)
                        + " (federation.linkTlsVerifyHostname)?";
                lastError = TLS_FAILED + log.text(String.valueOf(c.getMessage())) + "; " + hint;
                LOG.warn("Peer link to {}: {}", shown, lastError);
            }
        });
        return h;
    }

    /**
     * Queues a forwarded S2C; false when the link is not up or its queue is full. If the link dies
     * before the frame is written, the sender is told (ERR S2CF, or FWD_FAIL towards its server).
     */
    @Override
    public boolean forward(Packet frame, S2cPacket original) {
        return send(frame, f -> {
            if (!f.isSuccess()) {
                dropped.incrementAndGet();
                owner.lost(original);
            }
        });
    }

    /** Queues a frame to the peer; false when the link is not up or its queue is full. */
    @Override
    public boolean send(Packet p) {
        return send(p, null);
    }

    private boolean send(Packet p, ChannelFutureListener onWritten) {
        Channel c = channel;
        if (state != State.UP || c == null || !c.isActive()) {
            return false;
        }
        long pending = c.isWritable() ? 0 : c.bytesBeforeWritable() + (c.config().getWriteBufferLowWaterMark());
        if (pending + PacketCodec.HEADER_BYTES + p.bodyLength() > config.federation().peerQueueBytes()) {
            dropped.incrementAndGet();
            return false;
        }
        c.eventLoop().execute(() -> {
            if (onWritten == null) {
                c.write(p, c.voidPromise());
            } else {
                c.write(p).addListener(onWritten);
            }
            if (!flushPending) {
                flushPending = true;
                c.eventLoop().execute(() -> {
                    flushPending = false;
                    c.flush();
                });
            }
        });
        return true;
    }

    /** Closes for good (peer removed or server stopping). */
    void remove() {
        boolean drain = twoWay && state == State.UP && !owner.stopping();
        state = State.REMOVED; // nothing new is queued from here on
        Channel c = channel;
        if (c == null) {
            return;
        }
        if (drain && c.isActive()) {
            // The peer may have frames on their way to us over this two-way link: closing now would lose them
            // unseen. Say we leave (EXIT CC), keep reading until the peer closes, for at most a heartbeat timeout.
            c.writeAndFlush(Packets.exit(ExitCode.CC, "peer link removed"));
            long bound = config.federation().peerHeartbeat().toNanos() * config.federation().peerHeartbeatMisses();
            c.eventLoop().schedule(() -> {
                c.close();
            }, bound, TimeUnit.NANOSECONDS);
        } else {
            c.close();
        }
    }

    private void up(boolean ext, String why) {
        extended = ext;
        state = State.UP;
        wasUp = true;
        attempt = 0;
        missed = 0;
        lastError = "";
        mode = tls ? why + ", over TLS" : why;
        if (ext) {
            LOG.atInfo().setMessage("Peer link to {} is up (mesh key proven, extension frames)").addArgument(shown)
                    .addKeyValue("event", "peer_link_up").addKeyValue("peer", String.valueOf(shown))
                    .addKeyValue("mode", "mesh").log();
        } else {
            // Loud: a mesh that silently fell back to plain S2C learns no routes (one line per link up,
            // and links come up at most once per reconnect backoff).
            LOG.atWarn().setMessage("Peer link to {} is up, {}: plain S2C only, no learned routes; only a configured"
                    + " HOST:PORT:TEMPLATE reaches its clients").addArgument(shown).addArgument(why)
                    .addKeyValue("event", "peer_link_up").addKeyValue("peer", String.valueOf(shown))
                    .addKeyValue("mode", "plain").log();
        }
        Channel c = channel;
        long every = config.federation().peerHeartbeat().toNanos();
        heartbeat = c.eventLoop().scheduleAtFixedRate(this::beat, every, every, TimeUnit.NANOSECONDS);
        owner.up(this);
    }

    private void beat() {
        Channel c = channel;
        if (c == null || !c.isActive()) {
            return;
        }
        if (missed >= config.federation().peerHeartbeatMisses()) {
            lastError = "no answer to " + missed + " heartbeats";
            LOG.atWarn().setMessage("Peer link to {}: {}; reconnecting").addArgument(shown).addArgument(lastError)
                    .addKeyValue("event", "peer_link_down").addKeyValue("peer", String.valueOf(shown))
                    .addKeyValue("reason", lastError).log();
            c.close();
            return;
        }
        missed++;
        c.writeAndFlush(Packets.ping());
        if (extended) {
            owner.heartbeat(this); // periodic re-advertisement keeps routes fresh after any loss
        }
    }

    private void down() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
        boolean wasUp = this.wasUp; // also when removed while up
        this.wasUp = false;
        if (state != State.REMOVED) {
            state = State.DOWN;
        }
        if (wasUp) {
            owner.down(this); // before the link's fields are reset: the federation reads twoWay()
        }
        extended = false;
        twoWay = false;
        back = null;
        linkedId = null;
        listenerCaps = 0;
        helloBody = null;
        peerId = null;
        peerNonce = null;
        if (state == State.REMOVED || owner.stopping()) {
            return;
        }
        long delay = config.federation().peerReconnect().delayNanos(attempt++);
        reconnects.incrementAndGet();
        owner.group().next().schedule(this::connect, delay, TimeUnit.NANOSECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof InvalidFrame f) {
                LOG.warn("Peer link to {} sent an undecodable frame: {}", shown, log.text(f.error().getMessage()));
                if (f.fatal()) {
                    ctx.close();
                }
                return;
            }
            if (!(msg instanceof SimplePacket p)) {
                return; // S2C addressed to our link vIP: nothing to do with it
            }
            int t = p.typeCode();
            if (t == PacketType.HSK.code()) {
                if (config.federation().meshKey() != null) {
                    state = State.AUTHENTICATING;
                    // host "" and port 0: this server cannot be dialed (federation.reachable off), never link back
                    boolean reachable = config.federation().reachable();
                    helloBody = LinkFrames.helloBody(owner.serverId(), LinkFrames.random(LinkFrames.NONCE_LENGTH),
                            reachable ? config.advertisedHost() : "", reachable ? owner.port() : 0, host, port);
                    ctx.writeAndFlush(Packets.custom(LinkFrames.HELLO, helloBody));
                } else {
                    up(false, "reference mode: this server has no mesh key");
                }
            } else if (t == LinkFrames.CHALLENGE && state == State.AUTHENTICATING && peerId == null) {
                onChallenge(ctx, p);
            } else if (t == LinkFrames.ACCEPT && state == State.AUTHENTICATING && peerId != null) {
                byte[] expected = LinkFrames.mac(config.federation().meshKey(), LinkFrames.Step.ACCEPT, helloBody,
                        peerId, peerNonce);
                if (!LinkFrames.same(expected, p.body())) {
                    refuse(ctx, "ACCEPT not authenticated (a relay, or an older build speaking link protocol v1)");
                    return;
                }
                linkedId = peerId.clone();
                if ((listenerCaps & LinkFrames.CAP_TWO_WAY) != 0) {
                    // Our first frame after ACCEPT: it tells the listener we are of this build (two-way).
                    ctx.writeAndFlush(LinkFrames.caps(config.federation().meshKey(), LinkFrames.Step.CAPS_REPLY,
                            LinkFrames.CAP_TWO_WAY, helloBody, peerId, peerNonce));
                    back = new IncomingLinks.LinkPeer(address, true);
                    twoWay = true;
                }
                up(true, "mesh key proven");
            } else if (t == LinkFrames.CAPS && state == State.AUTHENTICATING && peerId != null) {
                int caps = LinkFrames.parseCaps(p.body(), config.federation().meshKey(), LinkFrames.Step.CAPS, helloBody,
                        peerId, peerNonce);
                if (caps < 0) {
                    refuse(ctx, "CAPS not authenticated (a relay changed the handshake?)");
                    return;
                }
                listenerCaps = caps;
            } else if (t == PacketType.ERR.code()) {
                ErrorReply e = ErrorReply.parse(p.body());
                if (state == State.AUTHENTICATING && e.code() == ErrCode.UKNP && peerId == null) {
                    if (e.text().contains("HELLO")) {
                        // An older build of ours could not read our HELLO: do not half-link in plain mode.
                        refuse(ctx, "peer refused our HELLO (" + log.text(e.text())
                                + "): an older build speaking link protocol v1? upgrade it");
                        return;
                    }
                    // A reference peer (or one without federation or a mesh key): plain S2C, static templates.
                    up(false, "reference mode: peer has no mesh key (or is a reference server)");
                } else {
                    LOG.debug("Peer {} answered ERR {}", shown, log.text(e.describe()));
                }
            } else if (t == PacketType.PING.code()) {
                missed = 0;
            } else if (t == PacketType.EXIT.code()) {
                // The peer's own text: escaped and cut here, it also shows in admin 'peers'.
                lastError = "peer ended the link: " + log.text(p.bodyText());
                LOG.warn("Peer link to {}: {}", shown, lastError);
                if (ServerExitReason.of(p.bodyText()) == ServerExitReason.PEER_SELF) {
                    state = State.REMOVED; // never retry a link to ourselves
                }
            } else if (t == LinkFrames.FWD_FAIL || t == LinkFrames.FWD || t == LinkFrames.EXT
                    || t == PacketType.SD.code()) {
                owner.linkFrameBack(PeerLink.this, p);
            }
        }

        private void onChallenge(ChannelHandlerContext ctx, SimplePacket p) {
            byte[] b = p.body();
            if (b.length != LinkFrames.ID_LENGTH + LinkFrames.NONCE_LENGTH + LinkFrames.PROOF_LENGTH) {
                refuse(ctx, "malformed CHALLENGE");
                return;
            }
            byte[] id = Arrays.copyOfRange(b, 0, 16);
            byte[] theirNonce = Arrays.copyOfRange(b, 16, 32);
            byte[] mac = Arrays.copyOfRange(b, 32, 64);
            String key = config.federation().meshKey();
            byte[] expected = LinkFrames.mac(key, LinkFrames.Step.CHALLENGE, helloBody, id, theirNonce);
            if (!LinkFrames.same(expected, mac)) {
                refuse(ctx, "mesh key mismatch: the peer's CHALLENGE does not prove our mesh key (or a relay changed"
                        + " the handshake)");
                return;
            }
            peerId = id;
            peerNonce = theirNonce;
            ctx.writeAndFlush(LinkFrames.proof(LinkFrames.mac(key, LinkFrames.Step.PROOF, helloBody, id, theirNonce)));
        }

        /** Ends this attempt with EXIT (a clear reason for the peer), a WARN and the reason in admin 'peers'. */
        private void refuse(ChannelHandlerContext ctx, String why) {
            lastError = why;
            mode = "refused: " + why;
            // One line per attempt: attempts are spaced by the reconnect backoff.
            LOG.warn("Peer link to {}: {}; refusing the link", shown, why);
            ctx.writeAndFlush(Packets.exit(ExitCode.CC, ServerExitReason.PEER_AUTH_FAILED.text()))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            down();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!tlsFailed) {
                lastError = log.text(cause.toString());
            }
            LOG.debug("Peer link to {} failed: {}", shown, lastError);
            ctx.close();
        }
    }
}
