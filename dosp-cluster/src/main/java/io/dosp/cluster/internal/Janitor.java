package io.dosp.cluster.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reclaims the vIPs of nodes that died: one janitor at a time in the cluster, the node holding the {@code lock.janitor}
 * key of the nodes bucket (taken with {@code create}, renewed every tick with {@code update} on its revision; the
 * bucket's TTL frees it ~L after its holder stops renewing).
 *
 * <p>Each {@link #tick} of the holder: a vIP entry whose node has been missing from the liveness polls for more than
 * L is marked {@code "state":"orphan"} ({@code update} on the entry's revision: a newer claim is never touched); an
 * entry that has stayed orphan at the same revision for the grace G (measured by this janitor's own clock from when
 * it first saw it orphan) and whose node is still not listed is deleted ({@code delete} on its revision) and so free
 * for anybody. During G a client that proves the resume secret may take the entry over (a newer revision: the
 * janitor lets it be).
 *
 * <p>No mass expiry after an outage: whenever this node (re)gains the lock, or its KV calls work again after failing,
 * it waits a full L before it orphans anything, so that the nodes that lived through the outage have re-put their
 * keys. A node that is not {@link NodeLiveness#available() available} (minority side) reclaims nothing.
 *
 * <p>Runs on the cluster's KV executor ({@link #tick} blocks on KV calls), never on an event loop.
 */
final class Janitor {
    private static final Logger LOG = LoggerFactory.getLogger(Janitor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The lock's key in the nodes bucket. */
    static final String LOCK = "lock.janitor";
    /** The default grace G between orphaning an entry and deleting it. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    /** One registry entry as the janitor sees it in the mirror. */
    record Entry(int vip, String node, String state, long revision) {
        boolean orphan() {
            return "orphan".equals(state);
        }
    }

    /** What one tick does: entries to mark orphan, entries to delete. */
    record Plan(List<Entry> orphan, List<Entry> delete) {
    }

    /** When this janitor first saw an entry orphan at a revision. */
    record Seen(long revision, long since) {
    }

    private final KeyValue nodes;
    private final KeyValue vips;
    private final String nodeId;
    private final NodeLiveness liveness;
    private final Supplier<Collection<Entry>> entries;
    private final long lNanos;
    private final long gNanos;
    private final LongSupplier nanos;
    private final Map<Integer, Seen> orphanSeen = new ConcurrentHashMap<>();
    private volatile long lockRevision;
    private volatile boolean holding;
    private volatile long quietUntil;
    private final LongAdder runs = new LongAdder();
    private final LongAdder orphaned = new LongAdder();
    private final LongAdder reclaimed = new LongAdder();

    Janitor(KeyValue nodes, KeyValue vips, String nodeId, NodeLiveness liveness, Supplier<Collection<Entry>> entries,
            Duration l, Duration grace, LongSupplier nanos) {
        this.nodes = nodes;
        this.vips = vips;
        this.nodeId = nodeId;
        this.liveness = liveness;
        this.entries = entries;
        this.lNanos = l.toNanos();
        this.gNanos = grace.toNanos();
        this.nanos = nanos;
    }

    /**
     * The decision of one tick, without side effects but on {@code orphanSeen} (kept up to date: entries no longer
     * orphan at the same revision leave it; new orphans enter it at {@code now}). An entry is orphaned when its node
     * has been absent since at least {@code l} ago; deleted when orphan for {@code g} and its node is not
     * {@code listed}. Never an entry of {@code self}.
     */
    static Plan plan(Collection<Entry> entries, Map<String, Long> absentSince, Predicate<String> listed,
            Map<Integer, Seen> orphanSeen, long now, long l, long g, String self) {
        List<Entry> orphan = new ArrayList<>();
        List<Entry> delete = new ArrayList<>();
        Set<Integer> orphansNow = new HashSet<>();
        for (Entry e : entries) {
            if (e.node() == null || e.node().equals(self)) {
                continue;
            }
            if (e.orphan()) {
                orphansNow.add(e.vip());
                Seen s = orphanSeen.get(e.vip());
                if (s == null || s.revision() != e.revision()) {
                    orphanSeen.put(e.vip(), new Seen(e.revision(), now));
                } else if (now - s.since() >= g && !listed.test(e.node())) {
                    delete.add(e);
                }
                continue;
            }
            Long since = absentSince.get(e.node());
            if (since != null && now - since >= l) {
                orphan.add(e);
            }
        }
        orphanSeen.keySet().retainAll(orphansNow);
        return new Plan(orphan, delete);
    }

    /** One round: renew (or take) the lock, then orphan and delete as {@link #plan} says. On the KV executor. */
    void tick() {
        long now = nanos.getAsLong();
        if (!liveness.available()) {
            lose(now, "this node cannot write to the cluster's KV");
            return;
        }
        try {
            if (!lock()) {
                lose(now, null);
                return;
            }
        } catch (Exception e) {
            lose(now, "the lock could not be renewed: " + e);
            return;
        }
        if (!holding) {
            holding = true;
            quietUntil = now + lNanos;
            LOG.info("Cluster node {} is the janitor now (orphans nothing for {} ms)", nodeId, lNanos / 1_000_000);
        }
        if (now - quietUntil < 0) {
            return;
        }
        runs.increment();
        Plan p = plan(entries.get(), liveness.absentSince(), liveness::isListed, orphanSeen, now, lNanos, gNanos, nodeId);
        for (Entry e : p.orphan()) {
            markOrphan(e);
        }
        for (Entry e : p.delete()) {
            deleteOrphan(e);
        }
    }

    private void lose(long now, String why) {
        if (holding) {
            holding = false;
            if (why != null) {
                LOG.warn("Cluster node {} stops being the janitor: {}", nodeId, why);
            }
        }
        orphanSeen.clear(); // a new term starts counting G afresh
        quietUntil = now + lNanos;
    }

    /** Takes or renews the lock: true when this node holds it. */
    private boolean lock() throws Exception {
        byte[] value = ("{\"node\":\"" + nodeId + "\"}").getBytes(StandardCharsets.UTF_8);
        if (lockRevision != 0) {
            try {
                lockRevision = nodes.update(LOCK, value, lockRevision);
                return true;
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != VipRegistry.WRONG_LAST_SEQUENCE) {
                    throw e;
                }
                lockRevision = 0; // expired or taken: try to create it below
            }
        }
        try {
            lockRevision = nodes.create(LOCK, value);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != VipRegistry.WRONG_LAST_SEQUENCE) {
                throw e;
            }
        }
        KeyValueEntry held = nodes.get(LOCK);
        if (held != null && nodeId.equals(field(held.getValue(), "node"))) {
            lockRevision = held.getRevision(); // ours from before a failure: renew it next time
            return true;
        }
        return false;
    }

    private void markOrphan(Entry e) {
        String key = "ip." + new io.dosp.protocol.Vip(e.vip());
        try {
            KeyValueEntry now = vips.get(key);
            if (now == null || now.getValue() == null || now.getRevision() != e.revision()) {
                return; // changed meanwhile: the mirror will show the newer claim
            }
            JsonNode tree = JSON.readTree(now.getValue());
            ObjectNode o = tree instanceof ObjectNode on ? on : JSON.createObjectNode();
            o.put("state", "orphan");
            vips.update(key, JSON.writeValueAsBytes(o), e.revision());
            orphaned.increment();
            LOG.info("Janitor {}: vIP {} of gone node {} marked orphan", nodeId, new io.dosp.protocol.Vip(e.vip()),
                    e.node());
        } catch (JetStreamApiException x) {
            if (x.getApiErrorCode() != VipRegistry.WRONG_LAST_SEQUENCE) {
                LOG.warn("Janitor {}: could not orphan {}: {}", nodeId, key, x.getMessage());
            }
        } catch (Exception x) {
            LOG.warn("Janitor {}: could not orphan {}: {}", nodeId, key, x.toString());
        }
    }

    private void deleteOrphan(Entry e) {
        String key = "ip." + new io.dosp.protocol.Vip(e.vip());
        try {
            vips.delete(key, e.revision());
            reclaimed.increment();
            orphanSeen.remove(e.vip());
            LOG.info("Janitor {}: orphan vIP {} of node {} reclaimed (free again)", nodeId,
                    new io.dosp.protocol.Vip(e.vip()), e.node());
        } catch (JetStreamApiException x) {
            if (x.getApiErrorCode() != VipRegistry.WRONG_LAST_SEQUENCE) {
                LOG.warn("Janitor {}: could not reclaim {}: {}", nodeId, key, x.getMessage());
            }
        } catch (Exception x) {
            LOG.warn("Janitor {}: could not reclaim {}: {}", nodeId, key, x.toString());
        }
    }

    private static String field(byte[] value, String name) {
        try {
            JsonNode n = value == null ? null : JSON.readTree(value);
            JsonNode f = n == null ? null : n.get(name);
            return f == null || !f.isTextual() ? null : f.asText();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether this node held the lock at its last tick. */
    boolean holding() {
        return holding;
    }

    /** Gives the lock up (a clean leave) so that another node takes over at once. */
    void close() {
        if (holding && lockRevision != 0) {
            try {
                nodes.delete(LOCK, lockRevision);
            } catch (Exception e) {
                LOG.debug("Janitor lock release: {}", e.toString());
            }
        }
        holding = false;
    }

    long runs() {
        return runs.sum();
    }

    long orphaned() {
        return orphaned.sum();
    }

    long reclaimed() {
        return reclaimed.sum();
    }
}
