package io.dosp.server.internal.federation;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.Packets;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.PeerStatus;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.routing.Router;
import io.dosp.server.internal.session.ClientSession;
import io.netty.channel.EventLoopGroup;
import io.dosp.protocol.VipTemplate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Federation (spec 9): our outgoing peer links, the routes they carry and the advertisements
 * between servers. Loop-free by construction: lowest hop per template, split horizon (never
 * advertised or forwarded back over the link it came from), full-table advertisements that
 * withdraw what is missing, and a hop limit on every forwarded S2C between servers of this
 * project. Reference peers get plain S2C and are configured statically. Forwarding itself is the
 * {@link Forwarder}'s; links other servers open to us are {@link IncomingLinks}. Thread-safe.
 */
public final class Federation {
    private static final Logger LOG = LoggerFactory.getLogger(Federation.class);

    private final ServerConfig config;
    private final Router router;
    private final Forwarder forwarder;
    private final RoutingTable routes;
    private final PeerLinks peerLinks;
    /** Handles what peers send back over our two-way links (set when the server wires its parts). */
    private volatile IncomingLinks inbound;
    private final io.dosp.server.internal.LogLimiter backLog;
    /** Static reference peers' IPs, each with the templates configured for peers at that IP. */
    private final ConcurrentHashMap<String, Set<VipTemplate>> referenceIps = new ConcurrentHashMap<>();
    private final PeerLink.Owner linkEvents = new LinkEvents();
    private volatile EventLoopGroup group;
    private volatile int port;
    private volatile boolean stopping;
    private final PeerLog log;
    /** Which peers are nodes of one cluster (and ours, when this server is a node of one). */
    private final ClusterLinks clusters;
    /** Cluster mode: the node this server is (FWD_FAIL for a vIP held on another node goes there). */
    private volatile io.dosp.server.internal.cluster.ClusterNode cluster;
    private final Object announceLock = new Object();

    /**
     * Federation of {@code config}, delivering what arrives through {@code router}; links start with
     * {@link #start}; peers' strings (host names, EXIT texts) reach log lines through {@code log}.
     */
    public Federation(ServerConfig config, Router router, Forwarder forwarder, PeerLog log) {
        this.config = config;
        this.log = log;
        this.router = router;
        this.forwarder = forwarder;
        this.routes = forwarder.routes();
        this.peerLinks = new PeerLinks(forwarder::twoWayChannel, config.limits().maxFrameSize() - 1);
        this.backLog = log.limiter("link.back");
        this.clusters = new ClusterLinks(() -> {
            routes.refresh();
            advertiseAll(); // split horizon across a cluster changed what each peer is told
        }, log);
        routes.serverOf(clusters::serverKey);
        peerLinks.handle(ClusterLinks.KIND, clusters::onFrame);
        peerLinks.listen(new PeerLinks.Listener() {
            @Override
            public void up(String peer) {
                // the cluster frame goes with every SD (advertiseTo), on the link the SD takes
            }

            @Override
            public void down(String peer) {
                clusters.down(peer);
            }
        });
    }

    /**
     * This server is {@code node} of a cluster (called once, before {@link #start}): every link announces the
     * cluster (so a peer linked to several nodes sees one server), a FWD_FAIL for a vIP held on another node goes to
     * that node, and failures of frames the cluster carried for a peer's client go back towards its server.
     */
    public void cluster(io.dosp.server.internal.cluster.ClusterNode node) {
        this.cluster = node;
        io.dosp.server.internal.cluster.ClusterIdentity id = node.identity();
        if (id != null) {
            clusters.own(id);
        }
        node.remoteSenderFailures((dst, src) -> relayFailure(dst, src, config.federation().maxHops()));
        node.outboundRoute(p -> forwarder.forward(p, config.federation().maxHops(), null));
        announceRoutes();
    }

    byte[] serverId() {
        return forwarder.serverId();
    }

    /**
     * The peer links as federation extensions use them: send LINK_EXT frames to every peer with a
     * two-way link up, whichever side dialed it, and receive theirs (see {@link PeerLinks}).
     */
    public PeerLinks peerLinks() {
        return peerLinks;
    }

    /** Where frames peers send back over our two-way links are handled (the links that arrive here are handled the same way). */
    void attach(IncomingLinks links) {
        this.inbound = links;
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
        forwarder.links().forEach(PeerLink::remove);
    }

