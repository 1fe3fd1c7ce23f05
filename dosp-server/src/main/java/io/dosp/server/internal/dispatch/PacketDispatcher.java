package io.dosp.server.internal.dispatch;

import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ExitReason;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ProtocolException;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.access.AccessControl;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.admin.AdminPackets;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.ext.ClientExtensions;
import io.dosp.server.internal.federation.IncomingLinks;
import io.dosp.server.internal.federation.LinkFrames;
import io.dosp.server.internal.hooks.ServerHooks;
import io.dosp.server.internal.routing.Router;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server does with each packet type (spec section 5). Listener hooks run first and
 * may consume a packet; in whitelist mode only a few types pass before a whitelisted hash.
 * One instance serves every session; thread-safe (no state of its own), called on each
 * session's event loop.
 */
public final class PacketDispatcher implements ClientSession.PacketHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PacketDispatcher.class);
    static final int MAX_HASH_LENGTH = 128;

    private final ServerHooks hooks;
    private final AccessControl access;
    private final Router router;
    private final VipTable<ClientSession> vips;
    private final AdminPackets admin;
    private final Counters counters;
    private final Optional<IncomingLinks> links;
    private final int maxHops;
    private final S2cFastPath fastPath;
    private final ClientExtensions extensions;
    private final ClientAdmission admission;
    private final LogLimiter moveLog;
    private final LogLimiter bannedLog;
    /** Cluster mode: RQIP claims cluster-wide, GCL lists the cluster. */
    private final Optional<ClusterNode> cluster;

    /**
     * Cluster mode with client admission (helper ops): the GCLs of a session waiting for the other nodes' answers.
     * One gather per session at a time (GCLs sent meanwhile are answered by it), so a client cannot multiply requests
     * to the other nodes. Touched on the session's event loop only.
     */
    private final java.util.Map<ClientSession, Integer> gclWaiting = new java.util.concurrent.ConcurrentHashMap<>();

    private void clusterGcl(ClientSession session, ClusterNode node) {
        if (gclWaiting.merge(session, 1, Integer::sum) > 1) {
            return; // the running gather answers this one too
        }
        node.visibleTo(session.principal()).whenComplete((remote, e) -> session.eventLoop().execute(() -> {
            Integer waiting = gclWaiting.remove(session);
            java.util.TreeSet<Vip> all = new java.util.TreeSet<>(admission.visibleVips(session));
            if (remote != null) {
                all.addAll(remote);
            }
            List<Vip> list = List.copyOf(all);
            for (int i = 0; i < (waiting == null ? 1 : waiting); i++) {
                session.replyMetered(PacketType.GCL, ErrCode.GCLF, true, () -> Packets.gclReply(list));
            }
        }));
    }

    /**
     * A dispatcher over these parts of the server; {@code links} is present when federation is
     * on, and a client's S2C starts with {@code maxHops} hops to go; lines clients cause are held to
     * the rate of {@code log}; {@code admission} decides who may do what when client admission is on.
     */
    public PacketDispatcher(ServerHooks hooks, AccessControl access, Router router, VipTable<ClientSession> vips,
            AdminPackets admin, Counters counters, Optional<IncomingLinks> links, int maxHops, ClientExtensions extensions,
            ClientAdmission admission, PeerLog log) {
        this(hooks, access, router, vips, admin, counters, links, maxHops, extensions, admission, log, Optional.empty());
    }

    /**
     * As above, as a node of {@code cluster} when present: RQIP claims the vIP cluster-wide, GCL lists every vIP
     * claimed in the cluster.
     */
    public PacketDispatcher(ServerHooks hooks, AccessControl access, Router router, VipTable<ClientSession> vips,
            AdminPackets admin, Counters counters, Optional<IncomingLinks> links, int maxHops, ClientExtensions extensions,
            ClientAdmission admission, PeerLog log, Optional<ClusterNode> cluster) {
        this.cluster = cluster;
        this.hooks = hooks;
        this.access = access;
        this.router = router;
        this.vips = vips;
        this.admin = admin;
        this.counters = counters;
        this.links = links;
        this.maxHops = maxHops;
        this.extensions = extensions;
        this.admission = admission;
        this.fastPath = S2cFastPath.enabled() ? new S2cFastPath(hooks, access, vips, counters, links, admission) : null;
        this.moveLog = log.limiter("client.rqip");
        this.bannedLog = log.limiter("client.banned");
    }

    @Override
    public DospFrameDecoder.FrameInterceptor frameInterceptor(ClientSession session) {
        return fastPath == null ? null : fastPath.forSession(session);
    }

    @Override
    public void handle(ClientSession session, Packet packet) {
        // Client admission first: before login a connection reaches nothing else, not even the listener hooks.
        if (admission.enabled() && session.principal() == null && !isPeerLink(session, packet.typeCode())
                && !admission.admits(session, packet)) {
            return;
        }
        if (hooks.packet(session, packet)) {
            return;
        }
        if (access.whitelistEnabled() && !session.isAdmin() && !admittedByWhitelist(session, packet)) {
            return;
        }
        if (packet instanceof S2cPacket s) {
            routeS2c(session, s);
            return;
        }
        SimplePacket p = (SimplePacket) packet;
        PacketType type = p.type();
        if (type == null) {
            if (links.isPresent() && LinkFrames.isLinkFrame(p.typeCode())) {
                links.get().onFrame(session, p);
            } else if (PacketType.isCustom(p.typeCode())) {
                hooks.customPacket(session, p);
            } else {
                session.deliver(Packets.err(ErrCode.UKNP));
            }
            return;
        }
        switch (type) {
            case MSG -> LOG.debug("MSG from {}: {} bytes", session.vip(), p.bodyLength());
            case PING -> {
                session.deliver(Packets.ping(p.body()));
                links.ifPresent(l -> l.onPing(session));
            }
            case GCL -> {
                if (cluster.isPresent() && admission.enabled() && session.principal() != null) {
                    clusterGcl(session, cluster.get());
                } else {
                    session.replyMetered(PacketType.GCL, ErrCode.GCLF, true,
                            () -> Packets.gclReply(cluster.isPresent() && !admission.enabled() ? cluster.get().vips()
                                    : admission.visibleVips(session)));
                }
            }
            case FN -> hooks.callFunction(session, p.bodyText());
            case SD -> onAdvertisement(session, p);
            case RQIP -> onRequestVip(session, p);
            // A bare ERR UKNP would say "no GSI here" (what the reference answers): GSI refusals always say why.
            case GSI -> session.replyMetered(PacketType.GSI, ErrCode.UKNP, false,
                    () -> Packets.gsiReply(SelfInfo.json(session, vips.template())));
            case EXIT -> session.onClientExit(ExitReason.parse(p.body()));
            case BCST -> admin.onBroadcast(session, p.bodyText());
            case AUTH -> admin.onAuth(session, p.bodyText());
            case ADMIN -> admin.onAdmin(session, p.bodyText());
            case CLIENT_INFO -> onClientInfo(session, p);
            case EXT -> extensions.onFrame(session, p);
            default -> session.deliver(Packets.err(ErrCode.UKNP)); // server-to-client types (SA, ERR, AIP, HSK, ...) from a client
        }
    }

    private void routeS2c(ClientSession session, S2cPacket s) {
        // SRC is always the sender's vIP: a client cannot forge another's (spec 5.1). Only a peer
        // server's link forwards other clients' traffic with their SRC.
        // A client is paused when its destination is behind; a peer link never is (it carries many
        // senders' traffic, and two servers pausing each other's links could deadlock): past the
        // hard limits its S2C are refused and answered over the link instead.
        String fromPeer = links.isPresent() ? links.get().sourcePeer(session, s) : null;
        if (fromPeer == IncomingLinks.REFUSED) {
            // A SRC this link may not claim (logged by IncomingLinks): never routed, never rewritten.
            counters.drop(DropReason.FORGED_SRC);
            session.deliver(Packets.errS2cFailed(s.dst(), links.get().refusedText(s)));
            return;
        }
        if (admission.enabled() && fromPeer == null) {
            // Grants are for local senders; the router refuses anyone's S2C to a holder that has not logged in.
            String why = admission.refusal(session, s.dst().value(), vips.holder(s.dst().value()));
            if (why != null) {
                counters.drop(DropReason.NOT_ALLOWED);
                session.deliver(Packets.errS2cFailed(s.dst(), why));
                return;
            }
        }
        S2cPacket out = fromPeer != null ? s : s.withSrc(session.vip());
        RouteResult r = router.route(out, maxHops, fromPeer, fromPeer != null ? null : session);
        if (r != RouteResult.DELIVERED) {
            counters.drop(r.dropReason());
            if (fromPeer != null) {
                links.get().failed(out);
            } else {
                String why = r == RouteResult.NO_ROUTE && links.isPresent() ? links.get().noRouteReason(s.dst()) : null;
                session.deliver(why == null ? Packets.errS2cFailed(s.dst()) : Packets.errS2cFailed(s.dst(), why));
            }
        }
    }

    /** Whether {@code session} is (or is becoming, with a link frame of type {@code type}) a federation peer link. */
    private boolean isPeerLink(ClientSession session, int type) {
        return links.isPresent() && (links.get().isAuthenticatedPeer(session) || LinkFrames.isLinkFrame(type));
    }

    /**
     * In whitelist mode only CLIENT_INFO, PING, EXIT, AUTH and the extension's HELLO and admission frames are
     * handled before a whitelisted hash arrives.
     */
    private boolean admittedByWhitelist(ClientSession session, Packet p) {
        int t = p.typeCode();
        if (t == PacketType.CLIENT_INFO.code() || t == PacketType.EXIT.code() || t == PacketType.PING.code()
                || t == PacketType.AUTH.code()
                || (t == PacketType.EXT.code() && p instanceof SimplePacket sp && sp.bodyLength() > 0
                        && sp.bodyByte(0) < Ext.PEER_GONE_FIRST)
                || (links.isPresent() && (links.get().isAuthenticatedPeer(session) || LinkFrames.isLinkFrame(t)))) {
            return true;
        }
        String hash = session.machineHash().orElse(null);
        if (hash != null && access.isWhitelisted(hash)) {
            return true;
        }
        counters.drop(DropReason.BANNED);
        session.disconnect(hash == null ? ServerExitReason.HASH_REQUIRED : ServerExitReason.NOT_WHITELISTED);
        return false;
    }

    private void onAdvertisement(ClientSession session, SimplePacket p) {
        try {
            Advertisement ad = Advertisement.decode(p.body());
            if (links.isPresent()) {
                links.get().onAdvertisement(session, ad);
            } else {
                LOG.debug("SD from {} with {} entries (federation not enabled)", session.vip(), ad.entries().size());
            }
        } catch (ProtocolException e) {
            session.deliver(Packets.err(ErrCode.SDF, e.getMessage()));
        }
    }

    private void onRequestVip(ClientSession session, SimplePacket p) {
        Vip wanted;
        try {
            wanted = Packets.parseAip(p.body());
        } catch (ProtocolException e) {
            session.deliver(Packets.rqipRefused("Invalid IP"));
            return;
        }
        Vip from = session.vip();
        String refusal = admission.rqipRefusal(session, wanted);
        if (refusal == null && cluster.isPresent() && !from.equals(wanted)) {
            refusal = vips.moveRefusal(wanted);
            if (refusal == null) {
                ClusterNode node = cluster.get();
                node.claim(wanted).whenComplete((why, error) -> {
                    String r = error != null ? "cluster unavailable" : why;
                    try {
                        session.eventLoop().execute(() -> afterClaim(session, from, wanted, r, node));
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        if (r == null) {
                            node.released(wanted);
                        }
                    }
                });
                return;
            }
        }
        if (refusal == null) {
            refusal = vips.move(session, from, wanted);
        }
        moved(session, from, wanted, refusal);
    }

    /** Cluster mode, on the session's loop: {@code wanted} was claimed cluster-wide (refusal null) or not. */
    private void afterClaim(ClientSession session, Vip from, Vip wanted, String refusal, ClusterNode node) {
        if (refusal == null) {
            if (session.isClosing() || !session.vip().equals(from)) {
                node.released(wanted); // gone (or moved) meanwhile: the claim is not needed
                return;
            }
            refusal = vips.move(session, from, wanted);
            node.released(refusal == null ? from : wanted);
        }
        moved(session, from, wanted, refusal);
    }

    /** The RQIP reply, and the move's consequences when it was granted ({@code refusal} null). */
    private void moved(ClientSession session, Vip from, Vip wanted, String refusal) {
        if (refusal != null) {
            session.deliver(Packets.rqipRefused(refusal));
            return;
        }
        if (!from.equals(wanted)) {
            session.vip(wanted);
            extensions.moved(session, from);
            if (moveLog.allow()) {
                LOG.info("Client {} moved to requested vIP {}{}", session.remoteAddress(), wanted,
                        moveLog.heldBackNote());
            }
        }
        session.deliver(Packets.rqipGranted());
        session.deliver(Packets.aip(wanted));
    }

    private void onClientInfo(ClientSession session, SimplePacket p) {
        String hash = p.bodyText().trim();
        if (hash.isEmpty() || hash.length() > MAX_HASH_LENGTH || !hash.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            session.deliver(Packets.err(ErrCode.UKNP,
                    "CLIENT_INFO must be a printable hash of at most " + MAX_HASH_LENGTH + " characters"));
            return;
        }
        session.machineHash(AccessControl.norm(hash));
        if (access.isBanned(hash)) {
            counters.drop(DropReason.BANNED);
            if (bannedLog.allow()) {
                LOG.info("Refusing banned client hash from {} ({}){}", session.vip(),
                        session.remoteAddress(), bannedLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.HASH_BLOCKED);
        } else if (access.whitelistEnabled() && !access.isWhitelisted(hash) && !session.isAdmin()) {
            counters.drop(DropReason.BANNED);
            session.disconnect(ServerExitReason.NOT_WHITELISTED);
        }
    }
}
