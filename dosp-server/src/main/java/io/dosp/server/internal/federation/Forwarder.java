package io.dosp.server.internal.federation;

import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.routing.RemoteRoute;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way to remote templates: the routing table, our outgoing peer links and the two-way links
 * peers opened to us (both by the peer's key), forwarding S2C and delivery failures over them.
 * When two links join us to the same peer (both dialed), both sides use the one dialed by the
 * server with the lower server id while it is up, else the other ({@link #channel}). Needs no
 * router, so the router can be built with it. Thread-safe.
 */
public final class Forwarder implements RemoteRoute {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final ConcurrentHashMap<String, PeerLink> links = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, IncomingLink> incoming = new ConcurrentHashMap<>();
    private final byte[] serverId = LinkFrames.random(LinkFrames.ID_LENGTH);
    private final RoutingTable routes;
    private final AtomicLong noRoute = new AtomicLong();
    private final AtomicLong hopLimitDrops = new AtomicLong();

    /** Routes for the federation of {@code config} (own template, hop and route limits); peers' strings logged through {@code log}. */
    public Forwarder(ServerConfig config, PeerLog log) {
        this.routes = new RoutingTable(config.template(), config.federation().maxHops(), config.federation().maxRoutes(),
                via -> channel(via) != null, log);
    }

    /** Our server id in link handshakes (random per start). */
    byte[] serverId() {
        return serverId;
    }

    /**
     * The link to send to {@code peer} over: the usable one, or of two usable ones (both servers dialed)
     * the one dialed by the server with the lower server id, which the peer picks too; null when none is up.
     */
    LinkChannel channel(String peer) {
        PeerLink out = links.get(peer);
        IncomingLink in = incoming.get(peer);
        boolean outUp = out != null && out.usable();
        boolean inUp = in != null && in.usable();
        if (outUp && inUp) {
            byte[] theirs = out.peerId();
            return theirs == null || java.util.Arrays.compareUnsigned(serverId, theirs) < 0 ? out : in;
        }
        return outUp ? out : inUp ? in : null;
    }

    /** The usable two-way link to {@code peer} (what {@link PeerLinks} sends over), or null. */
    LinkChannel twoWayChannel(String peer) {
        LinkChannel c = channel(peer);
        if (c != null && c.twoWay()) {
            return c;
        }
        // the preferred link is one-way (cannot happen between two builds of ours) - try the other
        IncomingLink in = incoming.get(peer);
        return in != null && in.usable() ? in : null;
    }

    /** Every link: ours, then the two-way links peers opened to us. */
    List<LinkChannel> channels() {
        List<LinkChannel> all = new ArrayList<>(links.values());
        all.addAll(incoming.values());
        return all;
    }

    IncomingLink incoming(String peer) {
        return incoming.get(peer);
    }

    Collection<IncomingLink> incomingLinks() {
        return incoming.values();
    }

    /** Registers a two-way link a peer opened to us; returns the one it replaces (same peer, older), or null. */
    IncomingLink addIncoming(IncomingLink l) {
        return incoming.put(l.address, l);
    }

    /** Forgets {@code l} (its session closed) unless a newer link from the same peer replaced it; true when removed. */
    boolean removeIncoming(IncomingLink l) {
        return incoming.remove(l.address, l);
    }

    RoutingTable routes() {
        return routes;
    }

    PeerLink link(String address) {
        return links.get(address);
    }

    Collection<PeerLink> links() {
        return links.values();
    }

    void linkIfAbsent(String address, Function<String, PeerLink> newLink) {
        links.computeIfAbsent(address, newLink);
    }

    PeerLink unlink(String address) {
        return links.remove(address);
    }

    /** Forwards an S2C whose DST is not local; never back over {@code fromPeer}, nor into the cluster it is a node of. */
    @Override
    public RouteResult forward(S2cPacket p, int hopLimit, String fromPeer) {
        RoutingTable.Route r = routes.lookup(p.dst());
        if (r == null || r.via().equals(fromPeer) || routes.sameServer(r.via(), fromPeer)) {
            noRoute.incrementAndGet();
            return RouteResult.NO_ROUTE;
        }
        if (hopLimit <= 0) {
            hopLimitDrops.incrementAndGet();
            return RouteResult.NO_ROUTE;
        }
        LinkChannel link = channel(r.via());
        if (link == null) {
            noRoute.incrementAndGet();
            return RouteResult.NO_ROUTE;
        }
        boolean ok = link.forward(link.extended() ? LinkFrames.fwd(p, hopLimit - 1) : p, p);
        if (ok) {
            link.countForwarded();
        }
        return ok ? RouteResult.DELIVERED : RouteResult.OVERLOADED;
    }

    /** Tells the server of {@code src} that {@code dst} is unreachable (FWD_FAIL), when the links can carry it. */
    void sendFailure(Vip dst, Vip src, int hopLimit) {
        RoutingTable.Route r = routes.lookup(src);
        LinkChannel link = r == null ? null : channel(r.via());
        if (link == null || !link.extended() || hopLimit <= 0) {
            LOG.debug("Cannot report undeliverable {} -> {} back to the sender's server", src, dst);
            return;
        }
        link.send(LinkFrames.fwdFail(dst, src, hopLimit - 1));
    }

    /** S2C that found no route, and S2C dropped at the hop limit. */
    long[] dropCounters() {
        return new long[] {noRoute.get(), hopLimitDrops.get()};
    }
}
