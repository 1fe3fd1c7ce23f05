package io.dosp.server.internal.cluster;

import io.dosp.protocol.Resume;
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

    /**
     * This server listens at {@code hostPort} ({@code host:port}, IPv6 hosts in brackets; called once it is bound, only
     * when the host is not a wildcard): the client address the node advertises to the others unless one was
     * configured. Never blocks.
     */
    default void listening(String hostPort) {
    }

    /**
     * This node starts a planned shutdown (lame duck): it is marked draining cluster-wide, so the other nodes no longer
     * send clients to it; returns the client addresses ({@code host:port}) of the other live nodes that are not
     * draining, from the last poll, to put in the reconnect hint (empty: none known). Never blocks.
     */
    default List<String> drainStarted() {
        return List.of();
    }

    /**
     * The local holder of {@code vip} is about to be sent away by a drain: its registry entry is marked
     * {@code moving} (compare-and-set), so that the client may claim it back on another node with its resume secret,
     * and this node no longer releases it when the session ends (it stays until taken over, or until this node
     * leaves). Completes when the mark is written or failed (never exceptionally: a failed mark leaves the entry
     * held, released as usual).
     */
    default CompletableFuture<Void> moving(Vip vip) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Stores {@code secretHashHex} (the lowercase hex SHA-256 of a resume secret) in the registry entry of
     * {@code vip}, which this node holds (compare-and-set on the entry's revision). Completes true when stored,
     * false when {@code vip} is not this node's claim (any more) or the registry cannot be reached.
     */
    CompletableFuture<Boolean> resumable(Vip vip, String secretHashHex);

    /**
     * Takes {@code vip} over for a client that proves its resume {@code secret} (checked in constant time against the
     * hash in the entry): allowed when the entry is {@code orphan} or {@code moving}, or {@code held} by a node that is
     * not live; done with a compare-and-set update of the entry, which then names this node, with
     * {@code newSecretHashHex} as its resume hash. An absent entry is claimed as by RQIP. Completes with null when the
     * vIP is this node's claim now (the caller binds it, or gives it back with {@link #released}), else with why not.
     */
    CompletableFuture<Resume.Failed> takeOver(Vip vip, byte[] secret, String newSecretHashHex);

    /**
     * The cluster's identity in peer links (docs/cluster.md "Federation with a cluster"): every node of one cluster
     * returns the same; null when this implementation has none (then peers see each node as a server of its own).
     */
    default ClusterIdentity identity() {
        return null;
    }

    /**
     * A delivery failure for {@code src}, a vIP of the template, arrived from a peer server (FWD_FAIL) with no local
     * holder of {@code src}: passes it to the node holding {@code src}, whose client gets ERR S2CF for {@code dst}.
     * Never blocks; dropped (debug log) when no live node holds {@code src}.
     */
    default void failedRemotely(Vip dst, Vip src) {
    }

    /**
     * Where this node sends the failures of frames it carried for a sender outside the template (a peer server's
     * client whose S2C arrived over a peer link and could not be delivered on the node holding DST): federation
     * passes each towards the sender's server ({@code dst}, {@code src}). Set once, before traffic flows.
     */
    default void remoteSenderFailures(java.util.function.BiConsumer<Vip, Vip> handler) {
    }

    /**
     * The templates of other servers this node has federation routes to now (its best routes; called when they
     * change): other nodes without a route of their own hand S2C for them to this node.
     */
    default void routes(List<io.dosp.protocol.VipTemplate> templates) {
    }

    /**
     * Routes an S2C from local client {@code sender} whose DST lies outside the template and for which this node has
     * no federation route to another node that has one (called on the sender's event loop; never blocks).
     * {@link RouteResult#NO_ROUTE} when no live node announced a route to DST.
     */
    default RouteResult forwardOut(S2cPacket packet, ClientSession sender) {
        return RouteResult.NO_ROUTE;
    }

    /**
     * How this node sends on S2C another node handed it for a DST outside the template ({@link #forwardOut} there):
     * over its own federation links only, never back over the cluster. Set once, before traffic flows.
     */
    default void outboundRoute(java.util.function.Function<S2cPacket, RouteResult> route) {
    }

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
