package io.dosp.server;

import java.time.Instant;
import java.util.Map;

/**
 * Server-wide counters at a moment.
 *
 * @param startedAt           when the server started
 * @param clientsConnected    clients connected now
 * @param connectionsAccepted connections accepted since start (including those refused right after)
 * @param packetsIn           packets received from clients
 * @param packetsOut          packets queued to clients
 * @param bytesIn             bytes received (uncompressed frames)
 * @param bytesOut            bytes queued (uncompressed frames)
 * @param drops               what was refused or dropped, per reason (zero counts included); the S2C answered
 *                            with ERR S2CF because the queue they waited in was dropped are
 *                            {@link DropReason#QUEUED_AT_CLOSE}
 * @param flow                paused senders and the memory budget
 * @param guard               what the guards against abusive clients did (memory held for unfinished
 *                            frames, AUTH attempts checked and refused, log lines held back, FN calls,
 *                            inflate work, metered replies)
 * @param extensions          what the server did for this project's client extensions (peer-gone notices)
 * @param network             the network directory's size and counters (groups, names, presence)
 */
public record ServerStats(Instant startedAt, int clientsConnected, long connectionsAccepted, long packetsIn,
        long packetsOut, long bytesIn, long bytesOut, Map<DropReason, Long> drops, FlowStats flow, GuardStats guard,
        ExtensionStats extensions, NetworkStats network) {

    /** Copies the map. */
    public ServerStats {
        drops = Map.copyOf(drops);
    }

    /** The count for one reason. */
    public long drops(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }
}
