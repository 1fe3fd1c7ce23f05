package io.dosp.client.internal;

import io.dosp.client.AdminException;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClientException;
import io.dosp.client.HandshakeException;
import io.dosp.client.Incoming;
import io.dosp.client.TunnelFailedException;
import io.dosp.codec.InvalidFrame;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Resume;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client channel: takes each decoded packet (MPAK unpacked) and hands it to
 * whoever waits for it: the handshake (AIP, HSK), the oldest request of its reply type
 * ({@link PendingRequests}), the tunnel manager (hellos, sealed frames, ERR S2CF), or else the
 * {@link ReceiveQueue} and the listeners' {@code onMessage}. When the channel closes it fails
 * what is still waiting and reports a loss.
 *
 * <p>One per connection; runs on the channel's I/O thread only and never blocks it (listener
 * callbacks are queued on the {@link ListenerNotifier}).
 */
final class InboundHandler extends SimpleChannelInboundHandler<Object> {
    private static final Logger LOG = LoggerFactory.getLogger(InboundHandler.class);
    private final ConnectionState state;
    private final PendingRequests requests;
    private final TunnelManager tunnels;
    private final ReceiveQueue queue;
    private final ListenerNotifier listeners;
    private final Consumer<DisconnectedException> onLost;
    private final ClientExtensions extensions;
    /** An RQIP grant that waits for the AIP following it, which applies the new vIP. */
    private SimplePacket pendingGrant;

    /** {@code onLost} hears of a connection that ended after its handshake, unless this side closed it. */
    InboundHandler(ConnectionState state, PendingRequests requests, TunnelManager tunnels, ReceiveQueue queue,
            ListenerNotifier listeners, ClientExtensions extensions, Consumer<DisconnectedException> onLost) {
        this.state = state;
        this.requests = requests;
        this.tunnels = tunnels;
        this.queue = queue;
        this.listeners = listeners;
        this.onLost = onLost;
        this.extensions = extensions;
        tunnels.heldFrames(new TunnelManager.HeldFrames() {
            @Override
            public void opened(Vip peer, TunnelManager.Opened opened) {
                deliver(new Incoming(Packets.s2c(state.vip, peer, opened.plaintext()), true, opened.tunnel()));
            }

            @Override
            public void rejected(Vip peer, TunnelException e) {
                InboundHandler.this.rejected(peer, e);
            }
        });
    }

    /** Packets of an MPAK not handled yet because reading was paused in the middle of it (event loop only). */
    private final java.util.ArrayDeque<Packet> held = new java.util.ArrayDeque<>();
    private volatile BooleanSupplier readPaused = () -> false;

