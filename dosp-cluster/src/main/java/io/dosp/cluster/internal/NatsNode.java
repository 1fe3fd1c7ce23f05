package io.dosp.cluster.internal;

import io.dosp.cluster.ClusterStats;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.cluster.ClusterContext;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.cluster.ClusterUnavailableException;
import io.dosp.server.internal.session.ClientSession;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server as a node of a cluster on NATS: its connection, the {@link VipRegistry}, its {@link NodeLiveness},
 * its {@link S2cBus}. Built by {@link #join}, which blocks (it runs while the server is built, on the caller's
 * thread); everything after that is asynchronous or on threads of its own: {@code dosp-cluster-kv-*} (the blocking
 * KV calls, at most {@value #KV_THREADS}, {@value #KV_QUEUE} waiting), {@code dosp-cluster-timer} (liveness),
 * jnats' own threads (watch, dispatcher).
 */
public final class NatsNode implements ClusterNode {
    private static final Logger LOG = LoggerFactory.getLogger(NatsNode.class);
    static final int KV_THREADS = 4;
    static final int KV_QUEUE = 8192;

    private final String nodeId;
    private final Connection nc;
    private final ThreadPoolExecutor kvExecutor;
    private final ScheduledExecutorService timer;
    private final VipRegistry registry;
    private final NodeLiveness liveness;
    private final S2cBus bus;
    private final String cluster;
    /** The network directory's links between the nodes (null until {@link #networkLinks}). */
    private final NetBus[] netBus;
    private volatile boolean closed;

    private NatsNode(String nodeId, String cluster, Connection nc, ThreadPoolExecutor kvExecutor,
            ScheduledExecutorService timer, VipRegistry registry, NodeLiveness liveness, S2cBus bus, NetBus[] netBus) {
        this.nodeId = nodeId;
        this.cluster = cluster;
        this.netBus = netBus;
        this.nc = nc;
        this.kvExecutor = kvExecutor;
        this.timer = timer;
        this.registry = registry;
        this.liveness = liveness;
        this.bus = bus;
    }

    /**
     * Connects to {@code servers}, opens (or creates) the cluster's buckets, registers this node, loads the mirror and
     * subscribes; throws {@link ClusterUnavailableException} when any of it fails within {@code timeout}.
     */
    public static NatsNode join(ClusterContext ctx, List<String> servers, String cluster, String nodeName, Duration timeout,
            int outgoingQueue) {
        ServerConfig config = ctx.config();
        if (config.federation().enabled()) {
            throw new IllegalArgumentException("federation together with cluster mode is not supported yet");
        }
        long epoch = System.currentTimeMillis();
        String nodeId = nodeName + "-" + epoch + "-" + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16));
        S2cBus[] busRef = new S2cBus[1];
        NetBus[] netRef = new NetBus[1];
        ErrorListener errors = new ErrorListener() {
            @Override
            public void messageDiscarded(Connection conn, Message msg) {
                S2cBus b = busRef[0];
                if (b != null && b.isS2cSubject(msg.getSubject())) {
                    b.discarded(msg.getData());
                }
                NetBus n = netRef[0];
                if (n != null && n.isNetSubject(msg.getSubject())) {
                    n.discarded(); // the directory's repair (HEADS, SYNC_REQUEST) fetches what an UPDATE lost
                }
            }

            @Override
            public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
                LOG.warn("Cluster node {}: NATS reports this node as a slow consumer; frames from other nodes are being dropped",
                        nodeId);
            }

            @Override
            public void errorOccurred(Connection conn, String error) {
                LOG.warn("Cluster node {}: NATS error: {}", nodeId, error);
            }
        };
        Options options = new Options.Builder().servers(servers.toArray(String[]::new)).connectionName("dosp-" + nodeId)
                .connectionTimeout(timeout).maxReconnects(-1).maxMessagesInOutgoingQueue(outgoingQueue)
                .discardMessagesWhenOutgoingQueueFull().errorListener(errors).build();
        Connection nc;
        try {
            nc = Nats.connect(options);
        } catch (java.io.IOException e) {
            throw new ClusterUnavailableException("cannot connect to NATS " + servers + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnavailableException("interrupted while connecting to NATS", e);
        }
        ThreadPoolExecutor kv = new ThreadPoolExecutor(KV_THREADS, KV_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(KV_QUEUE), threads("dosp-cluster-kv-"));
        kv.allowCoreThreadTimeOut(true);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(threads("dosp-cluster-timer"));
        try {
            long maxPayload = nc.getMaxPayload();
            if (config.limits().maxFrameSize() + 9L > maxPayload) {
                throw new IllegalArgumentException("limits.maxFrameSize " + config.limits().maxFrameSize()
                        + " + 9 exceeds the NATS servers' max_payload " + maxPayload + ": lower it or raise max_payload");
            }
            int replicas = Math.min(3, servers.size());
            KeyValueManagement kvm = nc.keyValueManagement();
            String vipBucket = "dosp_" + cluster + "_vip";
            String nodeBucket = "dosp_" + cluster + "_nodes";
            ensureBucket(kvm, KeyValueConfiguration.builder().name(vipBucket).maxHistoryPerKey(1).replicas(replicas)
                    .storageType(StorageType.File).build());
            ensureBucket(kvm, KeyValueConfiguration.builder().name(nodeBucket).maxHistoryPerKey(1).replicas(replicas)
                    .storageType(StorageType.Memory).ttl(NodeLiveness.TTL).build());
            NodeLiveness liveness = new NodeLiveness(nc.keyValue(nodeBucket), nodeId);
            liveness.start(timer);
            VipRegistry registry = new VipRegistry(nc.keyValue(vipBucket), config.template(), nodeId, epoch, kv,
                    ctx.vips()::claimable);
            registry.start(timeout);
            S2cBus bus = new S2cBus(nc, cluster, nodeId, ctx.vips(), ctx.routable(), ctx.counters(),
                    config.limits().maxFrameSize());
            busRef[0] = bus;
            bus.start();
            LOG.info("Joined cluster {} as node {} (NATS {}, {} live nodes, {} vIPs claimed)", cluster, nodeId,
                    nc.getConnectedUrl(), liveness.liveCount(), registry.vips().size());
            return new NatsNode(nodeId, cluster, nc, kv, timer, registry, liveness, bus, netRef);
        } catch (RuntimeException e) {
            shutdown(nc, kv, timer);
            throw e;
        } catch (Exception e) {
            shutdown(nc, kv, timer);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ClusterUnavailableException("cannot join cluster " + cluster + ": " + e.getMessage(), e);
        }
    }

    private static void ensureBucket(KeyValueManagement kvm, KeyValueConfiguration cfg) throws Exception {
        try {
            kvm.create(cfg); // idempotent for the same configuration: every node may create it
        } catch (JetStreamApiException e) {
            if (!kvm.getBucketNames().contains(cfg.getBucketName())) {
                throw e;
            }
            // it exists with another configuration (another version of this project?): use it as it is
            LOG.warn("Bucket {} exists with another configuration: {}", cfg.getBucketName(), e.getMessage());
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    private static void shutdown(Connection nc, ThreadPoolExecutor kv, ScheduledExecutorService timer) {
        timer.shutdownNow();
        kv.shutdownNow();
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
    }

    @Override
    public CompletableFuture<Vip> allocate() {
        if (closed) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException("Server shutting down"));
        }
        return registry.allocate();
    }

    @Override
    public CompletableFuture<String> claim(Vip wanted) {
        return registry.claim(wanted);
    }

    @Override
    public void released(Vip vip) {
        registry.release(vip);
    }

    @Override
    public RouteResult forward(S2cPacket packet, ClientSession sender) {
        String owner = registry.owner(packet.dstValue());
        if (owner == null || owner.equals(nodeId) || liveness.isGone(owner)) {
            return RouteResult.NO_ROUTE; // nobody, or ours but gone from this node already
        }
        bus.send(owner, packet, sender);
        return RouteResult.DELIVERED;
    }

    @Override
    public synchronized io.dosp.server.internal.network.NetLinks networkLinks(
            io.dosp.server.internal.network.NetLinks federation) {
        if (netBus[0] != null) {
            throw new IllegalStateException("the network directory's links are made once");
        }
        netBus[0] = new NetBus(nc, cluster, nodeId, federation, liveness::isListed, timer, NodeLiveness.TTL.multipliedBy(3));
        return netBus[0];
    }

    /** The network directory's traffic between the nodes ({@link io.dosp.cluster.ClusterNetworkStats#NONE} before). */
    public io.dosp.cluster.ClusterNetworkStats networkStats() {
        NetBus n = netBus[0];
        return n == null ? io.dosp.cluster.ClusterNetworkStats.NONE : n.counts();
    }

    @Override
    public List<Vip> vips() {
        return registry.vips();
    }

    /** What this node has done since it joined. */
    public ClusterStats stats() {
        S2cBus.ClusterCounts c = bus.counts();
        return new ClusterStats(registry.claims(), registry.conflicts(), registry.releases(), c.framesSent(), c.batchesSent(),
                c.framesReceived(), c.framesDiscarded(), c.failuresReturned(), c.failuresReceived(), c.incomingDropped(),
                liveness.liveCount());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        kvExecutor.shutdown(); // the releases already queued still run
        try {
            if (!kvExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Cluster node {}: registry calls still running after 5 s", nodeId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NetBus n = netBus[0];
        if (n != null) {
            n.close(); // before the liveness key goes: the other nodes drop our directory origin at once
        }
        registry.close();
        bus.close();
        liveness.close();
        timer.shutdownNow();
        try {
            nc.flush(Duration.ofSeconds(2));
        } catch (Exception e) {
            LOG.debug("Flush on leave: {}", e.toString());
        }
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Cluster node {} left", nodeId);
    }
}
