package io.dosp.server.internal.federation;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.PeerSpec;
import io.dosp.server.PeerStatus;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.ClientSession;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.ServerCore;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Federation (spec 9): peer links, the routing table, advertisements and forwarding. Loop-free by
 * construction: lowest hop per template, split horizon (never advertised or forwarded back over
 * the link it came from), full-table advertisements that withdraw what is missing, and a hop limit
 * on every forwarded S2C between servers of this project. Reference peers get plain S2C and are
 * configured statically. Thread-safe.
 */
public final class Federation {
    private static final Logger LOG = LoggerFactory.getLogger(Federation.class);

    private record PendingAuth(LinkFrames.Hello hello, byte[] nonce) {
    }

    private final ServerConfig config;
    private final ServerCore core;
    private final byte[] serverId = LinkFrames.random(LinkFrames.ID_LENGTH);
    private final RoutingTable routes;
    private final ConcurrentHashMap<String, PeerLink> links = new ConcurrentHashMap<>();
    private final Set<String> referenceIps = ConcurrentHashMap.newKeySet();
    private volatile EventLoopGroup group;
    private volatile int port;
    private volatile boolean stopping;
    private final AtomicLong noRoute = new AtomicLong();
    private final AtomicLong hopLimitDrops = new AtomicLong();

    /** For a server core; links start with {@link #start}. */
    public Federation(ServerConfig config, ServerCore core) {
        this.config = config;
        this.core = core;
        this.routes = new RoutingTable(config.template(), config.federation().maxHops(), config.federation().maxRoutes(), via -> {
            PeerLink l = links.get(via);
            return l != null && l.state() == PeerLink.State.UP;
        });
    }

    ServerConfig config() {
        return config;
    }

    byte[] serverId() {
        return serverId;
    }

    EventLoopGroup group() {
        return group;
    }

    int port() {
        return port;
    }

    boolean stopping() {
        return stopping;
    }

    /** Opens the configured peer links on {@code group}; {@code port} is our client port. */
    public void start(EventLoopGroup group, int port) {
        this.group = group;
        this.port = port;
        for (PeerSpec p : config.federation().peers()) {
            addPeer(p);
        }
    }

    /** Closes every link. */
    public void stop() {
        stopping = true;
        links.values().forEach(PeerLink::remove);
    }

    /** Links to {@code spec} (idempotent); a template makes a static route (needed for reference peers). */
    public void addPeer(PeerSpec spec) {
        String address = key(spec.host(), spec.port());
        if (address.equals(key(config.advertisedHost(), port))) {
            LOG.warn("Peer {} is this server itself; not linking to it", spec);
            return;
        }
        if (spec.template().isPresent()) {
            if (spec.template().get().equals(config.template())) {
                LOG.warn("Peer {} claims this server's own template; ignoring the template", spec);
            } else {
                referenceIps.add(address.substring(0, address.lastIndexOf(':')));
                if (routes.putStatic(address, spec.template().get(), spec.host(), spec.port())) {
                    advertiseAll();
                }
            }
        }
        links.computeIfAbsent(address, a -> {
            PeerLink l = new PeerLink(this, a, spec.host(), spec.port());
            LOG.info("Linking to peer {}", spec);
            l.connect();
            return l;
        });
    }

    /** Unlinks a peer and forgets its routes; false when unknown. */
    public boolean removePeer(String hostPort) {
        PeerSpec p = PeerSpec.parse(hostPort);
        String address = key(p.host(), p.port());
        PeerLink l = links.remove(address);
        if (l == null) {
            return false;
        }
        l.remove();
        routes.dropVia(address, true);
        routes.refresh();
        advertiseAll();
        return true;
    }

    /** {@code ip:port}: one spelling per peer, whatever name it was configured or advertised with. */
    static String key(String host, int port) {
        try {
            return InetAddress.getByName(host).getHostAddress() + ":" + port;
        } catch (UnknownHostException e) {
            return host + ":" + port;
        }
    }

    // ---- forwarding ----

