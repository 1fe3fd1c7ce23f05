package io.dosp.cluster.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.protocol.Resume;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.internal.cluster.ClusterUnavailableException;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's vIP registry in a JetStream KV bucket ({@code dosp_<cluster>_vip}, history 1): key
 * {@code ip.<a.b.c.d>}, value a small JSON object naming the node that holds it. Claims are create-if-absent
 * ({@code KeyValue.create}: "wrong last sequence" means another node has it), releases compare-and-set
 * ({@code delete(key, revision)}: a node never deletes a newer owner's claim). Every node watches the whole bucket
 * into its {@link #owner mirror}, which routing and GCL read.
 *
 * <p>Threading: the blocking KV calls run on {@code executor} (bounded; never an event loop), the watch on a jnats
 * thread; the mirror is a concurrent map in which an entry only ever gives way to a higher revision.
 */
final class VipRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(VipRegistry.class);
    /** JetStream's API error code for "wrong last sequence" (the key exists). */
    static final int WRONG_LAST_SEQUENCE = 10071;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Candidates one allocation tries before it gives up (each a conflict with another node). */
    private static final int MAX_ATTEMPTS = 64;
    /** Attempts to store a resume hash when the registry does not answer. */
    private static final int RESUMABLE_ATTEMPTS = 3;

    /** Who holds a vIP, at which revision of its key, in which state ({@code held}, {@code orphan}, {@code moving}). */
    record Claim(String node, long revision, String state) {
        /** Whether the janitor marked it orphan (its node is gone). */
        boolean orphan() {
            return "orphan".equals(state);
        }
    }

    private final KeyValue kv;
    private final VipTemplate template;
    private final String nodeId;
    private volatile long epoch;
    private final ExecutorService executor;
    private final Predicate<Vip> claimableHere;
    /** The registry by vIP value; routing reads it through {@link VipMirror#at} (no boxing per frame). */
    private final VipMirror<Claim> mirror;
    /** This node's claims and their revisions (what it may delete). */
    private final Map<Integer, Long> mine = new ConcurrentHashMap<>();
    /**
     * This node's claims marked {@code moving} by a drain, and their revisions: no longer released when the session
     * ends, taken over by another node (the watch removes them here) or deleted when this node leaves.
     */
    private final Map<Integer, Long> moving = new ConcurrentHashMap<>();
    private final LongAdder moved = new LongAdder();
    /** Candidates an allocation of this node is trying now (two never try the same). */
    private final Set<Integer> trying = ConcurrentHashMap.newKeySet();
    private final Object cursorLock = new Object();
    private int cursor;
    private final LongAdder claims = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder releases = new LongAdder();
    private final LongAdder takeOvers = new LongAdder();
    private volatile NatsKeyValueWatchSubscription watch;
    /** Closes the local session of a vIP this node served and another node now holds (EXIT "moved"). */
    private volatile java.util.function.Consumer<Vip> fencer = v -> { };
    private final LongAdder fenced = new LongAdder();
    /** The resume hash (hex) of each of this node's claims that has one: written again when a claim is re-created. */
    private final Map<Integer, String> myResume = new ConcurrentHashMap<>();
    private final LongAdder reclaimedOwn = new LongAdder();

    VipRegistry(KeyValue kv, VipTemplate template, String nodeId, long epoch, ExecutorService executor,
            Predicate<Vip> claimableHere) {
        this.kv = kv;
        this.template = template;
        this.mirror = new VipMirror<>(template);
        this.nodeId = nodeId;
        this.epoch = epoch;
        this.executor = executor;
        this.claimableHere = claimableHere;
        // Spread the nodes over the template so that their first candidates rarely collide.
        this.cursor = Math.floorMod(nodeId.hashCode() * 0x9E3779B9, template.size());
    }

    /** Starts the watch and returns once the mirror holds every claim that existed (or throws after {@code timeout}). */
    void start(Duration timeout) throws Exception {
        CountDownLatch loaded = new CountDownLatch(1);
        watch = kv.watchAll(new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                onEntry(e);
            }

            @Override
            public void endOfData() {
                loaded.countDown();
            }
        });
        if (!loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new ClusterUnavailableException("the vIP registry did not load within " + timeout.toMillis() + " ms");
        }
    }

    private void onEntry(KeyValueEntry e) {
        Integer vip = vipOfKey(e.getKey());
        if (vip == null) {
            return;
        }
        long rev = e.getRevision();
        Long movingRev = moving.get(vip);
        if (movingRev != null && rev > movingRev) {
            // A moving claim of ours was taken over (or deleted): nothing of ours to delete on leave.
            if (moving.remove(vip, movingRev)) {
                moved.increment();
                synchronized (moving) {
                    moving.notifyAll();
                }
            }
        }
        if (e.getOperation() == KeyValueOperation.PUT) {
            Claim c = new Claim(nodeOf(e.getValue()), rev, stateOf(e.getValue()));
            mirror.merge(vip, c, (old, neu) -> old.revision() >= neu.revision() ? old : neu);
            Long my = mine.get(vip);
            if (my != null && rev > my) {
                if (!nodeId.equals(c.node())) {
                    fence(vip, my); // another node holds what this node serves: it moved
                } else if (c.orphan()) {
                    later(() -> reclaimOwn(vip, rev)); // marked orphan while this node was cut off: ours again
                }
            }
        } else {
            // A delete (or purge) removes the claim it follows, never a newer one this node already knows of.
            mirror.computeIfPresent(vip, (k, old) -> old.revision() < rev ? null : old);
            Long my = mine.get(vip);
            if (my != null && rev > my) {
                later(() -> recreate(vip, my)); // reclaimed by the janitor while this node was cut off
            }
        }
    }

    // ---- fencing and re-validation (liveness, janitor and fencing; see docs/cluster.md) ----

    /** Where fenced vIPs go: the node closes their local sessions with EXIT "moved". */
    void fencing(java.util.function.Consumer<Vip> fence) {
        this.fencer = fence;
    }

    /** The epoch this node's new claims carry (a new one after it re-registered). */
    void epoch(long epoch) {
        this.epoch = epoch;
    }

    private void later(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            LOG.debug("Registry re-validation not run (closing or busy): {}", e.toString());
        }
    }

    private void rememberResume(int vip, String hex) {
        if (hex == null) {
            myResume.remove(vip);
        } else {
            myResume.put(vip, hex);
        }
    }

    /** Another node holds {@code vip}, which this node served at revision {@code my}: its local session goes. */
    private void fence(int vip, long my) {
        if (mine.remove(vip, my)) {
            fenced.increment();
            LOG.warn("Cluster node {}: vIP {} is held by another node now: its session here is closed (moved)", nodeId,
                    new Vip(vip));
            fencer.accept(new Vip(vip));
        }
    }

    /** Our entry of {@code vip} was marked orphan (revision {@code rev}): claims it back (CAS), keeping its fields. */
    private void reclaimOwn(int vip, long rev) {
        Long my = mine.get(vip);
        if (my == null || my >= rev) {
            return;
        }
        String key = key(new Vip(vip));
        try {
            io.nats.client.api.KeyValueEntry now = kv.get(key);
            if (now == null || now.getValue() == null || now.getRevision() != rev) {
                return; // changed again: the watch brings it
            }
            JsonNode tree = JSON.readTree(now.getValue());
            com.fasterxml.jackson.databind.node.ObjectNode o = tree instanceof com.fasterxml.jackson.databind.node.ObjectNode on
                    ? on : JSON.createObjectNode();
            if (!nodeId.equals(o.path("node").asText(null))) {
                return;
            }
            o.put("state", "held");
            o.put("epoch", epoch);
            long neu = kv.update(key, JSON.writeValueAsBytes(o), rev);
            if (mine.replace(vip, my, neu)) {
                reclaimedOwn.increment();
                LOG.info("Cluster node {}: vIP {} was orphaned while this node was cut off; claimed back", nodeId,
                        new Vip(vip));
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
                LOG.warn("Cluster node {}: could not claim orphaned vIP {} back: {}", nodeId, new Vip(vip), e.getMessage());
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Cluster node {}: could not claim orphaned vIP {} back: {}", nodeId, new Vip(vip), e.toString());
        }
    }

    /** Our entry of {@code vip} (revision {@code my}) was deleted by the janitor: create it again, or fence. */
    private void recreate(int vip, long my) {
        if (!Long.valueOf(my).equals(mine.get(vip))) {
            return;
        }
        try {
            long neu = kv.create(key(new Vip(vip)), value(myResume.get(vip))); // its resume hash kept
            if (mine.replace(vip, my, neu)) {
                reclaimedOwn.increment();
                mirror.merge(vip, new Claim(nodeId, neu, "held"), (old, n) -> old.revision() >= n.revision() ? old : n);
                LOG.info("Cluster node {}: vIP {} was reclaimed while this node was cut off; claimed again", nodeId,
                        new Vip(vip));
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                fence(vip, my); // somebody else has it
            } else {
                LOG.warn("Cluster node {}: could not claim reclaimed vIP {} again: {}", nodeId, new Vip(vip), e.getMessage());
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Cluster node {}: could not claim reclaimed vIP {} again: {}", nodeId, new Vip(vip), e.toString());
        }
    }

    /**
     * After this node re-registered (its liveness key had expired): checks each of its claims in the registry itself
     * (not the mirror, which may lag): held by another node → fenced; orphan-marked for us → claimed back; gone →
     * created again or fenced. On the executor.
     */
    void revalidate() {
        for (Map.Entry<Integer, Long> m : List.copyOf(mine.entrySet())) {
            int vip = m.getKey();
            long my = m.getValue();
            later(() -> {
                try {
                    io.nats.client.api.KeyValueEntry now = kv.get(key(new Vip(vip)));
                    if (now == null || now.getOperation() != KeyValueOperation.PUT) {
                        recreate(vip, my);
                    } else if (!nodeId.equals(nodeOf(now.getValue()))) {
                        if (now.getRevision() > my) {
                            fence(vip, my);
                        }
                    } else if ("orphan".equals(stateOf(now.getValue()))) {
                        reclaimOwn(vip, now.getRevision());
                    }
                } catch (JetStreamApiException | java.io.IOException | RuntimeException e) {
                    LOG.warn("Cluster node {}: could not re-validate vIP {}: {}", nodeId, new Vip(vip), e.toString());
                }
            });
        }
    }

    /** The claim of {@code vip} in the mirror, or null. */
    Claim claimOf(int vip) {
        return mirror.at(vip); // per cross-node frame: the slot, not the map (no Integer, no hashing)
    }

    /** The mirror as the janitor sees it. */
    List<Janitor.Entry> entries() {
        List<Janitor.Entry> out = new ArrayList<>(mirror.size());
        for (Map.Entry<Integer, Claim> e : mirror.entrySet()) {
            Claim c = e.getValue();
            out.add(new Janitor.Entry(e.getKey(), c.node(), c.state(), c.revision()));
        }
        return out;
    }

    /** The nodes the mirror names (for the liveness polls). */
    Set<String> nodes() {
        Set<String> out = new java.util.HashSet<>();
        for (Claim c : mirror.values()) {
            if (c.node() != null) {
                out.add(c.node());
            }
        }
        return out;
    }

    long fenced() {
        return fenced.sum();
    }

    long reclaimedOwn() {
        return reclaimedOwn.sum();
    }

    /** The node holding the vIP with 32-bit value {@code vip} in the mirror, or null. */
    String owner(int vip) {
        Claim c = mirror.at(vip);
        return c == null ? null : c.node();
    }

    /** Every vIP claimed in the mirror, ascending (not the orphaned ones: nobody is behind them). */
    List<Vip> vips() {
        List<Vip> out = new ArrayList<>(mirror.size());
        for (Map.Entry<Integer, Claim> e : mirror.entrySet()) {
            if (e.getValue().node() != null && !e.getValue().orphan()) {
                out.add(new Vip(e.getKey()));
            }
        }
        out.sort(null);
        return out;
    }

    /** Claims a free vIP for a new connection (see {@code ClusterNode.allocate}). */
    CompletableFuture<Vip> allocate() {
        CompletableFuture<Vip> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    f.complete(allocateNow());
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new ClusterUnavailableException("cluster busy: try again"));
        }
        return f;
    }

    private Vip allocateNow() {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Vip candidate = nextCandidate();
            if (candidate == null) {
                throw new ClusterUnavailableException("Server full");
            }
            try {
                if (createNow(candidate)) {
                    return candidate;
                }
            } finally {
                trying.remove(candidate.value());
            }
        }
        throw new ClusterUnavailableException("cluster busy: try again");
    }

    /** The next vIP that no claim in the mirror, no allocation of ours and nothing on this node holds; null: none. */
    private Vip nextCandidate() {
        int size = template.size();
        int base = template.base().value();
        synchronized (cursorLock) {
            for (int i = 0; i < size; i++) {
                int offset = cursor;
                cursor = cursor + 1 == size ? 0 : cursor + 1;
                Vip v = new Vip(base + offset);
                if (!mirror.containsKey(v.value()) && claimableHere.test(v) && trying.add(v.value())) {
                    return v;
                }
            }
        }
        return null;
    }

    /**
     * Creates the claim of {@code vip} for this node now (on the executor): true when it is ours, false when another
     * node holds it; throws {@link ClusterUnavailableException} when the registry cannot be reached.
     */
    private boolean createNow(Vip vip) {
        return createNow(vip, null);
    }

    /** As {@link #createNow(Vip)}, with {@code resumeHex} (or null) as the entry's resume hash. */
    private boolean createNow(Vip vip, String resumeHex) {
        try {
            long rev = kv.create(key(vip), value(resumeHex));
            mine.put(vip.value(), rev);
            rememberResume(vip.value(), resumeHex);
            mirror.merge(vip.value(), new Claim(nodeId, rev, "held"), (old, neu) -> old.revision() >= neu.revision() ? old : neu);
            claims.increment();
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                conflicts.increment();
                // Held elsewhere; the watch brings its owner (the cursor has moved past it meanwhile).
                return false;
            }
            throw new ClusterUnavailableException("cluster unavailable", e);
        } catch (java.io.IOException | RuntimeException e) {
            throw new ClusterUnavailableException("cluster unavailable", e);
        }
    }

    /** Claims {@code wanted} for an RQIP: null when claimed, else the RQIP refusal. */
    CompletableFuture<String> claim(Vip wanted) {
        CompletableFuture<String> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                if (!trying.add(wanted.value())) {
                    f.complete(RqipReply.IN_USE); // another client of this node is claiming it now
                    return;
                }
                try {
                    f.complete(createNow(wanted) ? null : RqipReply.IN_USE);
                } catch (ClusterUnavailableException e) {
                    f.complete("cluster unavailable");
                } finally {
                    trying.remove(wanted.value());
                }
            });
        } catch (RejectedExecutionException e) {
            f.complete("cluster busy: try again");
        }
        return f;
    }

    /** Stores a resume hash in this node's entry of {@code vip} (see {@code ClusterNode.resumable}). */
    CompletableFuture<Boolean> resumable(Vip vip, String hashHex) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        try {
            executor.execute(() -> f.complete(resumableNow(vip, hashHex)));
        } catch (RejectedExecutionException e) {
            f.complete(false);
        }
        return f;
    }

    private boolean resumableNow(Vip vip, String hashHex) {
        Long rev = mine.get(vip.value());
        if (rev == null) {
            return false;
        }
        long updated = -1;
        for (int attempt = 1; updated < 0; attempt++) {
            try {
                updated = kv.update(key(vip), value(hashHex), rev);
            } catch (JetStreamApiException e) {
                LOG.debug("Resume hash of {} not stored (revision {}): {}", vip, rev, e.getMessage());
                return false; // not our revision any more (released, moved, taken over)
            } catch (java.io.IOException | RuntimeException e) {
                // A timeout on a loaded NATS, most likely: the update did not happen, or did (then the next attempt
                // meets "wrong last sequence" and the client goes without a secret).
                if (attempt == RESUMABLE_ATTEMPTS) {
                    LOG.warn("Resume hash of {} not stored after {} attempts: {}", vip, attempt, e.toString());
                    return false;
                }
            }
        }
        if (!mine.replace(vip.value(), rev, updated)) {
            // Released (or moved) while the update ran: the release deleted the old revision in vain; delete ours.
            deleteNow(vip, updated);
            return false;
        }
        myResume.put(vip.value(), hashHex);
        mirror.merge(vip.value(), new Claim(nodeId, updated, "held"), (old, neu) -> old.revision() >= neu.revision() ? old : neu);
        return true;
    }

    /**
     * Takes {@code vip} over for a client proving {@code secret} (see {@code ClusterNode.takeOver}); {@code nodeLive}
     * answers, blocking, whether a node is live now.
     */
    CompletableFuture<Resume.Failed> takeOver(Vip vip, byte[] secret, String newHashHex, Predicate<String> nodeLive) {
        CompletableFuture<Resume.Failed> f = new CompletableFuture<>();
        byte[] s = secret.clone();
        try {
            executor.execute(() -> {
                try {
                    f.complete(takeOverNow(vip, s, newHashHex, nodeLive));
                } catch (RuntimeException e) {
                    f.complete(new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "cluster unavailable"));
                } finally {
                    java.util.Arrays.fill(s, (byte) 0);
                }
            });
        } catch (RejectedExecutionException e) {
            f.complete(new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "cluster busy: try again"));
        }
        return f;
    }

    private Resume.Failed takeOverNow(Vip vip, byte[] secret, String newHashHex, Predicate<String> nodeLive) {
        if (!trying.add(vip.value())) {
            return new Resume.Failed(vip, Resume.Failed.CONFLICT, "another client of this node is claiming it now");
        }
        try {
            KeyValueEntry e;
            try {
                e = kv.get(key(vip));
            } catch (JetStreamApiException | java.io.IOException | RuntimeException ex) {
                return new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "cluster unavailable");
            }
            if (e == null || e.getOperation() != KeyValueOperation.PUT || e.getValue() == null) {
                // Nobody holds it (its node released it): claimed as by RQIP.
                try {
                    return createNow(vip, newHashHex) ? taken(vip)
                            : new Resume.Failed(vip, Resume.Failed.CONFLICT, "claimed by another node meanwhile");
                } catch (ClusterUnavailableException ex) {
                    return new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "cluster unavailable");
                }
            }
            JsonNode entry;
            try {
                entry = JSON.readTree(e.getValue());
            } catch (java.io.IOException ex) {
                entry = null;
            }
            String holder = text(entry, "node");
            String state = text(entry, "state");
            if (!Resume.matches(secret, text(entry, "resume"))) {
                return new Resume.Failed(vip, Resume.Failed.BAD_SECRET, "the secret does not match this vIP's");
            }
            if (nodeId.equals(holder) && mine.containsKey(vip.value())) {
                return new Resume.Failed(vip, Resume.Failed.HELD, "held by a connection on this node");
            }
            boolean free = "orphan".equals(state) || "moving".equals(state) || holder == null || nodeId.equals(holder)
                    || !nodeLive.test(holder);
            if (!free) {
                return new Resume.Failed(vip, Resume.Failed.HELD, "held by a live node");
            }
            long rev;
            try {
                rev = kv.update(key(vip), value(newHashHex), e.getRevision());
            } catch (JetStreamApiException ex) {
                if (ex.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                    conflicts.increment();
                    return new Resume.Failed(vip, Resume.Failed.CONFLICT, "the entry changed meanwhile");
                }
                return new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "cluster unavailable");
            } catch (java.io.IOException | RuntimeException ex) {
                return new Resume.Failed(vip, Resume.Failed.UNAVAILABLE, "cluster unavailable");
            }
            mine.put(vip.value(), rev);
            rememberResume(vip.value(), newHashHex);
            mirror.merge(vip.value(), new Claim(nodeId, rev, "held"), (old, neu) -> old.revision() >= neu.revision() ? old : neu);
            LOG.info("Took over vIP {} from node {} ({}) for a resuming client", vip, holder, state);
            return taken(vip);
        } finally {
            trying.remove(vip.value());
        }
    }

    private Resume.Failed taken(Vip vip) {
        takeOvers.increment();
        return null;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    /**
     * Marks this node's claim of {@code vip} {@code moving} (its other fields kept, compare-and-set on its revision), on
     * the executor: from then on it is not released when its session ends, but left for the client to take over on
     * another node (with its resume secret), or deleted when this node {@link #close leaves}. Completes normally
     * either way; a claim whose mark failed stays held and is released as usual.
     */
    CompletableFuture<Void> markMoving(Vip vip) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Runnable mark = () -> {
            try {
                markMovingNow(vip);
            } finally {
                f.complete(null);
            }
        };
        try {
            executor.execute(mark);
        } catch (RejectedExecutionException e) {
            f.complete(null); // closing or busy: the claim is released as usual
        }
        return f;
    }

    private void markMovingNow(Vip vip) {
        Long rev = mine.get(vip.value());
        if (rev == null) {
            return;
        }
        try {
            KeyValueEntry e = kv.get(key(vip));
            if (e == null || e.getRevision() != rev || e.getValue() == null) {
                LOG.warn("vIP {} is not at this node's revision {} in the registry; not marked moving", vip, rev);
                return;
            }
            JsonNode v = JSON.readTree(e.getValue());
            ObjectNode value = v instanceof ObjectNode o ? o : JSON.createObjectNode().put("node", nodeId);
            value.put("state", "moving");
            long next = kv.update(key(vip), value.toString().getBytes(StandardCharsets.UTF_8), rev);
            if (mine.remove(vip.value(), rev)) {
                moving.put(vip.value(), next);
            } else {
                // released meanwhile (the client left first): give the moving claim back at once
                deleteNow(vip, next);
            }
        } catch (JetStreamApiException e) {
            LOG.warn("Could not mark vIP {} moving in the registry: {}", vip, e.getMessage());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Could not mark vIP {} moving in the registry: {}", vip, e.toString());
        }
    }

    /**
     * Waits up to {@code grace} until every claim this node marked moving has been taken over (the watch shows a newer
     * revision); returns how many are left.
     */
    int awaitHandover(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (moving) {
            long left;
            while (!moving.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(moving, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return moving.size();
    }

    /** Gives this node's claim of {@code vip} back (compare-and-set on its revision), on the executor. */
    void release(Vip vip) {
        myResume.remove(vip.value());
        Long rev = mine.remove(vip.value());
        if (rev == null) {
            return;
        }
        mirror.remove(vip.value(), new Claim(nodeId, rev, "held"));
        Runnable delete = () -> deleteNow(vip, rev);
        try {
            executor.execute(delete);
        } catch (RejectedExecutionException e) {
            delete.run(); // closing: the executor takes no more tasks
        }
    }

    private void deleteNow(Vip vip, long rev) {
        try {
            kv.delete(key(vip), rev);
            releases.increment();
        } catch (JetStreamApiException e) {
            // Wrong last sequence: someone else's claim by now (a reclaim); nothing of ours to delete.
            LOG.warn("Could not release vIP {} (revision {}) in the registry: {}", vip, rev, e.getMessage());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Could not release vIP {} in the registry (it stays claimed until reclaimed): {}", vip, e.toString());
        }
    }

    /**
     * Gives back every claim of this node (leaving), the moving ones no other node took over included (compare-and-set:
     * a take-over is never deleted), then stops the watch.
     */
    void close() {
        for (Integer v : List.copyOf(mine.keySet())) {
            Long rev = mine.remove(v);
            if (rev != null) {
                deleteNow(new Vip(v), rev);
            }
        }
        for (Integer v : List.copyOf(moving.keySet())) {
            Long rev = moving.remove(v);
            if (rev != null) {
                deleteNow(new Vip(v), rev);
            }
        }
        NatsKeyValueWatchSubscription w = watch;
        if (w != null) {
            try {
                w.unsubscribe();
            } catch (RuntimeException e) {
                LOG.debug("Watch unsubscribe: {}", e.toString());
            }
        }
    }

    long claims() {
        return claims.sum();
    }

    long conflicts() {
        return conflicts.sum();
    }

    long releases() {
        return releases.sum();
    }

    /** Resumes granted: entries taken over (or claimed afresh) for clients proving their secret. */
    long takeOvers() {
        return takeOvers.sum();
    }

    /** Claims marked moving that another node took over. */
    long handedOver() {
        return moved.sum();
    }

    /** Claims marked moving, not taken over yet. */
    int movingNow() {
        return moving.size();
    }

    static String key(Vip vip) {
        return "ip." + vip;
    }

    /** An entry held by this node, with {@code resumeHex} (64 hex digits, or null: none) as its resume hash. */
    private byte[] value(String resumeHex) {
        // node ids are [A-Za-z0-9_-] only, hashes hex: nothing to escape
        return ("{\"node\":\"" + nodeId + "\",\"epoch\":" + epoch + ",\"since\":" + System.currentTimeMillis()
                + ",\"state\":\"held\"" + (resumeHex == null ? "" : ",\"resume\":\"" + resumeHex + "\"") + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The vIP of a registry key, or null for another key. */
    static Integer vipOfKey(String key) {
        if (key == null || !key.startsWith("ip.")) {
            return null;
        }
        try {
            return Vip.parse(key.substring(3)).value();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String nodeOf(byte[] value) {
        return textField(value, "node");
    }

    /** The entry's {@code state}; {@code held} when absent (older writers). */
    static String stateOf(byte[] value) {
        String s = textField(value, "state");
        return s == null ? "held" : s;
    }

    private static String textField(byte[] value, String field) {
        try {
            JsonNode n = value == null ? null : JSON.readTree(value);
            JsonNode node = n == null ? null : n.get(field);
            return node == null || !node.isTextual() ? null : node.asText();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
