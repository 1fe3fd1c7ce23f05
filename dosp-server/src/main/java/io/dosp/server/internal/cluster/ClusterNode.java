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

    // ---- cluster-wide admin, broadcast and access lists (helper ops) ----

    /**
     * Starts answering the other nodes with {@code services} (their admin requests, broadcasts, the access-list
     * bucket): called once, after the server is built and before it listens. Returns once this node's access
     * lists hold every entry of the cluster's bucket (or throws {@link ClusterUnavailableException}).
     */
    void serve(ClusterServices services);

    /** This node's id in the cluster. */
    String nodeId();

    /** The node holding {@code vip} in this node's mirror of the registry; null when none holds it. */
    String ownerOf(Vip vip);

    /**
     * Runs the admin command {@code line} on node {@code node} (the owner of the vIP it names); completes with its
     * reply, or exceptionally with a {@link ClusterUnavailableException} saying why not (no answer within the
     * deadline, node gone). Never blocks.
     */
    CompletableFuture<String> command(String node, String line);

    /**
     * Runs the admin command {@code line} on every other live node, each on its own clients; completes (always
     * normally, within the deadline) with what each answered and which did not answer.
     */
    CompletableFuture<NodeReplies> commandAll(String line);

    /**
     * Publishes MSG {@code text} once to every other node, which each send it to their routable clients;
     * completes (always normally, within the deadline) with each answering node's count as decimal text.
     */
    CompletableFuture<NodeReplies> broadcast(String text);

    /**
     * Client admission: the vIPs of the other nodes' admitted clients that {@code viewer} may reach under the grants
     * (each node answers for its own; a node that does not answer in time adds none); completes normally by the
     * deadline.
     */
    CompletableFuture<List<Vip>> visibleTo(io.dosp.server.internal.session.Principal viewer);

    /**
     * Writes {@code change} to the cluster's access-list bucket; every node (this one too) applies it through
     * {@link ClusterServices#acl}. Completes when written, or exceptionally with a {@link ClusterUnavailableException}.
     */
    CompletableFuture<Void> acl(AclChange change);

    /** Leaves the cluster: gives this node's claims back, stops its subscriptions, closes its connection. */
    @Override
    void close();
}
