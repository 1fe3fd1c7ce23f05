package io.dosp.server.internal.cluster;

import io.dosp.protocol.Vip;
import io.dosp.server.internal.session.Principal;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What this server does when another node of its cluster asks (helper {@code ops}: admin commands, broadcasts and
 * access lists cluster-wide). Implemented by the server, handed to {@link ClusterNode#serve} once the server is
 * built; called on the cluster's threads (never an event loop's), so an implementation must not block for long.
 */
public interface ClusterServices {

    /**
     * Runs the admin command {@code line} on this node only (its own clients, its own counters), as the owner of a
     * vIP or as one node of a scatter-gather; completes with the reply text ({@code ERR:...} on failure).
     */
    CompletableFuture<String> command(String line);

    /** Sends MSG {@code text} to every routable client of this node; returns how many got it. */
    int broadcast(String text);

    /**
     * Client admission: the vIPs of this node's admitted clients that {@code viewer} (a client logged in on another
     * node) may reach under the grants, for its GCL.
     */
    List<Vip> visibleTo(Principal viewer);

    /**
     * An access-list entry changed in the cluster (by any node, this one included): applies it here, and a ban
     * sends this node's matching clients away. Idempotent: the same change applied twice changes nothing.
     */
    void acl(AclChange change);
}