    /** Forwards an S2C whose DST is not local; never back over {@code fromPeer}. */
    public RouteResult forward(S2cPacket p, int hopLimit, String fromPeer) {
        RoutingTable.Route r = routes.lookup(p.dst());
        if (r == null || r.via().equals(fromPeer)) {
            noRoute.incrementAndGet();
            return RouteResult.NO_ROUTE;
        }
        if (hopLimit <= 0) {
            hopLimitDrops.incrementAndGet();
            return RouteResult.NO_ROUTE;
        }
        PeerLink link = links.get(r.via());
        if (link == null || link.state() != PeerLink.State.UP) {
            noRoute.incrementAndGet();
            return RouteResult.NO_ROUTE;
        }
        boolean ok = link.forward(link.extended() ? LinkFrames.fwd(p, hopLimit - 1) : p, p);
        if (ok) {
            link.forwarded.incrementAndGet();
        }
        return ok ? RouteResult.DELIVERED : RouteResult.OVERLOADED;
    }

    /** A forwarded S2C could not be delivered: tell the sender's server, when the links can carry it. */
    public void failed(S2cPacket p, String fromPeer) {
        var local = core.session(p.src());
        if (local.isPresent()) {
            local.get().send(Packets.errS2cFailed(p.dst()));
            return;
        }
        sendFailure(p.dst(), p.src(), config.federation().maxHops());
    }

    private void sendFailure(Vip dst, Vip src, int hopLimit) {
        RoutingTable.Route r = routes.lookup(src);
        PeerLink link = r == null ? null : links.get(r.via());
        if (link == null || !link.extended() || hopLimit <= 0) {
            LOG.debug("Cannot report undeliverable {} -> {} back to the sender's server", src, dst);
            return;
        }
        link.send(LinkFrames.fwdFail(dst, src, hopLimit - 1));
    }

    /** Whether {@code s} from {@code session} keeps its SRC: it comes from a peer server, not a client. */
    public boolean trustedSource(ClientSession session, S2cPacket s) {
        if (session.peerAddress() != null) {
            return true;
        }
        if (referenceIps.isEmpty() || s.src().isZero() || s.src().equals(session.vip())
                || config.template().contains(s.src())) {
            return false;
        }
        // A reference peer can prove nothing: it is trusted by address (see README, federation).
        if (session.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && referenceIps.contains(a.getAddress().getHostAddress())) {
            session.markPeer(a.getAddress().getHostAddress() + ":ref", false);
            return true;
        }
        return false;
    }

    // ---- frames on incoming sessions ----

    /** Handles a link frame that arrived on a client session; always consumes it. */
    public void onSessionFrame(ClientSession session, SimplePacket p) {
        try {
            switch (p.typeCode()) {
                case LinkFrames.HELLO -> onHello(session, LinkFrames.parseHello(p.body()));
                case LinkFrames.PROOF -> onProof(session, p.body());
                case LinkFrames.FWD -> {
                    if (session.peerAuthenticated()) {
                        onForwarded(session, LinkFrames.parseFwd(p));
                    }
                }
                case LinkFrames.FWD_FAIL -> {
                    if (session.peerAuthenticated()) {
                        onFailure(LinkFrames.parseFwdFail(p));
                    }
                }
                default -> session.send(Packets.err(ErrCode.UKNP));
            }
        } catch (io.dosp.protocol.ProtocolException e) {
            session.send(Packets.err(ErrCode.UKNP, e.getMessage()));
        }
    }

    void onLinkFrameFromOutgoing(String address, SimplePacket p) {
        LOG.debug("Peer {} sent link frame 0x{} back over our link; links are one-way, ignoring it", address,
                Integer.toHexString(p.typeCode()));
    }

    private void onHello(ClientSession session, LinkFrames.Hello hello) {
        String key = config.federation().meshKey();
        if (key == null) {
            session.send(Packets.err(ErrCode.UKNP)); // no mesh key: answer like a reference server
            return;
        }
        if (java.util.Arrays.equals(hello.serverId(), serverId)) {
            LOG.warn("A peer link from this server to itself ({}:{}) was refused", hello.host(), hello.port());
            session.disconnect("Peer link to itself refused");
            return;
        }
        byte[] nonce = LinkFrames.random(LinkFrames.NONCE_LENGTH);
        session.linkState(new PendingAuth(hello, nonce));
        session.send(LinkFrames.challenge(serverId, nonce,
                LinkFrames.prove(key, true, hello.nonce(), nonce, hello.serverId(), serverId)));
    }

