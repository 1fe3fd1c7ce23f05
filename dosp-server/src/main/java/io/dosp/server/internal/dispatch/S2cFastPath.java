package io.dosp.server.internal.dispatch;

import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.access.AccessControl;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.federation.IncomingLinks;
import io.dosp.server.internal.hooks.ServerHooks;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.netty.buffer.ByteBuf;
import java.util.Optional;

/**
 * The S2C fast path, the one place where the server routes packets as bytes: for a complete,
 * uncompressed S2C frame it reads DST from the header, looks the holder up in the vIP table (no
 * boxing), and appends the frame with SRC rewritten to the target's outbound batch, with the same
 * flow control ({@code OutboundFlow.admit}) as the packet path, without decoding it into an
 * {@code S2cPacket}. Measured: {@code S2cRoutingBenchmark} in dosp-bench; figures in BENCHMARKS.md.
 *
 * <p>It takes a frame only when the packet path would do exactly the same and nothing else
 * could observe the difference; otherwise it declines and the frame is decoded and dispatched
 * as usual, in order. It declines when: the frame is shorter than DST + SRC (the packet path
 * answers the error); a {@code ServerListener} is registered (it may see or consume every
 * packet); whitelist mode is on; federation could keep the frame's SRC (the sender is a peer
 * link, or reference peers are configured); the sender is closing, paused or rate-limited; DST has
 * no local holder (no route, or another server's: the packet path answers or forwards); the
 * holder is on another event loop or compresses (the packet path hands a packet over); client admission does not
 * allow the sender to reach the holder (or either has not logged in: the packet path refuses it, or ends a sender
 * that has not logged in). When the
 * target refuses the frame (over its limits, the memory budget), the sender gets ERR S2CF exactly
 * as from the packet path, and the drop is counted. {@code S2cFastPathTest} and
 * {@code S2cFastPathIT} check that the bytes out are the same with the fast path on and off.
 *
 * <p>Off with the system property {@code dosp.s2cFastPath=false} (read when a server starts), for
 * comparisons. One instance per server; called on each session's event loop.
 */
public final class S2cFastPath {
    /** The system property that turns the fast path off ({@code false}); it is on otherwise. */
    public static final String PROPERTY = "dosp.s2cFastPath";
    private static final int MIN_BODY = 2 * Vip.BYTES;

    private final ServerHooks hooks;
    private final AccessControl access;
    private final VipTable<ClientSession> vips;
    private final Counters counters;
    private final Optional<IncomingLinks> links;
    private final ClientAdmission admission;

    S2cFastPath(ServerHooks hooks, AccessControl access, VipTable<ClientSession> vips, Counters counters,
            Optional<IncomingLinks> links, ClientAdmission admission) {
        this.admission = admission;
        this.hooks = hooks;
        this.access = access;
        this.vips = vips;
        this.counters = counters;
        this.links = links;
    }

    /** Whether the fast path is on for servers started now (system property {@value #PROPERTY}). */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
    }

    /** The interceptor for {@code session}'s frame decoder. */
    DospFrameDecoder.FrameInterceptor forSession(ClientSession session) {
        return (in, type, bodyIndex, length) -> type == PacketType.S2C.code() && route(session, in, bodyIndex, length);
    }

    private boolean route(ClientSession sender, ByteBuf in, int bodyIndex, int length) {
        if (length < MIN_BODY || !sender.sendsFastPath() || hooks.hasPacketListeners() || access.whitelistEnabled()
                || (links.isPresent() && links.get().mayKeepSrc(sender))) {
            return false;
        }
        int dst = in.getInt(bodyIndex);
        ClientSession target = vips.holder(dst);
        if (target == null || !target.takesS2cFramesFrom(sender)) {
            return false;
        }
        if (admission.enabled() && admission.refusal(sender, dst, target) != null) {
            return false; // the packet path refuses it (ERR S2CF with the reason), or closes a sender not logged in
        }
        sender.countFastPathIn(PacketCodec.HEADER_BYTES + length);
        RouteResult r = target.deliverS2cFrame(in, bodyIndex, length, sender);
        if (r == RouteResult.DELIVERED) {
            ClientSession.exchanged(sender, target); // as ServerRouter.route records it
        } else {
            // As PacketDispatcher.routeS2c answers a client's S2C that was not delivered.
            counters.drop(r.dropReason());
            sender.deliver(Packets.errS2cFailed(new Vip(dst)), sender);
        }
        return true;
    }
}
