package io.dosp.cluster;

/**
 * What one cluster node has done since it joined: vIP claims in the registry and S2C between nodes. Every frame
 * this node sent to another node is in {@code framesSent}; one that NATS refused or discarded (outgoing queue full,
 * connection lost) is in {@code framesDiscarded} and its sender got ERR S2CF. Frames that reached this node for a
 * vIP it no longer holds are in {@code failuresReturned}, each answered to its sender's node.
 *
 * @param claims vIPs claimed in the registry (connects and RQIP)
 * @param claimConflicts candidates another node had claimed first (tried the next one)
 * @param releases claims given back
 * @param framesSent S2C frames published to other nodes
 * @param batchesSent NATS messages those frames went in
 * @param framesReceived S2C frames received from other nodes
 * @param framesDiscarded frames NATS did not take (each answered with ERR S2CF to its local sender)
 * @param failuresReturned received frames this node could not deliver, reported back to their sender's node
 * @param failuresReceived failures other nodes reported back, delivered as ERR S2CF to local senders
 * @param incomingDropped NATS messages from other nodes this node's subscription dropped as a slow consumer (more than
 *                        65,536 messages or 64 MiB waiting): their frames are lost and their senders are not told
 * @param liveNodes nodes whose liveness key this node saw at its last poll (itself included)
 * @param orphaned vIP entries of gone nodes this node, as the janitor, marked {@code orphan}
 * @param reclaimed orphan entries this node, as the janitor, deleted after the grace (free for anybody again)
 * @param reclaimedOwn entries of this node's own sessions orphaned or deleted while it was cut off that it claimed
 *                     back (compare-and-set) when it could write again
 * @param fenced local sessions closed with EXIT "moved" because another node holds their vIP now
 * @param refusedUnavailable new clients (and RQIPs) refused with "cluster unavailable": this node could not write
 *                           to the cluster's KV (minority side of a partition, or cut off)
 * @param janitorRuns rounds this node ran as the janitor (holding the lock, past its quiet period)
 * @param reRegistrations times this node found its liveness key expired and registered again with a new epoch
 * @param framesToGoneNode S2C frames answered with ERR S2CF at once because their DST's node is gone, silent for 2L/3,
 *                         or its entry orphan (instead of being published to a subject nobody may read)
 * @param framesSentToDeadNode frames published to a node after the last liveness put this node saw from it, for nodes
 *                             that then turned out dead (key expired): an upper bound of the frames lost with them
 *                             without an ERR S2CF (the window is at most 2L/3 plus one poll, see docs/cluster.md)
 */
public record ClusterStats(long claims, long claimConflicts, long releases, long framesSent, long batchesSent,
        long framesReceived, long framesDiscarded, long failuresReturned, long failuresReceived, long incomingDropped,
        int liveNodes, long orphaned, long reclaimed, long reclaimedOwn, long fenced, long refusedUnavailable,
        long janitorRuns, long reRegistrations, long framesToGoneNode, long framesSentToDeadNode) {
}
