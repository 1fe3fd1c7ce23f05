package io.dosp.cluster;

import io.dosp.cluster.internal.NatsNode;
import io.dosp.protocol.InvalidConfigException;
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
    private volatile NatsNode node;

    private NatsCluster(Builder b) {
        this.servers = List.copyOf(b.servers);
        this.name = b.name;
        this.nodeName = b.nodeName;
        this.connectTimeout = b.connectTimeout;
        this.outgoingQueue = b.outgoingQueue;
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

    /** What this node has done since it joined (zeros before). */
    public ClusterStats stats() {
        NatsNode n = node;
        return n == null ? new ClusterStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : n.stats();
    }

    /** The network directory's traffic between this node and the others (groups, names, presence); zeros before. */
    public ClusterNetworkStats networkStats() {
        NatsNode n = node;
        return n == null ? ClusterNetworkStats.NONE : n.networkStats();
    }

    @Override
    public synchronized ClusterNode join(ClusterContext context) {
        if (node != null) {
            throw new IllegalStateException("this NatsCluster already joined for a server; make one per server");
        }
        node = NatsNode.join(context, servers, name, nodeName, connectTimeout, outgoingQueue);
        return node;
    }

    /** Builds a {@link NatsCluster}; validated in {@link #build()}. */
    public static final class Builder {
        private List<String> servers = List.of();
        private String name;
        private String nodeName = "node";
        private Duration connectTimeout = Duration.ofSeconds(5);
        private int outgoingQueue = 65_536;

        private Builder() {
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
            if (outgoingQueue < 16) {
                throw new InvalidConfigException("cluster.outgoingQueue", "at least 16 messages");
            }
            return new NatsCluster(this);
        }
    }
}
