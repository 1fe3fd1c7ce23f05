package io.dosp.server.internal.cluster;

import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.session.ClientSession;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * This server as one node of a cluster: the hooks the server calls where a single server would use its own
 * vIP table alone. Thread-safe. No method blocks: the ones that need the cluster's registry return a future,
 * completed on a thread of the cluster's (the caller hands the result back to its event loop).
 */
public interface ClusterNode extends AutoCloseable {

    /**
     * Claims a free vIP of the template cluster-wide for a new connection; completes with it, or exceptionally
     * with a {@link ClusterUnavailableException} (registry unreachable, template full) whose message is the
     * refusal's EXIT text. The caller binds it with {@code VipTable.bindClaimed} or gives it back with
     * {@link #released}.
     */
    CompletableFuture<Vip> allocate();

    /**
     * Claims {@code wanted} cluster-wide for an RQIP (the caller checked it locally first); completes with null
     * when claimed, else with the {@code E:} reason of the RQIP reply (held elsewhere, cluster unavailable).
     */
    CompletableFuture<String> claim(Vip wanted);

    /** This node gave {@code vip} up (its holder left or moved): its claim is released cluster-wide. */
    void released(Vip vip);

    /**
     * Routes an S2C whose DST lies in the template but has no holder on this node to the node that holds it;
     * {@code sender} is the local client it came from (null: none), called on its event loop. Never blocks.
     * {@link RouteResult#NO_ROUTE} when no live node holds DST.
     */
    RouteResult forward(S2cPacket packet, ClientSession sender);

    /** Every vIP claimed in the cluster now (this node's mirror of the registry), in ascending order. */
    List<Vip> vips();

    // ------------------------------------------------------------------ network directory (groups, names, presence)

    /**
     * The links the network directory uses on this node: {@code federation}'s (a server's peer links, or
     * {@code NetLinks.NONE}) plus one to every other live node of the cluster, so that every node is an origin of
     * the directory and the nodes share groups, names and presence (docs/cluster.md "Groups, names and presence").
     * Called once, while the server is built. By default only {@code federation}'s.
     */
    default io.dosp.server.internal.network.NetLinks networkLinks(io.dosp.server.internal.network.NetLinks federation) {
        return federation;
    }

    /** Leaves the cluster: gives this node's claims back, stops its subscriptions, closes its connection. */
    @Override
    void close();
}
