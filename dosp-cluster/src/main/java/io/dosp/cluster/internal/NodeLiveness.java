package io.dosp.cluster.internal;

import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 */
final class NodeLiveness {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
    /** The bucket's TTL: a node silent this long is gone. */
    static final Duration TTL = Duration.ofSeconds(6);
    static final String PREFIX = "node.";

    private final KeyValue kv;
    private final String nodeId;
    private volatile Set<String> live = Set.of();
    private final Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.List<Runnable> pollListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ScheduledFuture<?> beat;
    private ScheduledFuture<?> poll;

    NodeLiveness(KeyValue kv, String nodeId) {
        this.kv = kv;
        this.nodeId = nodeId;
    }

    /** Registers this node now (throws when it cannot), then keeps it registered and polls on {@code timer}. */
    void start(ScheduledExecutorService timer) throws Exception {
        put();
        pollNow();
        long every = TTL.toMillis() / 3;
        beat = timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        poll = timer.scheduleWithFixedDelay(this::pollQuietly, 1000, 1000, TimeUnit.MILLISECONDS);
    }

    private void put() throws Exception {
        kv.put(PREFIX + nodeId, ("{\"at\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8));
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
        seen.addAll(now);
        live = Set.copyOf(now);
        for (Runnable r : pollListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("A liveness listener failed", e);
            }
        }
    }

    /**
     * Runs {@code r} after every poll (on the timer thread; it must not block), so that users of {@link #isGone} hear
     * a node leave within a poll (the network directory drops the origin of a gone node).
     */
    void onPoll(Runnable r) {
        pollListeners.add(r);
    }

    /** Whether {@code node} was seen alive and has since gone (its key expired or was deleted). */
    boolean isGone(String node) {
        return !live.contains(node) && seen.contains(node) && !node.equals(nodeId);
    }

    /** Whether the last successful poll listed {@code node}. */
    boolean isListed(String node) {
        return live.contains(node);
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
