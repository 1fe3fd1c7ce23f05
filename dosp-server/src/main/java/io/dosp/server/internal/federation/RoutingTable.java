package io.dosp.server.internal.federation;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.internal.PeerLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes to remote vIP templates: the lowest hop count per template, learned from peers'
 * advertisements (each a full table that replaces what that peer said before) or from static
 * peer configuration. Thread-safe (synchronized; routes change rarely, lookups are short).
 */
final class RoutingTable {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingTable.class);

    /**
     * A route: {@code template} is {@code hops} links away through the peer at {@code via}.
     *
     * @param ownerHost the owning server's advertised host
     * @param ownerPort the owning server's port
     * @param isStatic  configured, not learned (kept until the peer is removed)
     */
    record Route(VipTemplate template, int hops, String via, String ownerHost, int ownerPort, boolean isStatic) {
    }

    private final VipTemplate own;
    private final int maxHops;
    private final int maxRoutes;
    /** Everything each peer offers, per template; the best per template is chosen from these. */
    private final Map<String, Map<VipTemplate, Route>> offers = new LinkedHashMap<>();
    private final Set<VipTemplate> clashesLogged = new HashSet<>();
    private volatile List<Route> best = List.of();

    private final Predicate<String> usable;
    private final PeerLog log;
    /** The server behind a peer: the peer itself, or its cluster when it is a node of one ({@link ClusterLinks}). */
    private volatile java.util.function.UnaryOperator<String> serverOf = java.util.function.UnaryOperator.identity();

    RoutingTable(VipTemplate own, int maxHops, int maxRoutes, Predicate<String> usable) {
        this(own, maxHops, maxRoutes, usable, PeerLog.defaults());
    }

    /** Routes for a server owning {@code own}; peers' host names reach log lines through {@code log}. */
    RoutingTable(VipTemplate own, int maxHops, int maxRoutes, Predicate<String> usable, PeerLog log) {
        this.usable = usable;
        this.log = log;
        this.own = own;
        this.maxHops = maxHops;
        this.maxRoutes = maxRoutes;
    }

    /**
     * Names the server behind each peer (the peers of one cluster name the same): those peers count as one server
     * (no template clash between them, split horizon across them). Call {@link #refresh} after it changes.
     */
    void serverOf(java.util.function.UnaryOperator<String> serverOf) {
        this.serverOf = serverOf;
    }

    /** Whether the peers {@code a} and {@code b} lead to one server (the same peer, or nodes of one cluster). */
    boolean sameServer(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        if (a.equals(b)) {
            return true;
        }
        java.util.function.UnaryOperator<String> f = serverOf;
        return f.apply(a).equals(f.apply(b));
    }

    /** The best route for {@code dst}, or null. */
    Route lookup(Vip dst) {
        for (Route r : best) {
            if (r.template().contains(dst)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Whether {@code via} offers (advertised, or was configured with) a template holding {@code src}:
     * then S2C from that peer may carry that SRC.
     */
    synchronized boolean offers(String via, Vip src) {
        Map<VipTemplate, Route> m = offers.get(via);
        if (m == null) {
            return false;
        }
        for (VipTemplate t : m.keySet()) {
            if (t.contains(src)) {
                return true;
            }
        }
        return false;
    }

    /** The fewest-hop route any peer offers for {@code dst}, usable or not (to say why none is); or null. */
    synchronized Route lookupAny(Vip dst) {
        Route best = null;
        for (Map<VipTemplate, Route> m : offers.values()) {
            for (Route r : m.values()) {
                if (r.template().contains(dst) && (best == null || r.hops() < best.hops())) {
                    best = r;
                }
            }
        }
        return best;
    }

    /** The current best routes, by template. */
    List<Route> routes() {
        return best;
    }

    /** Sets a static route (hop 1) through a configured peer. */
    synchronized boolean putStatic(String via, VipTemplate t, String host, int port) {
        offers.computeIfAbsent(via, k -> new HashMap<>()).put(t, new Route(t, 1, via, host, port, true));
        return recompute();
    }

    /**
     * Replaces what {@code via} offers with its advertisement. Returns whether the best routes changed.
     * Entries for our own template (a clash) or past the hop limit are ignored.
     */
    synchronized boolean replace(String via, Advertisement ad) {
        Map<VipTemplate, Route> mine = new HashMap<>();
        Map<VipTemplate, Route> old = offers.get(via);
        if (old != null) {
            old.values().stream().filter(Route::isStatic).forEach(r -> mine.put(r.template(), r));
        }
        for (Advertisement.Entry e : ad.entries()) {
            VipTemplate t = e.template();
            int hops = e.hopCount() + 1;
            if (t.equals(own) || overlaps(t, own)) {
                if (e.hopCount() == 0) {
                    LOG.warn("Template clash: peer {} says {} ({}:{}) owns {}, which is this server's; ignoring it",
                            log.text(via), log.text(e.host()), e.port(), t);
                }
                continue;
            }
            if (hops > maxHops) {
                continue;
            }
            Route existing = mine.get(t);
            if (existing == null || hops < existing.hops()) {
                mine.put(t, new Route(t, hops, via, e.host(), e.port(), false));
            }
        }
        offers.put(via, mine);
        return recompute();
    }

    /** Forgets everything learned from {@code via} (the link went down); static routes stay unless {@code all}. */
    synchronized boolean dropVia(String via, boolean all) {
        Map<VipTemplate, Route> old = offers.get(via);
        if (old == null) {
            return false;
        }
        if (all) {
            offers.remove(via);
        } else {
            old.values().removeIf(r -> !r.isStatic());
        }
        return recompute();
    }

    /** Re-chooses routes after a link came up or went down; returns whether they changed. */
    synchronized boolean refresh() {
        return recompute();
    }

    private boolean recompute() {
        Map<VipTemplate, Route> chosen = new HashMap<>();
        for (Map.Entry<String, Map<VipTemplate, Route>> offer : offers.entrySet()) {
            if (!usable.test(offer.getKey())) {
                continue; // offers are kept, but only peers we can send to carry traffic
            }
            for (Route r : offer.getValue().values()) {
                Route cur = chosen.get(r.template());
                if (cur == null || r.hops() < cur.hops()) {
                    chosen.put(r.template(), r);
                } else if (cur.hops() == 1 && r.hops() == 1 && !sameServer(cur.via(), r.via())
                        && clashesLogged.add(r.template())) {
                    // Peers are kept in the order they were first heard from: the first owner wins.
                    LOG.warn("Template clash: {} is owned by both {} and {}; keeping {}", r.template(), log.text(cur.via()),
                            log.text(r.via()), log.text(cur.via()));
                }
            }
        }
        List<Route> next = new ArrayList<>(chosen.values());
        next.sort(Comparator.comparing((Route r) -> r.template().toString()));
        if (next.size() > maxRoutes) {
            LOG.warn("{} routes exceed the limit of {}; keeping the shortest", next.size(), maxRoutes);
            next.sort(Comparator.comparingInt(Route::hops));
            next = new ArrayList<>(next.subList(0, maxRoutes));
        }
        boolean changed = !next.equals(best);
        best = List.copyOf(next);
        return changed;
    }

    private static boolean overlaps(VipTemplate a, VipTemplate b) {
        return a.contains(b.base()) || b.contains(a.base());
    }

    /**
     * What to tell {@code peer}: our own template at hop 0, and every best route not learned from
     * {@code peer} (split horizon) at its hop count. When {@code peer} is a node of a cluster, nothing learned from
     * any node of that cluster goes back to it (split horizon for the cluster as one server).
     */
    Advertisement advertisementFor(String peer, String ownHost, int ownPort) {
        List<Advertisement.Entry> entries = new ArrayList<>();
        entries.add(new Advertisement.Entry(ownHost, ownPort, own, 0));
        for (Route r : best) {
            if (!sameServer(r.via(), peer) && r.hops() < maxHops && entries.size() < Advertisement.MAX_ENTRIES) {
                entries.add(new Advertisement.Entry(r.ownerHost(), r.ownerPort(), r.template(), r.hops()));
            }
        }
        return new Advertisement(entries);
    }
}
