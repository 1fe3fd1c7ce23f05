package io.dosp.server.internal.federation;

import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.routing.RemoteRoute;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way to remote templates: the routing table and our outgoing peer links (by {@code ip:port}),
 * forwarding S2C and delivery failures over them. Needs no router, so the router can be built
 * with it. Thread-safe.
 */
public final class Forwarder implements RemoteRoute {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final ConcurrentHashMap<String, PeerLink> links = new ConcurrentHashMap<>();
    private final RoutingTable routes;
    private final AtomicLong noRoute = new AtomicLong();
    private final AtomicLong hopLimitDrops = new AtomicLong();

    /** Routes for the federation of {@code config} (own template, hop and route limits); peers' strings logged through {@code log}. */
    public Forwarder(ServerConfig config, PeerLog log) {
        this.routes = new RoutingTable(config.template(), config.federation().maxHops(), config.federation().maxRoutes(), via -> {
            PeerLink l = links.get(via);
            return l != null && l.state() == PeerLink.State.UP;
        }, log);
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

    /** Forwards an S2C whose DST is not local; never back over {@code fromPeer}. */
    @Override
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

    /** Tells the server of {@code src} that {@code dst} is unreachable (FWD_FAIL), when the links can carry it. */
    void sendFailure(Vip dst, Vip src, int hopLimit) {
        RoutingTable.Route r = routes.lookup(src);
        PeerLink link = r == null ? null : links.get(r.via());
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
