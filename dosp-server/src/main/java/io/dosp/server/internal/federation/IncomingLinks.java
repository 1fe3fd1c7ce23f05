package io.dosp.server.internal.federation;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ProtocolException;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.routing.Router;
import io.dosp.server.internal.session.ClientSession;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer links other servers opened to us: they arrive as client sessions, prove the mesh key
 * (HELLO, CHALLENGE, PROOF, ACCEPT) and then carry forwarded S2C, delivery failures and
 * advertisements. Keeps each such session's link state (the session knows nothing of it); a
 * reference peer is recognised by its address the first time it sends S2C with a SRC in a
 * template configured for a reference peer at that address. A peer session's S2C keep their SRC
 * only when it lies in a template routed through that peer (what it advertised, or the static
 * template configured for it), never in our own template; any other SRC is refused
 * ({@link DropReason#FORGED_SRC}).
 *
 * <p>Thread-safe: a session's frames arrive on its event loop; the state is in concurrent maps.
 * A server with no link sessions pays one emptiness check per client S2C.
 */
public final class IncomingLinks {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingLinks.class);

    /**
     * What {@link #sourcePeer} returns for an S2C a peer (or a client at a reference peer's
     * address) sent with a SRC it may not claim: refused, counted, answered. Compared by identity.
     */
    public static final String REFUSED = new String("refused SRC");

    /** A HELLO answered with CHALLENGE, waiting for PROOF. */
    private record PendingAuth(LinkFrames.Hello hello, byte[] nonce) {
    }

    /**
     * A peer server's link, as what it may send us: {@code authenticated} when it proved the mesh key.
     * {@code advertised}: the templates its last SD on this link offered (ours excluded); kept with the
     * link, so frames still in flight when the peer is removed are judged by what it said. For a link
     * that arrived here: the handshake transcript (to check the linker's CAPS), whether its first frame
     * after ACCEPT has said which kind of link it is, and its {@link IncomingLink} once two-way.
     */
    static final class LinkPeer {
        final String address;
        final boolean authenticated;
        volatile List<VipTemplate> advertised = List.of();
        /** Incoming links: HELLO as the linker sent it, our nonce; null otherwise. */
        final PendingAuth transcript;
        /** Incoming links: the linker's first frame after ACCEPT came (CAPS: two-way; anything else: one-way). */
        boolean decided;
        volatile IncomingLink link;

        LinkPeer(String address, boolean authenticated) {
            this(address, authenticated, null);
        }

        private LinkPeer(String address, boolean authenticated, PendingAuth transcript) {
            this.address = address;
            this.authenticated = authenticated;
            this.transcript = transcript;
            this.decided = transcript == null;
        }

        String address() {
            return address;
        }

        boolean authenticated() {
            return authenticated;
        }
    }

    private final ServerConfig config;
    private final Router router;
    private final Federation federation;
    private final ConcurrentHashMap<ClientSession, PendingAuth> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ClientSession, LinkPeer> peers = new ConcurrentHashMap<>();
    private final PeerLog log;
    private final LogLimiter refusedLog;
    private final LogLimiter forgedLog;
    private final LogLimiter keyLog;
    private final Counters counters;

    /**
     * Links to us for {@code federation}; what they forward is delivered through {@code router}; what
     * peers send reaches log lines through {@code log} (anyone can send HELLO: refusals at its rate).
     */
    public IncomingLinks(ServerConfig config, Router router, Federation federation, PeerLog log, Counters counters) {
        this.config = config;
        this.counters = counters;
        this.keyLog = log.limiter("link.mesh-key");
        this.log = log;
        this.refusedLog = log.limiter("link.refused");
        this.forgedLog = log.limiter("link.forged-src");
        this.router = router;
        this.federation = federation;
        federation.attach(this);
    }

    /** A PING from {@code session}: when it is a peer's two-way link, the peer's heartbeat (we re-advertise to it). */
    public void onPing(ClientSession session) {
        if (peers.isEmpty()) {
            return;
        }
        LinkPeer p = peers.get(session);
        IncomingLink l = p == null ? null : p.link;
        if (l != null) {
            l.heard();
            federation.incomingHeartbeat(l);
        }
    }

    /**
     * The peer an S2C from {@code session} comes from ({@code ip:port}, or {@code ip:ref} for a
     * reference peer): then it keeps its SRC. Null for a client's S2C, whose SRC the server sets.
     * {@link #REFUSED} (logged at a bounded rate; the caller counts and answers) when a peer's S2C
     * carries a SRC not routed through that peer, or a client at a reference peer's address claims
     * a SRC that is neither its own vIP nor in a template configured for a reference peer there.
     */
    public String sourcePeer(ClientSession session, S2cPacket s) {
        if (!peers.isEmpty()) {
            LinkPeer p = peers.get(session);
            if (p != null) {
                if (!p.authenticated() && (s.src().isZero() || s.src().equals(session.vip()))) {
                    return null; // a reference peer's link speaking for itself, as a client
                }
                return mayCarry(p, s.src()) ? p.address() : refused(p.address(), s);
            }
        }
        if (!federation.hasReferencePeers() || s.src().isZero() || s.src().equals(session.vip())) {
            return null;
        }
        // A reference peer can prove nothing: it is trusted by address, and only for the templates
        // configured for reference peers at that address (see README, federation).
        String ip = ip(session.remoteAddress());
        if (ip == null || !federation.isReferencePeer(ip)) {
            return null;
        }
        String address = ip + ":ref";
        if (!federation.referenceCarries(ip, s.src())) {
            return refused(address, s);
        }
        peers.put(session, new LinkPeer(address, false));
        return address;
    }

    private boolean mayCarry(LinkPeer p, Vip src) {
        if (config.template().contains(src)) {
            return false;
        }
        if (p.authenticated()) {
            for (VipTemplate t : p.advertised) {
                if (t.contains(src)) {
                    return true;
                }
            }
            return federation.routedThrough(p.address(), src); // e.g. a template configured for it
        }
        String ip = p.address().substring(0, p.address().lastIndexOf(':'));
        return federation.referenceCarries(ip, src);
    }

    private String refused(String peer, S2cPacket s) {
        if (forgedLog.allow()) {
            LOG.warn("{} sent an S2C with SRC {} (to {}), which is not routed through it{}; refused{}",
                    log.text(peer), s.src(), s.dst(),
                    config.template().contains(s.src()) ? " (it is in this server's own template)" : "",
                    forgedLog.heldBackNote());
        }
        return REFUSED;
    }

    /** The ERR S2CF text for an S2C {@link #sourcePeer} refused. */
    public String refusedText(S2cPacket s) {
        return config.template().contains(s.src())
                ? "SRC " + s.src() + " is in this server's own template; a peer link may not claim it"
                : "SRC " + s.src() + " is not in a template routed through this peer link";
    }

    private static String ip(SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress().getHostAddress() : null;
    }

    /** Why an S2C to {@code dst} found no way on, when a peer link explains it (reference mode, down); or null. */
    public String noRouteReason(Vip dst) {
        return federation.noRouteReason(dst);
    }

    /**
     * Whether an S2C from {@code session} might keep its SRC ({@link #sourcePeer} could name a peer):
     * it is a peer link, or reference peers are configured (their links look like clients).
     */
    public boolean mayKeepSrc(ClientSession session) {
        return federation.hasReferencePeers() || (!peers.isEmpty() && peers.containsKey(session));
    }

    /** Whether {@code session} is a peer's link that proved the mesh key. */
    public boolean isAuthenticatedPeer(ClientSession session) {
        if (peers.isEmpty()) {
            return false;
        }
        LinkPeer p = peers.get(session);
        return p != null && p.authenticated();
    }

    /** An S2C that came over a peer link could not be delivered: tell its sender (or its sender's server). */
    public void failed(S2cPacket p) {
        federation.failed(p);
    }

    /** Handles a link frame ({@link LinkFrames#isLinkFrame}) that arrived on a session; always consumes it. */
    public void onFrame(ClientSession session, SimplePacket p) {
        try {
            LinkPeer peer = authenticated(session);
            if (peer != null && !peer.decided && decide(session, peer, p)) {
                return; // it was the linker's CAPS
            }
            if (peer != null && peer.link != null) {
                peer.link.heard();
            }
            switch (p.typeCode()) {
                case LinkFrames.HELLO -> onHello(session, LinkFrames.parseHello(p.body()));
                case LinkFrames.PROOF -> onProof(session, p.body());
                case LinkFrames.FWD -> {
                    if (peer != null) {
                        onForwarded(peer, LinkFrames.parseFwd(p));
                    }
                }
                case LinkFrames.FWD_FAIL -> {
                    if (peer != null) {
                        onFailure(LinkFrames.parseFwdFail(p));
                    }
                }
                case LinkFrames.EXT -> {
                    if (peer != null && peer.link != null) {
                        federation.peerLinks().dispatch(peer.address(), p);
                    } else {
                        session.send(Packets.err(ErrCode.UKNP));
                    }
                }
                default -> session.send(Packets.err(ErrCode.UKNP));
            }
        } catch (ProtocolException e) {
            session.send(Packets.err(ErrCode.UKNP, e.getMessage()));
        }
    }

    private LinkPeer authenticated(ClientSession session) {
        LinkPeer p = peers.get(session);
        return p != null && p.authenticated() ? p : null;
    }

    private void onHello(ClientSession session, LinkFrames.Hello hello) {
        pending.remove(session); // a new HELLO starts over
        String key = config.federation().meshKey();
        if (hello.version() != LinkFrames.VERSION) {
            if (refusedLog.allow()) {
                LOG.warn("Peer link from {} speaks link protocol v{}; this server needs v{} (an older build?): refused{}",
                        session.remoteAddress(), hello.version(), LinkFrames.VERSION, refusedLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.PEER_LINK_VERSION);
            return;
        }
        if (key == null) {
            if (keyLog.allow()) {
                LOG.warn("Peer {} (from {}) wants a mesh link, but this server has no mesh key: answering as a reference"
                        + " server, the link will be plain (reference mode){}", log.text(hello.host() + ":" + hello.port()),
                        session.remoteAddress(), keyLog.heldBackNote());
            }
            session.send(Packets.err(ErrCode.UKNP)); // no mesh key: answer like a reference server
            return;
        }
        byte[] serverId = federation.serverId();
        if (Arrays.equals(hello.serverId(), serverId)) {
            if (refusedLog.allow()) {
                LOG.warn("A peer link from this server to itself ({}:{}) was refused{}",
                        log.text(hello.host()), hello.port(), refusedLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.PEER_SELF);
            return;
        }
        if (!federation.isOwnAddress(hello.dialedHost(), hello.dialedPort(), session.localAddress())) {
            // The linker dialed someone else, who passed its HELLO on to us: a relay. The MACs cover the
            // dialed address, so a relay that rewrites it fails the proof instead.
            if (refusedLog.allow()) {
                LOG.warn("Peer link from {} dialed {}:{}, which is not this server ({}:{} or the connection's local"
                        + " address): relayed, refused (behind NAT or a port mapping, set federation.advertisedHost to the"
                        + " address peers dial){}", session.remoteAddress(), log.text(hello.dialedHost()), hello.dialedPort(),
                        log.text(config.advertisedHost()), session.localAddress(), refusedLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.PEER_AUTH_FAILED);
            return;
        }
        if (full(session, hello, true)) {
            return;
        }
        byte[] nonce = LinkFrames.random(LinkFrames.NONCE_LENGTH);
        PendingAuth started = new PendingAuth(hello, nonce);
        pending.put(session, started);
        // A handshake is bounded in time too: one that never proves anything gives its place back.
        session.schedule(() -> {
            if (pending.remove(session, started)) {
                if (refusedLog.allow()) {
                    LOG.warn("Peer link from {} sent no PROOF in time; refused{}", session.remoteAddress(),
                            refusedLog.heldBackNote());
                }
                session.disconnect(ServerExitReason.PEER_AUTH_FAILED);
            }
        }, handshakeTimeout());
        session.send(LinkFrames.challenge(serverId, nonce,
                LinkFrames.mac(key, LinkFrames.Step.CHALLENGE, hello.body(), serverId, nonce)));
    }

    private void onProof(ClientSession session, byte[] proof) {
        PendingAuth pa = pending.remove(session);
        if (pa == null) {
            session.send(Packets.err(ErrCode.UKNP));
            return;
        }
        String key = config.federation().meshKey();
        byte[] serverId = federation.serverId();
        byte[] expected = LinkFrames.mac(key, LinkFrames.Step.PROOF, pa.hello().body(), serverId, pa.nonce());
        if (!LinkFrames.same(expected, proof)) {
            if (keyLog.allow()) {
                LOG.warn("Peer link from {} ({}) failed the mesh key proof: mesh key mismatch (or a relayed handshake);"
                        + " refused{}", session.remoteAddress(), log.text(pa.hello().host() + ":" + pa.hello().port()),
                        keyLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.PEER_AUTH_FAILED);
            return;
        }
        if (full(session, pa.hello(), false)) {
            return;
        }
        String address = reachable(pa.hello()) ? Federation.key(pa.hello().host(), pa.hello().port())
                : unreachableKey(pa.hello().serverId(), session.remoteAddress());
        peers.put(session, new LinkPeer(address, true, pa));
        router.detach(session);
        // CAPS before ACCEPT: an older build of ours ignores it; ours answers it first thing after ACCEPT.
        session.send(LinkFrames.caps(key, LinkFrames.Step.CAPS, LinkFrames.CAP_TWO_WAY, pa.hello().body(), serverId,
                pa.nonce()));
        session.send(LinkFrames.accept(LinkFrames.mac(key, LinkFrames.Step.ACCEPT, pa.hello().body(), serverId, pa.nonce())));
    }

    /** Whether the linker's HELLO says where it can be dialed (host empty and port 0: it cannot). */
    private static boolean reachable(LinkFrames.Hello h) {
        return !h.host().isEmpty() || h.port() != 0;
    }

    /** The key of a peer that cannot be dialed: its server id (first 8 bytes, hex) and the IP it came from. */
    static String unreachableKey(byte[] serverId, SocketAddress remote) {
        StringBuilder sb = new StringBuilder("id-");
        for (int i = 0; i < 8; i++) {
            sb.append(String.format("%02x", serverId[i] & 0xff));
        }
        String ip = ip(remote);
        return sb.append('@').append(ip == null ? "?" : ip).toString();
    }

    /**
     * Whether {@code session}'s link must be refused (then it is, with EXIT): {@code federation.maxIncomingLinks}
     * bounds the links up, and, separately, the handshakes under way ({@code handshake}: this one is starting).
     */
    private boolean full(ClientSession session, LinkFrames.Hello hello, boolean handshake) {
        int max = config.federation().maxIncomingLinks();
        int up = 0;
        for (LinkPeer p : peers.values()) {
            if (p.authenticated()) {
                up++;
            }
        }
        if (up < max && (!handshake || pending.size() < max)) {
            return false;
        }
        if (refusedLog.allow()) {
            LOG.warn("Peer link from {} ({}) refused: this server already has {} {} from peers"
                    + " (federation.maxIncomingLinks){}", session.remoteAddress(), log.text(hello.host() + ":" + hello.port()),
                    max, up >= max ? "links" : "handshakes under way", refusedLog.heldBackNote());
        }
        session.disconnect(ServerExitReason.PEER_LINKS_FULL);
        return true;
    }

    /** How long a linker has from HELLO to PROOF: a heartbeat timeout. */
    private java.time.Duration handshakeTimeout() {
        return config.federation().peerHeartbeat().multipliedBy(config.federation().peerHeartbeatMisses());
    }

    /**
     * The linker's first frame after ACCEPT says what it is: CAPS (this build: the link is two-way) or
     * anything else (an older build of ours: one-way, we link back). Returns true when {@code p} was
     * that CAPS (consumed). {@code p} null: an SD came first.
     */
    private boolean decide(ClientSession session, LinkPeer peer, SimplePacket p) {
        peer.decided = true;
        PendingAuth pa = peer.transcript;
        LinkFrames.Hello hello = pa.hello();
        if (p != null && p.typeCode() == LinkFrames.CAPS) {
            int caps = LinkFrames.parseCaps(p.body(), config.federation().meshKey(), LinkFrames.Step.CAPS_REPLY,
                    hello.body(), federation.serverId(), pa.nonce());
            if (caps < 0) {
                if (keyLog.allow()) {
                    LOG.warn("Peer link from {} ({}) sent a CAPS that does not prove the mesh key; refused{}",
                            session.remoteAddress(), log.text(peer.address()), keyLog.heldBackNote());
                }
                session.disconnect(ServerExitReason.PEER_AUTH_FAILED);
                return true;
            }
            if ((caps & LinkFrames.CAP_TWO_WAY) != 0) {
                IncomingLink l = new IncomingLink(peer.address(), session, hello.serverId(),
                        config.federation().peerQueueBytes(), federation::failed);
                peer.link = l;
                // The dialer PINGs every heartbeat; twice its misses of ours without a word and the link is dead.
                java.time.Duration beat = config.federation().peerHeartbeat();
                l.watch(beat, beat.multipliedBy(2L * config.federation().peerHeartbeatMisses()), () -> {
                    LOG.atWarn().setMessage("Peer {} link to us: nothing heard for {} heartbeats; closing it")
                            .addArgument(log.text(l.address)).addArgument(2 * config.federation().peerHeartbeatMisses())
                            .addKeyValue("event", "peer_link_down").addKeyValue("peer", log.text(l.address)).log();
                    session.disconnect(ServerExitReason.IDLE_TIMEOUT);
                });
                LOG.atInfo().setMessage("Peer {} linked to us (mesh key proven, two-way)").addArgument(log.text(peer.address()))
                        .addKeyValue("event", "peer_link_up").addKeyValue("peer", log.text(peer.address()))
                        .addKeyValue("direction", "incoming").addKeyValue("two_way", true).log();
                federation.incomingUp(l);
                return true;
            }
        }
        LOG.atInfo().setMessage("Peer {} linked to us (mesh key proven, one-way: an older build)")
                .addArgument(log.text(peer.address())).addKeyValue("event", "peer_link_up")
                .addKeyValue("peer", log.text(peer.address())).addKeyValue("direction", "incoming").log();
        if (reachable(hello)) {
            federation.peerJoined(peer.address(), hello.host(), hello.port());
        }
        return p != null && p.typeCode() == LinkFrames.CAPS;
    }

    void onForwarded(LinkPeer peer, LinkFrames.Forwarded f) {
        S2cPacket p = f.packet();
        if (!mayCarry(peer, p.src())) {
            refused(peer.address(), p);
            counters.drop(DropReason.FORGED_SRC);
            if (!config.template().contains(p.src())) {
                // Answered as the protocol allows: FWD_FAIL towards SRC's server (a peer that forwards for a
                // template it has not advertised yet, in a route change, gets its sender told S2CF). A SRC of
                // our own template is certainly forged: our client is not bothered with it.
                federation.failed(p);
            }
            return;
        }
        RouteResult r = router.route(p, f.hopLimit(), peer.address());
        if (r != RouteResult.DELIVERED) {
            if (r == RouteResult.NOT_ALLOWED) {
                counters.drop(DropReason.NOT_ALLOWED); // client admission: the destination has not logged in
            }
            federation.failed(p);
        }
    }

    void onFailure(LinkFrames.Failure f) {
        Optional<ClientSession> local = router.localClient(f.src());
        if (local.isPresent()) {
            local.get().send(Packets.errS2cFailed(f.dst()));
        } else {
            federation.relayFailure(f.dst(), f.src(), f.hopLimit());
        }
    }

    /** An SD from a session: routes from authenticated peers, ignored from anyone else. */
    public void onAdvertisement(ClientSession session, Advertisement ad) {
        LinkPeer peer = authenticated(session);
        if (peer == null) {
            LOG.debug("SD from {} ignored: not an authenticated peer", session);
            return;
        }
        if (!peer.decided) {
            decide(session, peer, null);
        }
        if (peer.link != null) {
            peer.link.heard();
        }
        advertisedOn(peer, ad);
    }

    /** An SD over a link from {@code peer} (either direction): what it may carry, and its routes. */
    void advertisedOn(LinkPeer peer, Advertisement ad) {
        List<VipTemplate> offered = new ArrayList<>();
        for (Advertisement.Entry e : ad.entries()) {
            if (!e.template().equals(config.template()) && !e.template().contains(config.template().base())
                    && !config.template().contains(e.template().base())) {
                offered.add(e.template());
            }
        }
        peer.advertised = List.copyOf(offered);
        federation.advertised(peer.address(), ad);
    }

    /** A session closed: its link state goes; if it was an authenticated peer's link, so do its routes. */
    public void closed(ClientSession session) {
        PendingAuth pa = pending.remove(session);
        if (pa != null && keyLog.allow()) {
            LOG.warn("Peer link from {} ({}) closed before proving the mesh key: it refused our proof (mesh key"
                    + " mismatch?){}", session.remoteAddress(), log.text(pa.hello().host() + ":" + pa.hello().port()),
                    keyLog.heldBackNote());
        }
        LinkPeer p = peers.remove(session);
        if (p != null && p.authenticated()) {
            IncomingLink l = p.link;
            if (l != null) {
                federation.incomingDown(l);
            } else {
                federation.incomingClosed(p.address());
            }
        }
    }

    /** Sends EXIT {@code reason} on every authenticated link to us (the server stops). */
    public void disconnectAll(ServerExitReason reason) {
        peers.forEach((session, peer) -> {
            if (peer.authenticated()) {
                session.disconnect(reason);
            }
        });
    }
}
