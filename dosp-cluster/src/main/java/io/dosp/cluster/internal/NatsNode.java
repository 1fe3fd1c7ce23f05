package io.dosp.cluster.internal;

import io.dosp.cluster.ClusterStats;
import io.dosp.protocol.Resume;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.cluster.ClusterContext;
import io.dosp.server.internal.cluster.ClusterIdentity;
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
    /** The EXIT text (and RQIP {@code E:} reason) when this node cannot write to the cluster's KV. */
    static final String UNAVAILABLE = "cluster unavailable";
    /** The vIP bucket's key holding the cluster's random id (hex), never an {@code ip.} key. */
    static final String CLUSTER_ID_KEY = "cluster.id";

    private final String nodeId;
    private final Connection nc;
    private final ThreadPoolExecutor kvExecutor;
    private final ScheduledExecutorService timer;
    private final VipRegistry registry;
    private final NodeLiveness liveness;
    private final S2cBus bus;
    private final Janitor janitor;
    private final java.util.concurrent.atomic.AtomicBoolean janitorBusy = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.LongAdder refusedUnavailable = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder framesToGoneNode = new java.util.concurrent.atomic.LongAdder();
    private final Duration handoverGrace;
    private final ClusterIdentity identity;
    private final NodeRoutes nodeRoutes;
    private final ClusterOps ops;
    private final Duration timeout;
    private final String cluster;
    /** The network directory's links between the nodes (null until {@link #networkLinks}). */
    private final NetBus[] netBus;
    private volatile boolean closed;

    private NatsNode(String nodeId, String cluster, Connection nc, ThreadPoolExecutor kvExecutor,
            ScheduledExecutorService timer, VipRegistry registry, NodeLiveness liveness, S2cBus bus, Janitor janitor,
            Duration handoverGrace, ClusterIdentity identity, NodeRoutes nodeRoutes, ClusterOps ops, Duration timeout,
            NetBus[] netBus) {
        this.ops = ops;
        this.timeout = timeout;
        this.handoverGrace = handoverGrace;
        this.identity = identity;
        this.nodeRoutes = nodeRoutes;
        this.nodeId = nodeId;
        this.cluster = cluster;
        this.netBus = netBus;
        this.nc = nc;
        this.kvExecutor = kvExecutor;
        this.timer = timer;
        this.registry = registry;
        this.liveness = liveness;
        this.bus = bus;
        this.janitor = janitor;
    }

    /** One janitor round on the KV executor, never two at once (called by the timer every second). */
    private void janitorTick() {
        if (closed || !janitorBusy.compareAndSet(false, true)) {
            return;
        }
        try {
            kvExecutor.execute(() -> {
                try {
                    janitor.tick();
                } catch (RuntimeException e) {
                    LOG.warn("Cluster node {}: janitor round failed: {}", nodeId, e.toString());
                } finally {
                    janitorBusy.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            janitorBusy.set(false);
        }
    }

    /**
     * Connects to {@code servers}, opens (or creates) the cluster's buckets, registers this node, loads the mirror and
     * subscribes; throws {@link ClusterUnavailableException} when any of it fails within {@code timeout}. The node
     * advertises {@code advertise} ({@code host:port}) as its client address, or, when null, the server's listener
     * once it is bound ({@link #listening}); leaving after a drain waits up to {@code handoverGrace} for its moving
     * claims to be taken over.
     */
    public static NatsNode join(ClusterContext ctx, List<String> servers, String cluster, String nodeName, Duration timeout,
            int outgoingQueue, Duration reclaimGrace, boolean discoveredServers, int replicas, String advertise,
            Duration handoverGrace, boolean batching) {
        ServerConfig config = ctx.config();
        long epoch = System.currentTimeMillis();
        long joinDeadline = System.nanoTime() + timeout.toNanos();
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
        Options.Builder optionsBuilder = new Options.Builder().servers(servers.toArray(String[]::new)).connectionName("dosp-" + nodeId)
                .connectionTimeout(timeout).maxReconnects(-1).maxMessagesInOutgoingQueue(outgoingQueue)
                .discardMessagesWhenOutgoingQueueFull().errorListener(errors);
        if (!discoveredServers) {
            optionsBuilder.ignoreDiscoveredServers();
        }
        Options options = optionsBuilder.build();
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
            KeyValueManagement kvm = nc.keyValueManagement();
            String vipBucket = "dosp_" + cluster + "_vip";
            String nodeBucket = "dosp_" + cluster + "_nodes";
            ensureBucket(kvm, joinDeadline, KeyValueConfiguration.builder().name(vipBucket).maxHistoryPerKey(1).replicas(replicas)
                    .storageType(StorageType.File).build());
            String aclBucket = "dosp_" + cluster + "_acl"; // ops: bans, whitelist, blocked vIPs
            ensureBucket(kvm, joinDeadline, KeyValueConfiguration.builder().name(aclBucket).maxHistoryPerKey(1).replicas(replicas)
                    .storageType(StorageType.File).build());
            ensureBucket(kvm, joinDeadline, KeyValueConfiguration.builder().name(nodeBucket).maxHistoryPerKey(1).replicas(replicas)
                    .storageType(StorageType.Memory).ttl(NodeLiveness.TTL).build());
            ClusterIdentity identity = untilAnswered("the cluster id", joinDeadline,
                    () -> identity(nc.keyValue(vipBucket), cluster));
            VipRegistry[] registryRef = new VipRegistry[1];
            NodeLiveness liveness = new NodeLiveness(nc.keyValue(nodeBucket), nodeId, epoch, advertise,
                    () -> registryRef[0] == null ? java.util.Set.of() : registryRef[0].nodes(), System::nanoTime);
            untilAnswered("this node's liveness key", joinDeadline, () -> {
                liveness.start(timer); // registered before it claims anything (see NodeLiveness)
                return null;
            });
            VipRegistry registry = new VipRegistry(nc.keyValue(vipBucket), config.template(), nodeId, epoch, kv,
                    ctx.vips()::claimable);
            registry.fencing(vip -> {
                ClientSession s = ctx.vips().holder(vip.value());
                if (s != null) {
                    s.eventLoop().execute(() -> s.disconnect("moved"));
                }
            });
            registry.start(timeout);
            registryRef[0] = registry;
            liveness.onReRegistered(() -> {
                registry.epoch(liveness.epoch());
                registry.revalidate();
            });
            Janitor janitor = new Janitor(nc.keyValue(nodeBucket), nc.keyValue(vipBucket), nodeId, liveness,
                    registry::entries, NodeLiveness.TTL, reclaimGrace, System::nanoTime);
            S2cBus bus = new S2cBus(nc, cluster, nodeId, ctx.vips(), ctx.routable(), ctx.counters(),
                    config.limits().maxFrameSize(), batching);
            busRef[0] = bus;
            bus.start();
            NodeRoutes nodeRoutes = new NodeRoutes(nc, cluster, nodeId, liveness::isGone);
            nodeRoutes.start(timer);
            LOG.info("Joined cluster {} as node {} (NATS {}, {} live nodes, {} vIPs claimed)", cluster, nodeId,
                    nc.getConnectedUrl(), liveness.liveCount(), registry.vips().size());
            ClusterOps ops = new ClusterOps(nc, nc.keyValue(aclBucket), cluster, nodeId, kv, timer,
                    () -> nodes(liveness, registry), ctx.log());
            bus.control(ops::onControl);
            NatsNode node = new NatsNode(nodeId, cluster, nc, kv, timer, registry, liveness, bus, janitor, handoverGrace,
                    identity, nodeRoutes, ops, timeout, netRef);
            timer.scheduleWithFixedDelay(node::janitorTick, 1000, 1000, TimeUnit.MILLISECONDS);
            return node;
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

    /**
     * The cluster's identity for peer links: its name and the random id under key {@value #CLUSTER_ID_KEY} of the vIP
     * bucket, written by the first node that joins (create-if-absent) and read by every later one.
     */
    private static ClusterIdentity identity(io.nats.client.KeyValue kv, String cluster) throws Exception {
        byte[] mine = new byte[ClusterIdentity.ID_LENGTH];
        new java.security.SecureRandom().nextBytes(mine);
        String hex = java.util.HexFormat.of().formatHex(mine);
        try {
            kv.create(CLUSTER_ID_KEY, hex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new ClusterIdentity(mine, cluster);
        } catch (JetStreamApiException e) {
            io.nats.client.api.KeyValueEntry there = kv.get(CLUSTER_ID_KEY);
            if (there == null || there.getValue() == null) {
                throw e; // not "exists": a real failure
            }
            String v = new String(there.getValue(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (!v.matches("[0-9a-f]{" + 2 * ClusterIdentity.ID_LENGTH + "}")) {
                throw new ClusterUnavailableException("key " + CLUSTER_ID_KEY + " of the cluster's vIP bucket is not "
                        + 2 * ClusterIdentity.ID_LENGTH + " hex digits");
            }
            return new ClusterIdentity(java.util.HexFormat.of().parseHex(v), cluster);
        }
    }

    /** The pause between two attempts of {@link #untilAnswered}. */
    static final long RETRY_PAUSE_MS = 250;

    /**
     * Runs {@code op} (a JetStream request made while joining) until it gets an answer or {@code deadline}
     * (System.nanoTime) passes, at least twice: a NATS server or cluster that has just started answers its first
     * JetStream requests with "no responders" or not at all while it elects its leaders (seen: "503 No Responders"
     * from a node started with its 3-server NATS cluster). Only such {@link java.io.IOException}s are retried; an
     * answer that is an error ({@link JetStreamApiException}) is not.
     */
    static <T> T untilAnswered(String what, long deadline, java.util.concurrent.Callable<T> op) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return op.call();
            } catch (java.io.IOException e) {
                if (attempt >= 2 && System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                LOG.info("Joining: no answer from JetStream for {} ({}); asking again", what, e.getMessage());
                Thread.sleep(RETRY_PAUSE_MS); // the thread building the server, never an event loop
            }
        }
    }

    private static void ensureBucket(KeyValueManagement kvm, long deadline, KeyValueConfiguration cfg) throws Exception {
        try {
            // idempotent for the same configuration: every node may create it
            untilAnswered("bucket " + cfg.getBucketName(), deadline, () -> kvm.create(cfg));
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
        if (!liveness.available()) {
            refusedUnavailable.increment(); // minority side or cut off: no new clients (existing ones keep routing)
            return CompletableFuture.failedFuture(new ClusterUnavailableException(UNAVAILABLE));
        }
        return registry.allocate();
    }

    @Override
    public CompletableFuture<String> claim(Vip wanted) {
        if (!liveness.available()) {
            refusedUnavailable.increment();
            return CompletableFuture.completedFuture(UNAVAILABLE);
        }
        return registry.claim(wanted);
    }

    /** Whether this node can write to the cluster's KV (its liveness puts succeed) and so admits new clients. */
    public boolean available() {
        return !closed && liveness.available();
    }

    /** Whether this node holds the janitor's lock. */
    public boolean janitor() {
        return janitor.holding();
    }

    @Override
    public CompletableFuture<Boolean> resumable(Vip vip, String secretHashHex) {
        if (closed) {
            return CompletableFuture.completedFuture(false);
        }
        return registry.resumable(vip, secretHashHex);
    }

    @Override
    public CompletableFuture<Resume.Failed> takeOver(Vip vip, byte[] secret, String newSecretHashHex) {
        if (closed) {
            return CompletableFuture.completedFuture(new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "Server shutting down"));
        }
        if (!liveness.available()) {
            refusedUnavailable.increment(); // minority side or cut off: it takes nothing over
            return CompletableFuture.completedFuture(new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, UNAVAILABLE));
        }
        return registry.takeOver(vip, secret, newSecretHashHex, liveness::isLiveNow);
    }

    /** How many vIPs this node took over (or claimed afresh) for clients that proved their resume secret. */
    public long takeOvers() {
        return registry.takeOvers();
    }

    @Override
    public void released(Vip vip) {
        registry.release(vip);
    }

    @Override
    public RouteResult forward(S2cPacket packet, ClientSession sender) {
        VipRegistry.Claim claim = registry.claimOf(packet.dstValue());
        String owner = claim == null ? null : claim.node();
        if (owner == null || owner.equals(nodeId)) {
            return RouteResult.NO_ROUTE; // nobody, or ours but gone from this node already
        }
        if (claim.orphan() || liveness.isGone(owner) || liveness.isSuspect(owner)) {
            framesToGoneNode.increment(); // its node is gone, or silent for 2L/3: ERR S2CF now rather than a lost frame
            return RouteResult.NO_ROUTE;
        }
        liveness.sent(owner, 1);
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
    public void listening(String hostPort) {
        liveness.addressIfUnset(hostPort);
    }

    @Override
    public List<String> drainStarted() {
        liveness.draining();
        List<String> targets = liveness.drainTargets();
        LOG.info("Cluster node {} drains: clients are sent to {}", nodeId, targets.isEmpty() ? "no other node (none known)" : targets);
        return targets;
    }

    @Override
    public CompletableFuture<Void> moving(Vip vip) {
        return registry.markMoving(vip);
    }

    /** The client addresses of the other live nodes that are not draining (the last poll's), ordered by node id. */
    public List<String> drainTargets() {
        return liveness.drainTargets();
    }

    /** The client address this node advertises ({@code host:port}; null: none known). */
    public String address() {
        return liveness.address();
    }

    /** Claims this node marked moving in a drain that another node took over since it joined. */
    public long handedOver() {
        return registry.handedOver();
    }

    /** Claims this node marked moving in a drain that no other node took over yet. */
    public int movingNow() {
        return registry.movingNow();
    }

    @Override
    public ClusterIdentity identity() {
        return identity;
    }

    @Override
    public void failedRemotely(Vip dst, Vip src) {
        String owner = registry.owner(src.value());
        if (owner == null || owner.equals(nodeId) || liveness.isGone(owner)) {
            LOG.debug("Failure for {} -> {} from a peer: no other live node holds {}", src, dst, src);
            return;
        }
        bus.sendFailure(owner, src, dst);
    }

    @Override
    public void routes(List<io.dosp.protocol.VipTemplate> templates) {
        nodeRoutes.set(templates);
    }

    @Override
    public RouteResult forwardOut(S2cPacket packet, ClientSession sender) {
        String node = nodeRoutes.nodeFor(packet.dst());
        if (node == null || closed) {
            return RouteResult.NO_ROUTE;
        }
        bus.send(node, packet, sender);
        return RouteResult.DELIVERED;
    }

    @Override
    public void outboundRoute(java.util.function.Function<S2cPacket, RouteResult> route) {
        bus.outboundRoute(route);
    }

    @Override
    public void remoteSenderFailures(java.util.function.BiConsumer<Vip, Vip> handler) {
        bus.remoteSenderFailures(handler);
    }

    @Override
    public List<Vip> vips() {
        return registry.vips();
    }

    // ---- cluster-wide admin, broadcast and access lists (helper ops) ----

    /**
     * The nodes a gather asks: those the last liveness poll listed and those holding a vIP in the mirror (a node that
     * joined since the last poll already has its claims there), less the ones seen gone.
     */
    private static java.util.Set<String> nodes(NodeLiveness liveness, VipRegistry registry) {
        java.util.Set<String> out = new java.util.HashSet<>(liveness.live());
        for (Vip v : registry.vips()) {
            String owner = registry.owner(v.value());
            if (owner != null) {
                out.add(owner);
            }
        }
        out.removeIf(liveness::isGone);
        return out;
    }

    @Override
    public void serve(io.dosp.server.internal.cluster.ClusterServices services) {
        ops.serve(services, timeout);
    }

    @Override
    public String ownerOf(Vip vip) {
        return registry.owner(vip.value());
    }

    @Override
    public CompletableFuture<String> command(String node, String line) {
        if (liveness.isGone(node)) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException("node " + node + " is gone"));
        }
        return ops.command(node, line);
    }

    @Override
    public CompletableFuture<io.dosp.server.internal.cluster.NodeReplies> commandAll(String line) {
        return ops.commandAll(line);
    }

    @Override
    public CompletableFuture<io.dosp.server.internal.cluster.NodeReplies> broadcast(String text) {
        return ops.broadcast(text);
    }

    @Override
    public CompletableFuture<List<Vip>> visibleTo(io.dosp.server.internal.session.Principal viewer) {
        return ops.visibleTo(viewer);
    }

    @Override
    public CompletableFuture<Void> acl(io.dosp.server.internal.cluster.AclChange change) {
        return ops.acl(change);
    }

    /** What this node has done since it joined. */
    public ClusterStats stats() {
        S2cBus.ClusterCounts c = bus.counts();
        return new ClusterStats(registry.claims(), registry.conflicts(), registry.releases(), c.framesSent(), c.batchesSent(),
                c.framesReceived(), c.framesDiscarded(), c.failuresReturned(), c.failuresReceived(), c.incomingDropped(),
                liveness.liveCount(), janitor.orphaned(), janitor.reclaimed(), registry.reclaimedOwn(), registry.fenced(),
                refusedUnavailable.sum(), janitor.runs(), liveness.reRegistrations(), framesToGoneNode.sum(), liveness.sentToDeadNode());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (registry.movingNow() > 0) {
            int left = registry.awaitHandover(handoverGrace);
            LOG.info("Cluster node {} leaves: {} of its drained clients' vIPs not taken over within {} ms (deleted now)",
                    nodeId, left, handoverGrace.toMillis());
        }
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
        janitor.close();
        registry.close();
        nodeRoutes.close();
        ops.close();
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
