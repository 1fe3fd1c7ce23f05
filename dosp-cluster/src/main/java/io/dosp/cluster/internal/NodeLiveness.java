package io.dosp.cluster.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node liveness in a memory KV bucket ({@code dosp_<cluster>_nodes}, bucket TTL {@link #TTL}): this node re-puts
 * {@code node.<id>} every TTL/3 and polls the keys once a second (nats-server 2.9 delivers no expiry to watchers).
 * A node that was seen and is no longer listed is {@link #isGone gone}: S2C to its vIPs is answered at once.
 * A node never seen yet counts as alive (it may have joined after the last poll).
 *
 * <p>The value is JSON {@code {"epoch":MS,"addr":"host:port"|null,"draining":bool}}: the node's start time, the
 * address its clients reach it at (null until known), and whether it drains (a planned shutdown). The poll reads the
 * other nodes' values too, for the reconnect hint of a drain ({@link #drainTargets}). Readers ignore unknown fields.
 */
final class NodeLiveness {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
    /** The bucket's TTL: a node silent this long is gone. */
    static final Duration TTL = Duration.ofSeconds(6);
    static final String PREFIX = "node.";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What another node's liveness value says: its client address (null: unknown) and whether it drains. */
    record NodeInfo(String addr, boolean draining) {
    }

    private final KeyValue kv;
    private final String nodeId;
    private final long epoch;
    private volatile String addr;
    private volatile boolean draining;
    private volatile Map<String, NodeInfo> info = Map.of();
    private volatile ScheduledExecutorService timer;
    private volatile Set<String> live = Set.of();
    private final Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private ScheduledFuture<?> beat;
    private ScheduledFuture<?> poll;

    NodeLiveness(KeyValue kv, String nodeId, long epoch, String addr) {
        this.kv = kv;
        this.nodeId = nodeId;
        this.epoch = epoch;
        this.addr = addr;
    }

    /** Registers this node now (throws when it cannot), then keeps it registered and polls on {@code timer}. */
    void start(ScheduledExecutorService timer) throws Exception {
        this.timer = timer;
        put();
        pollNow();
        long every = TTL.toMillis() / 3;
        beat = timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        poll = timer.scheduleWithFixedDelay(this::pollQuietly, 1000, 1000, TimeUnit.MILLISECONDS);
    }

    private void put() throws Exception {
        kv.put(PREFIX + nodeId, value());
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
     * The client addresses of the other nodes the last poll listed that are not draining and have one, ordered by
     * node id: where a draining node sends its clients.
     */
    List<String> drainTargets() {
        Set<String> now = live;
        Map<String, NodeInfo> known = info;
        List<String> out = new ArrayList<>();
        for (String node : new TreeSet<>(now)) {
            NodeInfo i = known.get(node);
            if (!node.equals(nodeId) && i != null && !i.draining() && i.addr() != null && !out.contains(i.addr())) {
                out.add(i.addr());
            }
        }
        return out;
    }

    /** Whether {@code node} was listed by the last poll as draining. */
    boolean isDraining(String node) {
        NodeInfo i = info.get(node);
        return i != null && i.draining();
    }

    /** The address and draining flag of a liveness value; null when it is not JSON. */
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

    private void beat() {
        try {
            put();
        } catch (Exception e) {
            LOG.warn("Could not renew this node's liveness key: {}", e.toString());
        }
    }

    private void pollQuietly() {
        try {
            pollNow();
        } catch (Exception e) {
            LOG.debug("Liveness poll failed: {}", e.toString());
        }
    }

    private void pollNow() throws Exception {
        List<String> keys = kv.keys(PREFIX + ">");
        Set<String> now = new HashSet<>();
        for (String k : keys) {
            now.add(k.substring(PREFIX.length()));
        }
        Map<String, NodeInfo> values = new HashMap<>();
        for (String node : now) {
            if (node.equals(nodeId)) {
                continue;
            }
            KeyValueEntry e = kv.get(PREFIX + node);
            NodeInfo i = e == null || e.getValue() == null ? null : parse(e.getValue());
            if (i != null) {
                values.put(node, i);
            }
        }
        info = Map.copyOf(values);
        seen.addAll(now);
        live = Set.copyOf(now);
    }

    /** Whether {@code node} was seen alive and has since gone (its key expired or was deleted). */
    boolean isGone(String node) {
        return !live.contains(node) && seen.contains(node) && !node.equals(nodeId);
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
            io.nats.client.api.KeyValueEntry e = kv.get(PREFIX + node);
            return e != null && e.getOperation() == io.nats.client.api.KeyValueOperation.PUT;
        } catch (Exception e) {
            LOG.debug("Liveness of {} unknown: {}", node, e.toString());
            return true;
        }
    }

    /** How many nodes the last poll listed. */
    int liveCount() {
        return live.size();
    }

    /** Stops renewing and deletes this node's key (a clean leave). */
    void close() {
        if (beat != null) {
            beat.cancel(false);
            poll.cancel(false);
        }
        try {
            kv.delete(PREFIX + nodeId);
        } catch (Exception e) {
            LOG.debug("Could not delete this node's liveness key: {}", e.toString());
        }
    }
}
