package io.dosp.cluster.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node liveness in a memory KV bucket ({@code dosp_<cluster>_nodes}, bucket TTL {@link #TTL} = L): this node
 * re-puts {@code node.<id>} every L/3 (a compare-and-set on its last revision, so that it notices when its key
 * expired meanwhile) and polls the keys once a second (nats-server 2.9 delivers no expiry to watchers).
 *
 * <p>What it tells the rest of the node:
 * <ul>
 * <li>{@link #available()}: whether this node's own puts succeed. Puts failing for {@link #SUSPECT_AFTER} (2L/3)
 * make it unavailable: it admits no new clients (minority side of a partition, or cut off); the next good put makes
 * it available again.</li>
 * <li>{@link #isGone}: a node named in the registry mirror that a poll did not list. The mirror is
 * read before the poll asks, and a node puts its key before it claims anything, so a node absent from a poll that
 * started after its claim was seen is really gone.</li>
 * <li>{@link #isSuspect}: a listed node whose last put this node saw (by watching the bucket) more than 2L/3 ago
 * while it keeps seeing its own puts: probably dead, its key not expired yet. Routing treats it as gone (ERR S2CF)
 * rather than publish to a subject nobody may read.</li>
 * <li>{@link #absentSince}: for the janitor, since when each absent node has been missing from successful polls.</li>
 * </ul>
 * Blocking KV calls run on the timer thread given to {@link #start} (a thread of the cluster's, never an event loop).
 *
 * <p>The value is JSON {@code {"epoch":MS,"addr":"host:port"|null,"draining":bool}} (docs/cluster.md): the epoch,
 * the address this node's clients reach it at (null until known), and whether it drains (a planned shutdown). The
 * watch keeps the other nodes' values, for the reconnect hint of a drain ({@link #drainTargets}).
 */
final class NodeLiveness {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
    /** The bucket's TTL, L: a node silent this long is gone. */
    static final Duration TTL = Duration.ofSeconds(6);
    /** 2L/3: puts failing this long make this node unavailable; a node silent this long is suspect. */
    static final Duration SUSPECT_AFTER = TTL.multipliedBy(2).dividedBy(3);
    static final String PREFIX = "node.";

    private final KeyValue kv;
    private final String nodeId;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What another node's liveness value says: its client address (null: unknown) and whether it drains. */
    record NodeInfo(String addr, boolean draining) {
    }

    private volatile String addr;
    private volatile boolean draining;
    /** The other nodes' last liveness values seen through the watch. */
    private final Map<String, NodeInfo> info = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService timer;
    private final LongSupplier nanos;
    private final Supplier<Set<String>> mentioned;
    private volatile Set<String> live = Set.of();
    /** Nodes missing from successful polls, since the first poll (System.nanoTime) that missed them. */
    private final Map<String, Long> absent = new ConcurrentHashMap<>();
    /** When this node last saw each node's put through the watch (System.nanoTime). */
    private final Map<String, Long> lastPutSeen = new ConcurrentHashMap<>();
    /** Frames this node published to each node since it last saw that node's put (swapped for a new one on a put). */
    private final Map<String, LongAdder> sentSincePut = new ConcurrentHashMap<>();
    private final LongAdder sentToDeadNode = new LongAdder();
    private volatile long epoch;
    private volatile long revision;
    private volatile long lastPutOk;
    private volatile boolean available = true;
    private volatile Runnable onReRegistered = () -> { };
    private final LongAdder reRegistrations = new LongAdder();
    private final LongAdder putFailures = new LongAdder();
    private volatile NatsKeyValueWatchSubscription watch;
    private ScheduledFuture<?> beat;
    private ScheduledFuture<?> poll;

    /**
     * For {@code nodeId} in {@code kv}; {@code mentioned} lists the nodes the registry mirror names (read before each
     * poll), {@code nanos} is the clock ({@code System::nanoTime}).
     */
    NodeLiveness(KeyValue kv, String nodeId, long epoch, String addr, Supplier<Set<String>> mentioned, LongSupplier nanos) {
        this.kv = kv;
        this.nodeId = nodeId;
        this.epoch = epoch;
        this.addr = addr;
        this.mentioned = mentioned;
        this.nanos = nanos;
    }

    NodeLiveness(KeyValue kv, String nodeId) {
        this(kv, nodeId, System.currentTimeMillis(), null, Set::of, System::nanoTime);
    }

    /** Runs {@code r} (on the timer thread) after this node re-registered because its key had expired. */
    void onReRegistered(Runnable r) {
        this.onReRegistered = r;
    }

    /** Registers this node now (throws when it cannot), then keeps it registered and polls on {@code timer}. */
    void start(ScheduledExecutorService timer) throws Exception {
        this.timer = timer;
        revision = kv.put(PREFIX + nodeId, value());
        lastPutOk = nanos.getAsLong();
        watch = kv.watch(PREFIX + ">", new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                if (!e.getKey().startsWith(PREFIX)) {
                    return;
                }
                String node = e.getKey().substring(PREFIX.length());
                if (e.getOperation() == KeyValueOperation.PUT) {
                    lastPutSeen.put(node, nanos.getAsLong());
                    NodeInfo i = e.getValue() == null ? null : parse(e.getValue());
                    if (i != null) {
                        info.put(node, i);
                    }
                    sentSincePut.put(node, new LongAdder()); // alive until here: what was sent before counts no more
                } else {
                    sentSincePut.remove(node); // a clean leave: it answered for what it got (S2CF) before it left
                    info.remove(node);
                }
            }

            @Override
            public void endOfData() {
                // nothing to wait for: the polls are the authority on who is listed
            }
        });
        pollNow();
        long every = TTL.toMillis() / 3;
        beat = timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        poll = timer.scheduleWithFixedDelay(this::pollQuietly, 1000, 1000, TimeUnit.MILLISECONDS);
    }

    /** This node's liveness value now. */
    byte[] value() {
        ObjectNode v = JSON.createObjectNode();
        v.put("epoch", epoch);
        v.put("addr", addr); // a null address is written as JSON null
        v.put("draining", draining);
        return v.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The client address this node advertises, unless it has one already (a configured one wins); re-put soon. */
    void addressIfUnset(String hostPort) {
        if (addr == null) {
            addr = hostPort;
            putSoon();
        }
    }

    /** The client address this node advertises (null: none known). */
    String address() {
        return addr;
    }

    /** Marks this node draining in its liveness value (re-put at once, on the timer); the others stop hinting to it. */
    void draining() {
        draining = true;
        putSoon();
    }

    private void putSoon() {
        ScheduledExecutorService t = timer;
        if (t != null) {
            try {
                t.execute(this::beat);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("Liveness timer stopped; not re-put");
            }
        }
    }

    /**
     * The client addresses of the other nodes the last poll listed whose last value (through the watch) says they are
     * not draining and have one, ordered by node id: where a draining node sends its clients.
     */
    List<String> drainTargets() {
        List<String> out = new ArrayList<>();
        for (String node : new TreeSet<>(live)) {
            NodeInfo i = info.get(node);
            if (!node.equals(nodeId) && i != null && !i.draining() && i.addr() != null && !out.contains(i.addr())
                    && !isSuspect(node)) {
                out.add(i.addr());
            }
        }
        return out;
    }

    /** The address and draining flag of a liveness value; null when it is not a JSON object. */
    static NodeInfo parse(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            if (n == null || !n.isObject()) {
                return null;
            }
            JsonNode a = n.get("addr");
            JsonNode d = n.get("draining");
            return new NodeInfo(a != null && a.isTextual() ? a.asText() : null, d != null && d.asBoolean(false));
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether {@code node} is live now: its key is in the bucket (asked of the bucket, blocking: on the cluster's
     * executor only). This node is always live; a node whose key cannot be read counts as live (no take-over on doubt).
     */
    boolean isLiveNow(String node) {
        if (node.equals(nodeId)) {
            return true;
        }
        try {
            KeyValueEntry e = kv.get(PREFIX + node);
            return e != null && e.getOperation() == KeyValueOperation.PUT;
        } catch (Exception e) {
            LOG.debug("Liveness of {} unknown: {}", node, e.toString());
            return true;
        }
    }

    void beat() {
        try {
            try {
                revision = kv.update(PREFIX + nodeId, value(), revision);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != VipRegistry.WRONG_LAST_SEQUENCE) {
                    throw e;
                }
                // Our key expired (or was removed) while our puts failed: the others may have declared us gone and
                // orphaned our vIPs. Register again with a new epoch and let the registry re-validate our sessions.
                epoch = Math.max(epoch + 1, System.currentTimeMillis());
                revision = kv.put(PREFIX + nodeId, value());
                reRegistrations.increment();
                LOG.warn("Cluster node {}: its liveness key had expired; registered again with epoch {}", nodeId, epoch);
                lastPutOk = nanos.getAsLong();
                setAvailable(true);
                onReRegistered.run();
                return;
            }
            lastPutOk = nanos.getAsLong();
            setAvailable(true);
        } catch (Exception e) {
            putFailures.increment();
            if (nanos.getAsLong() - lastPutOk >= SUSPECT_AFTER.toNanos() - TimeUnit.MILLISECONDS.toNanos(100)) {
                setAvailable(false);
            }
            LOG.debug("Cluster node {}: could not renew its liveness key: {}", nodeId, e.toString());
        }
    }

    private void setAvailable(boolean on) {
        if (available != on) {
            available = on;
            if (on) {
                LOG.info("Cluster node {}: the cluster's KV is writable again: admitting clients", nodeId);
            } else {
                LOG.warn("Cluster node {}: liveness puts failing for {} ms: admitting no new clients", nodeId,
                        SUSPECT_AFTER.toMillis());
            }
        }
    }

    private void pollQuietly() {
        try {
            pollNow();
        } catch (Exception e) {
            LOG.debug("Liveness poll failed: {}", e.toString());
        }
    }

    void pollNow() throws Exception {
        Set<String> named = new HashSet<>(mentioned.get()); // before asking: see the class comment
        long at = nanos.getAsLong();
        List<String> keys = kv.keys(PREFIX + ">");
        Set<String> now = new HashSet<>();
        for (String k : keys) {
            now.add(k.substring(PREFIX.length()));
        }
        live = Set.copyOf(now);
        for (String n : named) {
            if (n != null && !n.equals(nodeId) && !now.contains(n) && absent.putIfAbsent(n, at) == null) {
                LongAdder sent = sentSincePut.remove(n);
                if (sent != null) {
                    sentToDeadNode.add(sent.sum()); // published after its last sign of life: maybe lost with it
                }
            }
        }
        // listed again, or no longer named anywhere (its claims are gone): not absent any more
        absent.keySet().removeIf(n -> now.contains(n) || !named.contains(n));
    }

    /** Counts a frame published to {@code node} (see {@link #sentToDeadNode}). */
    void sent(String node, int frames) {
        LongAdder a = sentSincePut.get(node);
        if (a != null) {
            a.add(frames);
        }
    }

    /**
     * Frames published to nodes after the last liveness put this node saw from them, for nodes that then turned out
     * gone (key expired, not deleted by a clean leave): an upper bound of the frames lost with dead nodes, whose
     * senders got no ERR S2CF.
     */
    long sentToDeadNode() {
        return sentToDeadNode.sum();
    }

    /** Whether {@code node} is known and absent from the last successful poll (its key expired or was deleted). */
    boolean isGone(String node) {
        return !node.equals(nodeId) && absent.containsKey(node);
    }

    /** Whether {@code node} is listed but silent for 2L/3 while this node keeps seeing its own puts (see the class). */
    boolean isSuspect(String node) {
        if (node.equals(nodeId)) {
            return false;
        }
        Long last = lastPutSeen.get(node);
        Long self = lastPutSeen.get(nodeId);
        long now = nanos.getAsLong();
        long limit = SUSPECT_AFTER.toNanos();
        return last != null && self != null && now - last > limit && now - self <= limit;
    }

    /** Whether this node's liveness puts succeed (it admits clients): see the class comment. */
    boolean available() {
        return available;
    }

    /** A copy of the absent nodes and since when (System.nanoTime) each has been missing from successful polls. */
    Map<String, Long> absentSince() {
        return new HashMap<>(absent);
    }

    /** Whether the last successful poll listed {@code node}. */
    boolean isListed(String node) {
        return live.contains(node);
    }

    /** How many nodes the last poll listed. */
    int liveCount() {
        return live.size();
    }

    /** This node's registration epoch (ms; a new one after each re-registration). */
    long epoch() {
        return epoch;
    }

    long reRegistrations() {
        return reRegistrations.sum();
    }

    /** Stops renewing and deletes this node's key (a clean leave). */
    void close() {
        if (beat != null) {
            beat.cancel(false);
            poll.cancel(false);
        }
        NatsKeyValueWatchSubscription w = watch;
        if (w != null) {
            try {
                w.unsubscribe();
            } catch (RuntimeException e) {
                LOG.debug("Liveness watch unsubscribe: {}", e.toString());
            }
        }
        try {
            kv.delete(PREFIX + nodeId);
        } catch (Exception e) {
            LOG.debug("Could not delete this node's liveness key: {}", e.toString());
        }
    }
}