    private void onProof(ClientSession session, byte[] proof) {
        if (!(session.linkState() instanceof PendingAuth pa)) {
            session.send(Packets.err(ErrCode.UKNP));
            return;
        }
        session.linkState(null);
        byte[] expected = LinkFrames.prove(config.federation().meshKey(), false, pa.hello().nonce(), pa.nonce(),
                pa.hello().serverId(), serverId);
        if (!LinkFrames.same(expected, proof)) {
            LOG.warn("Peer link from {} failed the mesh key proof; refused", session.remoteAddress());
            session.disconnect("Peer authentication failed");
            return;
        }
        String address = key(pa.hello().host(), pa.hello().port());
        session.markPeer(address, true);
        core.detachFromVipSpace(session);
        session.send(LinkFrames.accept());
        LOG.info("Peer {} linked to us (mesh key proven)", address);
        PeerLink ours = links.get(address);
        if (ours == null) {
            if (!stopping) {
                addPeer(PeerSpec.of(pa.hello().host(), pa.hello().port())); // our direction of the link
            }
        } else {
            advertiseTo(ours); // the peer (re)joined: tell it our routes now, not at the next heartbeat
        }
    }

    private void onForwarded(ClientSession session, LinkFrames.Forwarded f) {
        S2cPacket p = f.packet();
        if (config.template().contains(p.src())) {
            LOG.warn("Peer {} forwarded an S2C claiming local SRC {}; dropped", session.peerAddress(), p.src());
            return;
        }
        RouteResult r = core.route(p, f.hopLimit(), session.peerAddress());
        if (r != RouteResult.DELIVERED) {
            failed(p, session.peerAddress());
        }
    }

    private void onFailure(LinkFrames.Failure f) {
        var local = core.session(f.src());
        if (local.isPresent()) {
            local.get().send(Packets.errS2cFailed(f.dst()));
        } else {
            sendFailure(f.dst(), f.src(), f.hopLimit());
        }
    }

    /** An SD from a session: routes from authenticated peers, ignored from anyone else. */
    public void onAdvertisement(ClientSession session, Advertisement ad) {
        if (!session.peerAuthenticated()) {
            LOG.debug("SD from {} ignored: not an authenticated peer", session);
            return;
        }
        if (routes.replace(session.peerAddress(), ad)) {
            LOG.info("Routes changed after an advertisement from {}: {}", session.peerAddress(), routes.routes().size());
            advertiseAll();
        }
    }

    /** A session closed: if it was a peer's link, its routes go. */
    public void sessionClosed(ClientSession session) {
        if (session.peerAuthenticated() && routes.dropVia(session.peerAddress(), false)) {
            LOG.info("Peer {} link to us closed: its routes withdrawn", session.peerAddress());
            advertiseAll();
        }
    }

    // ---- advertisements ----

    void linkUp(PeerLink l) {
        if (routes.refresh()) {
            advertiseAll();
        } else {
            advertiseTo(l);
        }
    }

    void linkDown(PeerLink l) {
        if (routes.refresh()) {
            LOG.info("Peer link to {} down: routes through it withdrawn", l.address);
            advertiseAll();
        }
    }

    void advertiseTo(PeerLink l) {
        if (l.extended() && l.state() == PeerLink.State.UP) {
            l.send(Packets.sd(routes.advertisementFor(l.address, config.advertisedHost(), port)));
        }
    }

    private void advertiseAll() {
        links.values().forEach(this::advertiseTo);
    }

    // ---- status ----

    /** Links now. */
    public List<PeerStatus> peers() {
        List<PeerStatus> out = new ArrayList<>();
        for (PeerLink l : links.values()) {
            int via = (int) routes.routes().stream().filter(r -> r.via().equals(l.address)).count();
            out.add(new PeerStatus(l.address, l.state().name(), l.extended(), via, l.forwarded.get(), l.dropped.get(),
                    l.reconnects.get(), l.lastError()));
        }
        out.sort(java.util.Comparator.comparing(PeerStatus::address));
        return out;
    }

    /** Routes now. */
    public List<RouteInfo> routes() {
        List<RouteInfo> out = new ArrayList<>();
        for (RoutingTable.Route r : routes.routes()) {
            out.add(new RouteInfo(r.template().toString(), r.hops(), r.via(), r.ownerHost() + ":" + r.ownerPort(),
                    r.isStatic()));
        }
        return out;
    }

    /** S2C that found no route, and S2C dropped at the hop limit. */
    public long[] dropCounters() {
        return new long[] {noRoute.get(), hopLimitDrops.get()};
    }
}