    /** Hands a decoded packet (each packet of an MPAK in turn) to whoever waits for it. */
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof InvalidFrame f) {
            LOG.warn("Undecodable frame from {}: {}", state.server, LogText.of(f.error().getMessage()));
            if (f.fatal()) {
                ctx.close();
            }
            return;
        }
        Packet p = (Packet) msg;
        listeners.emitPacket(l -> l.onPacket(p));
        if (p instanceof MpakPacket m) {
            List<Packet> packets = m.packets();
            for (int i = 0; i < packets.size(); i++) {
                handle(packets.get(i));
                if (i + 1 < packets.size() && readPaused.getAsBoolean()) {
                    // Reading was paused (ReadPauses) by what this packet did: the rest of the batch waits here
                    // like the frames held in the decoder, and goes first on resume.
                    held.addAll(packets.subList(i + 1, packets.size()));
                    return;
                }
            }
        } else {
            handle(p);
        }
    }

    /** Whether packets of an MPAK wait for reading to resume. Event loop only. */
    boolean holdsPackets() {
        return !held.isEmpty();
    }

    /**
     * Reading resumed: handles the packets of an MPAK that waited, in order, until none is left or reading is paused
     * again. Event loop only.
     */
    void resumeHeld() {
        while (!held.isEmpty()) {
            handle(held.poll());
            if (!held.isEmpty() && readPaused.getAsBoolean()) {
                return;
            }
        }
    }

    /** Where the handler asks whether reading is paused (the client's {@link ReadPauses}). */
    void readPaused(BooleanSupplier paused) {
        this.readPaused = paused;
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
                    LOG.debug("Unsolicited PING from {}", state.server);
                }
            }
            case RQIP -> {
                if (sp.bodyLength() >= 2 && sp.bodyByte(0) == 'D' && sp.bodyByte(1) == ':') {
                    pendingGrant = sp; // granted: answer the request once the AIP that follows is applied
                } else {
                    answer(t, sp);
                }
            }
            case GCL, GSI, AUTH, ADMIN, BCST -> answer(t, sp);
            case SA -> answer(PacketType.FN, sp);
            case ERR -> onErr(sp);
            case EXT -> onExt(sp);
            case EXIT -> onExit(sp);
            default -> deliver(new Incoming(sp, false));
        }
    }

    /** Completes the oldest request waiting for {@code replyType}, or delivers the packet when none waits. */
    private void answer(PacketType replyType, SimplePacket p) {
        if (!requests.complete(replyType, p)) {
            deliver(new Incoming(p, false));
        }
    }

    private void deliver(Incoming in) {
        if (in.isS2c() && listeners.intercept(in)) {
            return; // taken by a layer on top (the messaging layer's envelopes)
        }
        queue.add(in);
        listeners.emit(l -> l.onMessage(in));
    }

    private void onAip(SimplePacket p) {
        Vip v = Packets.parseAip(p.body());
        state.vip = v;
        tunnels.selfVip(v);
        if (!state.handshake.isDone()) {
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
            state.handshake.completeExceptionally(new HandshakeException("DoSP server " + state.server + " sent a bad HSK: "
                    + e.getMessage()));
            return;
        }
        state.compression = h.compression();
        if (state.vip == null) {
            state.handshake.completeExceptionally(new HandshakeException("DoSP server " + state.server + " sent HSK before AIP"));
        } else {
            state.handshake.complete(state.vip);
        }
    }

    /** WELCOME answers our HELLO; any other kind goes to its feature. A frame without a kind byte is dropped. */
    private void onExt(SimplePacket p) {
        if (p.bodyLength() == 0) {
            LOG.debug("Dropped an EXT frame without a kind byte from {}", state.server);
            return;
        }
        int kind = p.bodyByte(0) & 0xff;
        if (kind == Ext.WELCOME && requests.waiting(PacketType.EXT)) {
            // Enabled from this frame on, on this thread: a feature's first frame may follow WELCOME at once (the
            // resume feature's token), before the thread that said HELLO has read the answer.
            try {
                state.extensions = Ext.features(p);
            } catch (MalformedPacketException e) {
                LOG.debug("Unreadable WELCOME from {} (the HELLO reports it): {}", state.server, LogText.of(e.getMessage()));
            }
        }
        if (kind == Ext.WELCOME || (Ext.FEATURE_AUTH.equals(Ext.featureOf(kind)) && requests.waiting(PacketType.EXT))
                || ((kind == Resume.OK || kind == Resume.FAILED) && requests.waiting(PacketType.EXT))) {
            // WELCOME answers HELLO; a login answer the login frame we wait on; RESUME_OK/FAILED our RESUME
            answer(PacketType.EXT, p);
        } else {
            extensions.onFrame(state.server, state.extensions, kind, p);
        }
    }

    private void onErr(SimplePacket p) {
        ErrorReply e = ErrorReply.parse(p.body());
        if (e.code() == ErrCode.UKNP && requests.waiting(PacketType.EXT)) {
            // Our HELLO, answered as an unknown type: a reference server (or ours refusing it, with a text).
            requests.fail(PacketType.EXT, new DospClientException("DoSP server " + state.server
                    + (e.text().isEmpty() ? " speaks no extension (ERR UKNP)" : " refused EXT HELLO: " + e.text())));
            return;
        }
        if (e.code() == ErrCode.S2CF) {
            e.failedDst().ifPresent(dst -> {
                String why = e.failureReason();
                tunnels.failOpen(dst, TunnelFailedException.Reason.PEER_UNREACHABLE, "the server could not deliver to it (ERR S2CF"
                        + (why == null || why.isEmpty() ? "" : ": " + LogText.of(why)) + ")");
                // Its holder left: the vIP may be someone else's next. Never seal to it again without a new handshake.
                tunnels.end(dst, "the server could not deliver to " + dst + " (ERR S2CF): its holder left");
            });
        } else if (e.code() == null && e.text().startsWith("ERR:Admin only") && requests.waiting(PacketType.BCST)) {
            requests.fail(PacketType.BCST, new AdminException(e.text(), e.text()));
            return;
        } else if (e.code() == ErrCode.FNF || e.code() == ErrCode.FF || (e.code() == null && requests.waiting(PacketType.FN))) {
            if (requests.fail(PacketType.FN, new FunctionError(e))) {
                return;
            }
        } else if (e.code() == ErrCode.UKNP && requests.waiting(PacketType.GSI)) {
            // A bare UKNP: the server does not know GSI (the reference); with a text: it refused this one.
            requests.fail(PacketType.GSI, new DospClientException("DoSP server " + state.server
                    + (e.text().isEmpty() ? " does not implement GSI (ERR UKNP)" : " refused GSI: " + e.text())));
            return;
        } else if (e.code() == ErrCode.GCLF && requests.waiting(PacketType.GCL)) {
            requests.fail(PacketType.GCL, new DospClientException("DoSP server " + state.server + " refused GCL"
                    + (e.text().isEmpty() ? "" : ": " + e.text())));
            return;
        }
        listeners.emit(l -> l.onError(e));
        deliver(new Incoming(p, false));
    }

    private void onExit(SimplePacket p) {
        DisconnectedException d = new DisconnectedException(state.server, p.bodyText());
        state.disconnected = d;
        if (!state.handshake.isDone()) {
            state.handshake.completeExceptionally(d);
        }
    }

    private void onS2c(S2cPacket s) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("{}: S2C from {} ({} bytes, first byte {})", state.vip, s.src(), s.dataLength(),
                    s.dataLength() > 0 ? s.dataByte(0) : -1);
        }
        // A hello is 49 (reference), 50 (ours before identities) or 147 (ours with an identity block)
        // bytes; a tunnel frame is at least 60. From a tunnel peer, DATA starting with 0x15 is tried as
        // a frame first (a reference peer's random nonce may start with it); what does not open as one
        // and reads as a hello is a new handshake (a re-handshake with an identity block is 147 bytes).
        if (s.isTunnelHandshake() && (s.dataLength() < TunnelCipher.MIN_FRAME_LENGTH || !tunnels.has(s.src()))) {
            tunnels.onHandshake(s.src(), s.data());
            return;
        }
        if (s.dataLength() >= TunnelCipher.MIN_FRAME_LENGTH) {
            TunnelManager.Opened plain;
            try {
                plain = tunnels.openFrame(s.src(), s.data());
            } catch (TunnelException e) {
                if (s.isTunnelHandshake() && TunnelHandshake.classify(s.data()) == TunnelHandshake.Kind.DH_HELLO) {
                    tunnels.onHandshake(s.src(), s.data());
                    return;
                }
                rejected(s.src(), e);
                return;
            }
            if (plain == TunnelManager.HELD) {
                return; // opened once the peer's identity is accepted
            }
            if (plain != null) {
                deliver(new Incoming(Packets.s2c(s.dst(), s.src(), plain.plaintext()), true, plain.tunnel()));
                return;
            }
        }
        deliver(new Incoming(s, false));
    }

    private void rejected(Vip from, TunnelException e) {
        queue.tunnelFrameRejected();
        LOG.debug("Dropped a tunnel frame from {}: {}", from, e.getMessage());
        listeners.emit(l -> l.onTunnelFrameRejected(from, e.reason() + ": " + e.getMessage()));
    }

    /** Wakes a bulk sender waiting for the channel to take more ({@code DospClient.whenWritable}). */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        state.writability.changed(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    /** Fails the handshake, requests and tunnel opens still waiting; reports a loss, or ends the queue when this side closed. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        DisconnectedException d = state.disconnected;
        if (d == null) {
            d = new DisconnectedException(state.server, state.localReason());
            state.disconnected = d;
        }
        state.handshake.completeExceptionally(d);
        state.writability.end(d);
        requests.failAll(d);
        tunnels.failAll("disconnected from " + state.server);
        if (state.closing) {
            queue.close(d);
        } else if (!state.handshake.isCompletedExceptionally()) { // it was connected: a loss, not a failed connect
            onLost.accept(d);
        }
    }

    /** Closes the channel on a transport error (the close then runs {@link #channelInactive}). */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Connection to {} failed: {}", state.server, cause.toString());
        ctx.close();
    }
}
