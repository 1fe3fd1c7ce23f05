package io.dosp.cluster;

/**
 * The network directory's traffic between this node and the other nodes (groups, names and presence across the
 * cluster; docs/cluster.md "Groups, names and presence"), in NATS messages. What the directory floods is published
 * once on {@code dosp.<C>.net} for every node; what is meant for one node goes on {@code dosp.<C>.net.<id>}. A lost
 * directory UPDATE or snapshot is repaired by the directory itself (HEADS every 5 s, SYNC_REQUEST on a gap); a lost
 * group message is not (it is in {@code discarded} on the sending node, or {@code incomingDropped} on the receiving
 * one).
 *
 * @param published messages this node published (floods once, frames for one node, its ID and leave notices)
 * @param received directory frames from linked nodes handed to the directory
 * @param unlinked frames from a node with no link up yet (or counted as gone): dropped, the node asked for its ID;
 *                 and malformed ID frames
 * @param discarded messages NATS did not take (outgoing queue full, connection lost)
 * @param incomingDropped messages this node's subscription dropped as a slow consumer
 * @param nodesGone links taken down because their node's liveness key was gone (not a clean leave)
 * @param linkedNodes nodes this node's directory has a link to now
 */
public record ClusterNetworkStats(long published, long received, long unlinked, long discarded, long incomingDropped,
        long nodesGone, int linkedNodes) {
    /** Before the node joined, or without a network directory. */
    public static final ClusterNetworkStats NONE = new ClusterNetworkStats(0, 0, 0, 0, 0, 0, 0);
}
