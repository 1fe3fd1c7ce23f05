package io.dosp.server.internal.routing;

import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.RemoteContacts;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The router of one server: local clients from the {@link VipTable}, everything outside the
 * template through the remote route when federation is on. Thread-safe (the table's lookups are
 * lock-free); called from every event loop.
 */
public final class ServerRouter implements Router {
    private final VipTable<ClientSession> vips;
    private final Optional<RemoteRoute> remote;
    private final Predicate<ClientSession> routable;
    /** Cluster mode: the other nodes' holders of the template's vIPs. */
    private final Optional<ClusterNode> cluster;
    private final RemoteContacts remoteContacts;

    /** Routes to the holders in {@code vips}, and through {@code remote} (when present) outside its template. */
    public ServerRouter(VipTable<ClientSession> vips, Optional<RemoteRoute> remote) {
        this(vips, remote, s -> true, new RemoteContacts(), Optional.empty());
    }

    /**
     * A router that delivers only to holders {@code routable} accepts (client admission: those that logged in);
     * anything for another holder is {@link RouteResult#NOT_ALLOWED}, whoever sent it (a client, a peer link). S2C
     * exchanged between a local client and a remote vIP is recorded in {@code remoteContacts} (peer-gone across
     * federation).
     */
    public ServerRouter(VipTable<ClientSession> vips, Optional<RemoteRoute> remote, Predicate<ClientSession> routable,
            RemoteContacts remoteContacts) {
        this(vips, remote, routable, remoteContacts, Optional.empty());
    }

    /**
     * As above, as a node of {@code cluster} when present: a DST of the template with no holder here goes to the
     * node that holds it.
     */
    public ServerRouter(VipTable<ClientSession> vips, Optional<RemoteRoute> remote, Predicate<ClientSession> routable,
            RemoteContacts remoteContacts, Optional<ClusterNode> cluster) {
        this.cluster = cluster;
        this.vips = vips;
        this.remote = remote;
        this.routable = routable;
        this.remoteContacts = remoteContacts;
    }

    @Override
    public RouteResult route(S2cPacket packet, int hopLimit, String fromPeer) {
        return route(packet, hopLimit, fromPeer, null);
    }

    @Override
    public RouteResult route(S2cPacket packet, int hopLimit, String fromPeer, ClientSession sender) {
        ClientSession target = vips.holder(packet.dstValue());
        if (target != null) {
            if (!routable.test(target)) {
                return RouteResult.NOT_ALLOWED;
            }
            RouteResult r = target.deliver(packet, sender);
            if (r == RouteResult.DELIVERED) {
                if (sender != null) {
                    ClientSession.exchanged(sender, target); // for peer-gone notices
                } else if (fromPeer != null) {
                    ClientSession.exchangedRemote(target, packet.srcValue(), remoteContacts); // across federation
                }
            }
            return r;
        }
        if (cluster.isEmpty() && remote.isEmpty()) {
            return RouteResult.NO_ROUTE;
        }
        boolean inTemplate = vips.contains(packet.dstValue()); // once: the cluster owns the template, peers the rest
        if (inTemplate) {
            return cluster.isPresent() ? cluster.get().forward(packet, sender) : RouteResult.NO_ROUTE;
        }
        if (remote.isPresent()) {
            RouteResult r = remote.get().forward(packet, hopLimit, fromPeer);
            if (r == RouteResult.NO_ROUTE && sender != null && cluster.isPresent()) {
                r = cluster.get().forwardOut(packet, sender); // no link of ours routes it: a node whose link does
            }
            if (sender != null && r == RouteResult.DELIVERED) {
                ClientSession.exchangedRemote(sender, packet.dstValue(), remoteContacts);
            }
            return r;
        }
        return RouteResult.NO_ROUTE;
    }

    @Override
    public Optional<ClientSession> localClient(Vip vip) {
        return vips.holder(vip);
    }

    @Override
    public void detach(ClientSession link) {
        vips.detach(link.vip(), link);
    }

    /**
     * Sends MSG {@code text} to every client but {@code except} (may be null); returns how many got it.
     * The admin who broadcasts is never paused for a slow client (one MSG per client is bounded).
     */
    public int broadcast(String text, ClientSession except) {
        SimplePacket msg = Packets.msg(text);
        int n = 0;
        for (ClientSession s : vips.holders()) {
            if (s != except && routable.test(s) && s.deliver(msg, null) == RouteResult.DELIVERED) {
                n++;
            }
        }
        return n;
    }
}