    /** Links to {@code spec} (idempotent); a template makes a static route (needed for reference peers). */
    public void addPeer(PeerSpec spec) {
        String address = key(spec.host(), spec.port());
        if (address.equals(key(config.advertisedHost(), port))) {
            LOG.warn("Peer {} is this server itself; not linking to it", log.text(spec));
            return;
        }
        if (spec.template().isPresent()) {
            if (spec.template().get().equals(config.template())) {
                LOG.warn("Peer {} claims this server's own template; ignoring the template", log.text(spec));
            } else {
                referenceIps.computeIfAbsent(address.substring(0, address.lastIndexOf(':')),
                        k -> ConcurrentHashMap.newKeySet()).add(spec.template().get());
                if (routes.putStatic(address, spec.template().get(), spec.host(), spec.port())) {
                    advertiseAll();
                }
            }
        }
        forwarder.linkIfAbsent(address, a -> {
            PeerLink l = new PeerLink(linkEvents, config, a, spec.host(), spec.port(),
                    config.federation().linkTls(spec), log);
            LOG.info("Linking to peer {}", log.text(spec));
            l.connect();
            return l;
        });
    }

    /** Unlinks a peer and forgets its routes; false when unknown. */
    public boolean removePeer(String hostPort) {
        PeerSpec p = PeerSpec.parse(hostPort);
        String address = key(p.host(), p.port());
        PeerLink l = forwarder.unlink(address);
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

    /** Whether reference peers are configured (they are trusted by address). */
    boolean hasReferencePeers() {
        return !referenceIps.isEmpty();
    }

    /** Whether {@code hostAddress} is a configured reference peer's. */
    boolean isReferencePeer(String hostAddress) {
        return referenceIps.containsKey(hostAddress);
    }

    /** Whether a template configured for a reference peer at {@code hostAddress} holds {@code src}. */
    boolean referenceCarries(String hostAddress, Vip src) {
        Set<VipTemplate> ts = referenceIps.get(hostAddress);
        if (ts == null || config.template().contains(src)) {
            return false;
        }
        for (VipTemplate t : ts) {
            if (t.contains(src)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the authenticated peer {@code address} advertised (or was configured with) a template holding {@code src}. */
    boolean routedThrough(String address, Vip src) {
        return !config.template().contains(src) && routes.offers(address, src);
    }

    /**
     * Whether a linker that dialed {@code host:port} reached this server: our advertised address, or
     * the local address its connection arrived on (a relay's address is neither).
     */
    boolean isOwnAddress(String host, int dialedPort, SocketAddress local) {
        String dialed = key(host, dialedPort);
        if (dialed.equals(key(config.advertisedHost(), port))) {
            return true;
        }
        return local instanceof InetSocketAddress a && a.getAddress() != null
                && dialed.equals(a.getAddress().getHostAddress() + ":" + a.getPort());
    }

    /**
     * Why an S2C to {@code dst} found no way on when a peer link explains it: the route's link is
     * down or in reference mode, or no route because links are in reference mode. Null otherwise.
     */
    String noRouteReason(Vip dst) {
        if (config.template().contains(dst)) {
            return null;
        }
        RoutingTable.Route r = routes.lookupAny(dst);
        if (r != null) {
            if (forwarder.channel(r.via()) == null) {
                PeerLink l = forwarder.link(r.via());
                return "the peer link to " + log.text(r.via()) + " that routes " + r.template() + " is "
                        + (l == null ? "gone" : l.state().name().toLowerCase(java.util.Locale.ROOT))
                        + (l == null || l.lastError().isEmpty() ? "" : " (" + l.lastError() + ")");
            }
            return null;
        }
        List<String> plain = new ArrayList<>();
        for (PeerLink l : forwarder.links()) {
            if (l.state() == PeerLink.State.UP && !l.extended()) {
                plain.add(log.text(l.address) + " (" + l.mode() + ")");
            }
        }
        return plain.isEmpty() ? null : "no route to " + dst + ": peer link " + String.join(", ", plain)
                + " advertises no routes; configure HOST:PORT:TEMPLATE or the same mesh key on both servers";
    }

    /** A forwarded S2C could not be delivered: tell the sender, or the sender's server when the links can carry it. */
    void failed(S2cPacket p) {
        Optional<ClientSession> local = router.localClient(p.src());
        if (local.isPresent()) {
            local.get().send(Packets.errS2cFailed(p.dst()));
            return;
        }
        relayFailure(p.dst(), p.src(), config.federation().maxHops());
    }

    /**
     * Passes a delivery failure on towards the server of {@code src}; in cluster mode a {@code src} of the template
     * with no holder here is another node's client: the failure crosses NATS to it (a hop not counted).
     */
    void relayFailure(Vip dst, Vip src, int hopLimit) {
        io.dosp.server.internal.cluster.ClusterNode c = cluster;
        if (c != null && config.template().contains(src)) {
            c.failedRemotely(dst, src);
            return;
        }
        forwarder.sendFailure(dst, src, hopLimit);
    }

    /** The peer {@code address} ({@code host:port}) proved the mesh key on its link to us: link back, or advertise to it now. */
    void peerJoined(String address, String host, int peerPort) {
        PeerLink ours = forwarder.link(address);
        if (ours == null) {
            if (!stopping) {
                addPeer(PeerSpec.of(host, peerPort)); // our direction of the link
            }
        } else {
            advertiseTo(ours); // the peer (re)joined: tell it our routes now, not at the next heartbeat
        }
    }

    /** An advertisement over the authenticated link from {@code via}: replaces what it offered before. */
    void advertised(String via, Advertisement ad) {
        if (routes.replace(via, ad)) {
            LOG.info("Routes changed after an advertisement from {}: {}", log.text(via), routes.routes().size());
            advertiseAll();
        }
    }

    /**
     * A peer of this build linked to us two-way: we advertise and forward over it as over our own
     * links. A link from the same peer that was already there is replaced (EXIT to it).
     */
    void incomingUp(IncomingLink l) {
        IncomingLink old = forwarder.addIncoming(l);
        if (old != null) {
            LOG.info("Peer {} linked to us again: its older link is closed", log.text(l.address));
            old.session.disconnect(io.dosp.protocol.ServerExitReason.PEER_REPLACED);
        }
        if (stopping) {
            l.session.disconnect(io.dosp.protocol.ServerExitReason.SHUTTING_DOWN);
            return;
        }
        if (routes.refresh()) {
            advertiseAll();
        } else {
            advertiseTo(l);
        }
        peerLinks.changed(l.address);
    }

    /** A two-way link a peer opened to us closed: unless another link to that peer is up, the routes it taught us go. */
    void incomingDown(IncomingLink l) {
        if (!forwarder.removeIncoming(l)) {
            return; // replaced by a newer link from the same peer
        }
        boolean changed = forwarder.channel(l.address) == null ? routes.dropVia(l.address, false) : routes.refresh();
        LOG.atInfo().setMessage("Peer {} link to us closed{}").addArgument(log.text(l.address))
                .addArgument(changed ? ": its routes withdrawn" : "")
                .addKeyValue("event", "peer_link_down").addKeyValue("peer", log.text(l.address))
                .addKeyValue("direction", "incoming").log();
        if (changed) {
            advertiseAll();
        }
        peerLinks.changed(l.address);
    }

    /** A PING over a two-way link a peer opened to us: the peer's heartbeat, our re-advertisement to it. */
    void incomingHeartbeat(IncomingLink l) {
        advertiseTo(l);
    }

    /** The authenticated link from {@code via} to us closed: its routes go. */
    void incomingClosed(String via) {
        if (routes.dropVia(via, false)) {
            LOG.atInfo().setMessage("Peer {} link to us closed: its routes withdrawn").addArgument(log.text(via))
                    .addKeyValue("event", "peer_link_down").addKeyValue("peer", log.text(via)).log();
            advertiseAll();
        }
    }

    private void advertiseTo(LinkChannel l) {
        if (l.extended() && l.usable()) {
            byte[] cf = clusters.frame();
            if (cf != null && l.twoWay()) {
                l.send(LinkFrames.ext(ClusterLinks.KIND, cf)); // before the SD on the same link: read first
            }
            if (clusters.isOwnNode(l.peer())) {
                return; // another node of our cluster: it owns our template too and reaches our clients over NATS
            }
            l.send(Packets.sd(routes.advertisementFor(l.peer(), config.advertisedHost(), port)));
        }
    }

    /** Our table to every peer, over every link (both, when two join us to the same peer: either may carry traffic). */
    private void advertiseAll() {
        forwarder.channels().forEach(this::advertiseTo);
        announceRoutes();
    }

    /**
     * Cluster mode: tells the other nodes which templates this node's links reach now. Serialized, and the routes read
     * inside, so the last call after a change hands over the current routes (never an older list overtaking a newer).
     */
    private void announceRoutes() {
        io.dosp.server.internal.cluster.ClusterNode c = cluster;
        if (c != null) {
            synchronized (announceLock) {
                c.routes(routes.routes().stream().map(RoutingTable.Route::template).toList());
            }
        }
    }

    // ---- status ----

    /** Links now. */
    public List<PeerStatus> peers() {
        List<PeerStatus> out = new ArrayList<>();
        for (PeerLink l : forwarder.links()) {
            int via = (int) routes.routes().stream().filter(r -> r.via().equals(l.address)).count();
            out.add(new PeerStatus(l.address, l.state().name(), l.extended(), via, l.forwarded.get(), l.dropped.get(),
                    l.reconnects.get(), l.lastError(), l.mode() + clusterNote(l.address), PeerStatus.OUTGOING, l.twoWay()));
        }
        for (IncomingLink l : forwarder.incomingLinks()) {
            int via = (int) routes.routes().stream().filter(r -> r.via().equals(l.address)).count();
            out.add(new PeerStatus(l.address, l.usable() ? "UP" : "DOWN", true, via, l.forwarded.get(), l.dropped.get(), 0,
                    "", (l.session.tls() ? "mesh key proven, over TLS" : "mesh key proven") + clusterNote(l.address),
                    PeerStatus.INCOMING, true));
        }
        out.sort(Comparator.comparing(PeerStatus::address).thenComparing(PeerStatus::direction, Comparator.reverseOrder()));
        return out;
    }

    private String clusterNote(String address) {
        io.dosp.server.internal.cluster.ClusterIdentity c = clusters.of(address);
        return c == null ? "" : "; node of cluster " + log.text(c.name());
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
        return forwarder.dropCounters();
    }

    /** What our outgoing links report back. */
    private final class LinkEvents implements PeerLink.Owner {
        @Override
        public byte[] serverId() {
            return forwarder.serverId();
        }

        @Override
        public EventLoopGroup group() {
            return group;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public boolean stopping() {
            return stopping;
        }

        @Override
        public void up(PeerLink l) {
            if (routes.refresh()) {
                advertiseAll();
            } else {
                advertiseTo(l);
            }
            peerLinks.changed(l.address);
        }

        @Override
        public void down(PeerLink l) {
            // A two-way link taught us its routes itself: they go with it unless another link to the peer is up.
            // A one-way link's routes came over the peer's link to us and stay while that one does.
            boolean changed = l.twoWay() && forwarder.channel(l.address) == null ? routes.dropVia(l.address, false)
                    : routes.refresh();
            peerLinks.changed(l.address);
            if (changed) {
                LOG.atInfo().setMessage("Peer link to {} down: routes through it withdrawn").addArgument(log.text(l.address))
                        .addKeyValue("event", "peer_link_down").addKeyValue("peer", log.text(l.address))
                        .addKeyValue("routes", routes.routes().size()).log();
                advertiseAll();
            }
        }

        @Override
        public void heartbeat(PeerLink l) {
            advertiseTo(l); // periodic re-advertisement keeps routes fresh after any loss
        }

        @Override
        public void lost(S2cPacket original) {
            failed(original);
        }

        @Override
        public void linkFrameBack(PeerLink l, SimplePacket p) {
            IncomingLinks.LinkPeer back = l.back();
            IncomingLinks in = inbound;
            if (back == null || in == null) {
                LOG.debug("Peer {} sent frame 0x{} back over our one-way link; ignoring it", log.text(l.address),
                        Integer.toHexString(p.typeCode()));
                return;
            }
            try {
                switch (p.typeCode()) {
                    case LinkFrames.FWD -> in.onForwarded(back, LinkFrames.parseFwd(p));
                    case LinkFrames.FWD_FAIL -> in.onFailure(LinkFrames.parseFwdFail(p));
                    case LinkFrames.EXT -> peerLinks.dispatch(l.address, p);
                    default -> { // SD; a removed link's routes are gone for good, whatever is still in flight
                        if (l.state() != PeerLink.State.REMOVED) {
                            in.advertisedOn(back, Advertisement.decode(p.body()));
                        }
                    }
                }
            } catch (io.dosp.protocol.ProtocolException e) {
                // Not answered: an ERR over our link would only be answered with another by the peer.
                if (backLog.allow()) {
                    LOG.warn("Peer {} sent a malformed frame 0x{} over our two-way link: {}{}", log.text(l.address),
                            Integer.toHexString(p.typeCode()), log.text(e.getMessage()), backLog.heldBackNote());
                }
            }
        }
    }
}
