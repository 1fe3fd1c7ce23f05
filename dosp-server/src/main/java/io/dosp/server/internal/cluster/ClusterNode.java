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
