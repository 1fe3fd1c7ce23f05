package io.dosp.server.internal.cluster;

import io.dosp.server.ServerConfig;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import java.util.function.Predicate;

/**
 * The parts of a server a cluster node works with: its configuration, its local vIP table (the holders on this
 * node; the cluster-wide claims live in the cluster's registry), its counters, which local holders may be routed
 * to ({@code routable}: client admission), and how peers' strings reach the log.
 */
public record ClusterContext(ServerConfig config, VipTable<ClientSession> vips, Counters counters,
        Predicate<ClientSession> routable, PeerLog log) {
}
