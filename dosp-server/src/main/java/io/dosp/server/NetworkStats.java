package io.dosp.server;

/**
 * What the network directory (groups, names, presence across a federation: docs/network.md) holds and did, at a
 * moment. Without federation only {@code origins} and {@code reachableOrigins} (1: this server), {@code clients},
 * {@code entries} and the group and presence counters of its own clients move.
 *
 * @param entries                 directory entries held (clients, memberships, name claims), against the bound
 *                                {@code network.maxDirectoryEntries}
 * @param origins                 servers known to the directory, this one included
 * @param reachableOrigins        of those, the ones reachable now (this one included)
 * @param clients                 clients in the directory of reachable servers, this server's own included
 * @param updates                 directory updates applied from peer links
 * @param duplicates              updates received again (already applied), ignored
 * @param gaps                    gaps in an origin's sequence detected (each answered with a snapshot request)
 * @param snapshots               snapshots applied
 * @param refused                 updates refused (over a bound)
 * @param malformed               malformed directory frames received from peer links
 * @param linkDrops               directory frames a full link queue did not take (repaired by the next HEADS)
 * @param groupMessages           group messages handled (sent here or arriving from a link, first copies)
 * @param groupDuplicates         copies of group messages suppressed (already seen)
 * @param hopLimit                group messages and updates not passed on because of the hop limit
 * @param dedupEvictedYoung       message ids evicted from the duplicate filter before their time (filter full)
 * @param groupDelivered          group messages delivered to local members
 * @param groupMissed             group messages a local member did not get (gone, not a groups client, or its
 *                                queue refused it)
 * @param presenceEvents          presence events sent to local watchers
 * @param remoteContacts          remote vIPs whose local contacts are kept for peer-gone notices across federation
 * @param remoteContactsUntracked remote contacts not kept because a bound (16384 remote vIPs, 65536 contacts) was
 *                                reached (those local clients learn of a departure from ERR S2CF)
 */
public record NetworkStats(long entries, int origins, int reachableOrigins, long clients, long updates, long duplicates,
        long gaps, long snapshots, long refused, long malformed, long linkDrops, long groupMessages,
        long groupDuplicates, long hopLimit, long dedupEvictedYoung, long groupDelivered, long groupMissed,
        long presenceEvents, long remoteContacts, long remoteContactsUntracked) {
    /** No network (before the server's parts are wired). */
    public static final NetworkStats NONE = new NetworkStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0);
}
