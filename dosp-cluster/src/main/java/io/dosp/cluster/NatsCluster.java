package io.dosp.cluster;

import io.dosp.cluster.internal.NatsNode;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.ClusterMode;
import io.dosp.server.internal.cluster.ClusterContext;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.cluster.ClusterPlugin;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Cluster mode on NATS: pass one to {@code new DospServer(config, cluster)} on each node, all with the same
 * cluster name, template and NATS servers, and the nodes act as one server: one vIP space (a JetStream KV
 * registry: create-if-absent claims, compare-and-set releases, a watched mirror on every node), any client
 * on any node, S2C between nodes over one NATS subject per node in batches. NATS must run with JetStream
 * ({@code nats-server -js}).
 *
 * <p>One instance serves one server (it joins once). Immutable settings; {@link #stats()} and {@link #nodeId()}
 * once joined. See the README's "When one server is not enough" for what survives what.
 */
public final class NatsCluster implements ClusterPlugin {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final List<String> servers;
    private final String name;
    private final String nodeName;
    private final Duration connectTimeout;
    private final int outgoingQueue;
    private final String advertise;
    private final Duration handoverGrace;
    private final Duration reclaimGrace;
    private final boolean discoveredServers;
    private final int replicas;
    private volatile NatsNode node;

    private NatsCluster(Builder b) {
        this.servers = List.copyOf(b.servers);
        this.name = b.name;
        this.nodeName = b.nodeName;
        this.connectTimeout = b.connectTimeout;
        this.outgoingQueue = b.outgoingQueue;
        this.advertise = b.advertise;
        this.handoverGrace = b.handoverGrace;
        this.reclaimGrace = b.reclaimGrace;
        this.discoveredServers = b.discoveredServers;
        this.replicas = b.replicas == 0 ? Math.min(3, servers.size()) : b.replicas;
    }

    /** A builder; {@link Builder#servers} and {@link Builder#name} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The NATS servers ({@code nats://host:port}). */
    public List<String> servers() {
        return servers;
    }

    /** The cluster's name: the nodes with the same name (on the same NATS) are one server. */
    public String name() {
        return name;
    }

    /** This node's id ({@code <node name>-<boot epoch ms>}, new on every start); null before it joined. */
    public String nodeId() {
        NatsNode n = node;
        return n == null ? null : n.nodeId();
    }

    /**
     * The client address ({@code host:port}) this node advertises to the others, for the reconnect hint of their
     * drains: the configured {@link Builder#advertise}, else the server's TCP listener once bound when its host is
     * not a wildcard; null when none is known (or before it joined).
     */
    public String advertisedAddress() {
        NatsNode n = node;
        return n == null ? advertise : n.address();
    }

    /**
     * Where this node would send its clients if it drained now: the client addresses of the other live nodes that are
     * not draining, from its last liveness poll (about once a second), ordered by node id; empty before it joined.
     */
    public List<String> drainTargets() {
        NatsNode n = node;
        return n == null ? List.of() : n.drainTargets();
    }

    /** Client vIPs this node marked {@code moving} in a drain that another node has taken over (0 before it joined). */
    public long handedOver() {
        NatsNode n = node;
        return n == null ? 0 : n.handedOver();
    }

    /** What this node has done since it joined (zeros before). */
    public ClusterStats stats() {
        NatsNode n = node;
        return n == null ? new ClusterStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : n.stats();
    }

    /**
     * Whether this node can write to the cluster's KV now and so admits new clients: false before it joined, after
     * it left, and while its liveness puts fail (for 2L/3 = 4 s: the minority side of a NATS partition, or this node
     * cut off); its existing clients keep routing from its mirror meanwhile.
     */
    public boolean available() {
        NatsNode n = node;
        return n != null && n.available();
    }

    /** Whether this node is the cluster's janitor now (holds {@code lock.janitor}). */
    public boolean janitor() {
        NatsNode n = node;
        return n != null && n.janitor();
    }

    /** How long an orphaned vIP entry waits for its client to come back before the janitor frees it. */
    public Duration reclaimGrace() {
        return reclaimGrace;
    }

    /** How many vIPs this node took over for clients that proved their resume secret (0 before it joined). */
    public long takeOvers() {
        NatsNode n = node;
        return n == null ? 0 : n.takeOvers();
    }

    @Override
    public synchronized ClusterNode join(ClusterContext context) {
        if (node != null) {
            throw new IllegalStateException("this NatsCluster already joined for a server; make one per server");
        }
        node = NatsNode.join(context, servers, name, nodeName, connectTimeout, outgoingQueue, reclaimGrace,
                discoveredServers, replicas, advertise, handoverGrace);
        return node;
    }

    /** Builds a {@link NatsCluster}; validated in {@link #build()}. */
    public static final class Builder {
        private List<String> servers = List.of();
        private String name;
        private String nodeName = "node";
        private Duration connectTimeout = Duration.ofSeconds(5);
        private int outgoingQueue = 65_536;
        private String advertise;
        private Duration handoverGrace = Duration.ofSeconds(5);
        private Duration reclaimGrace = Duration.ofSeconds(30);
        private boolean discoveredServers = true;
        private int replicas;

        private Builder() {
        }

        /**
         * The address ({@code host:port}, an IPv6 host in brackets) at which clients reach this node: what the other
         * nodes put in their reconnect hint when they drain. Default (null): the server's TCP listener, when its host
         * is not a wildcard (a node listening on {@code 0.0.0.0} or {@code ::} without one is never hinted to).
         */
        public Builder advertise(String hostPort) {
            this.advertise = hostPort;
            return this;
        }

        /**
         * The grace G (default 30 s): after the janitor marked a gone node's vIP entry orphan, it waits this long
         * (for the client to come back with its resume secret) before it deletes the entry and so frees the vIP.
         */
        public Builder reclaimGrace(Duration grace) {
            this.reclaimGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /**
         * How long a node that drained waits, when it leaves, for the other nodes to take over the vIPs it marked
         * {@code moving} (its clients claiming them back with their resume secret) before it deletes the rest (default
         * 5 s; zero: no wait).
         */
        public Builder handoverGrace(Duration grace) {
            this.handoverGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /**
         * How many NATS servers keep a copy of the cluster's KV buckets when this node creates them (1 to 5; default
         * the number of {@link #servers}, at most 3): set it when {@link #servers} names fewer servers than the NATS
         * cluster has (the others found by discovery). Replicas of 3 survive one NATS server down.
         */
        public Builder replicas(int replicas) {
            this.replicas = replicas;
            return this;
        }

        /**
         * Whether to use the NATS servers the connected server advertises, besides {@link #servers} (default true);
         * false when the servers are reached through a proxy or load balancer whose addresses differ from theirs.
         */
        public Builder discoveredServers(boolean use) {
            this.discoveredServers = use;
            return this;
        }

        /** The NATS servers, {@code nats://host:port} each (at least one). */
        public Builder servers(List<String> servers) {
            this.servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
            return this;
        }

        /** The cluster's name (letters, digits, {@code _} and {@code -}, at most 32): part of its subjects and buckets. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** This node's name, the first part of its id (default {@code node}; same characters as the cluster name). */
        public Builder nodeName(String nodeName) {
            this.nodeName = nodeName;
            return this;
        }

        /** How long joining waits for NATS and the registry (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * At most this many NATS messages wait in the outgoing queue (default 65,536); past it a batch is discarded,
         * counted, and its senders get ERR S2CF (a node's event loop never blocks on NATS).
         */
        public Builder outgoingQueue(int messages) {
            this.outgoingQueue = messages;
            return this;
        }

        /**
         * The settings.
         *
         * @throws InvalidConfigException naming the field that is wrong
         */
        public NatsCluster build() {
            if (servers.isEmpty()) {
                throw new InvalidConfigException("cluster.servers", "at least one NATS server (nats://host:port) is needed");
            }
            for (String s : servers) {
                if (!s.matches("(nats|tls)://[^\\s/]+")) {
                    throw new InvalidConfigException("cluster.servers", "not a NATS URL (nats://host:port): " + s);
                }
            }
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidConfigException("cluster.name",
                        "1 to 32 letters, digits, '_' or '-' (it is part of NATS subjects and bucket names)");
            }
            if (nodeName == null || !NAME.matcher(nodeName).matches()) {
                throw new InvalidConfigException("cluster.node", "1 to 32 letters, digits, '_' or '-'");
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new InvalidConfigException("cluster.connectTimeout", "must be positive");
            }
            if (advertise != null && !ServerExitReason.redirects(ServerExitReason.DRAINING.withRedirect(List.of(advertise)))
                    .equals(List.of(advertise))) {
                throw new InvalidConfigException("cluster.advertise",
                        "'" + advertise + "' is not host:port (port 1..65535, IPv6 in brackets)");
            }
            if (handoverGrace.isNegative()) {
                throw new InvalidConfigException("cluster.handoverGrace", "must not be negative");
            }
            if (replicas < 0 || replicas > 5) {
                throw new InvalidConfigException("cluster.replicas", "1 to 5 (JetStream's limit)");
            }
            if (reclaimGrace.isNegative()) {
                throw new InvalidConfigException("cluster.reclaimGrace", "must not be negative");
            }
            if (outgoingQueue < 16) {
                throw new InvalidConfigException("cluster.outgoingQueue", "at least 16 messages");
            }
            return new NatsCluster(this);
        }
    }
}
