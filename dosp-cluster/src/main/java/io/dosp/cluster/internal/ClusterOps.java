package io.dosp.cluster.internal;

import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.cluster.AclChange;
import io.dosp.server.internal.cluster.ClusterServices;
import io.dosp.server.internal.cluster.ClusterUnavailableException;
import io.dosp.server.internal.cluster.NodeReplies;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything but S2C and groups/names cluster-wide (docs/cluster.md, "Broadcast and control"):
 * <ul>
 * <li>admin requests to one node: a NATS request on its control subject {@code dosp.<C>.ctl.<node>} with header
 * {@value #KIND}{@code : admin}, body the command line (UTF-8), answered with the reply text (UTF-8) within
 * {@link #DEADLINE};</li>
 * <li>broadcasts: one message on {@code dosp.<C>.bcst}, body {@code u8 n, n bytes origin node id, MSG text}, reply
 * subject an inbox; every other node sends the MSG to its routable clients and answers its count (decimal);</li>
 * <li>access lists: the KV bucket {@code dosp_<C>_acl} (history 1): {@code ban.<hex>}, {@code white.<hex>} (hex of
 * the normalised hash's UTF-8), {@code revoke.<hex>} (of the user name), {@code block.<a.b.c.d>},
 * {@code mode.whitelist}; present = put (value
 * {@code {"node":ID,"at":MS}}), absent = delete. Every node watches it and applies each change locally.</li>
 * </ul>
 * Never blocks a jnats dispatcher or an event loop: commands run on {@code executor} (bounded: a full queue answers
 * {@code ERR:}), KV writes too; gathers complete on {@code timer} at the deadline.
 */
final class ClusterOps {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterOps.class);
    /** The header that marks a control-subject message as a request (absent: an S2CF list of {@link S2cBus}). */
    static final String KIND = "Dosp-Kind";
    /** The kind of an admin request. */
    static final String KIND_ADMIN = "admin";
    /** The kind of a GCL request under client admission (body: the viewer's principal, JSON; reply: 4 bytes per vIP). */
    static final String KIND_GCL = "gcl";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** How long a request or a gather waits for the other nodes. */
    static final Duration DEADLINE = Duration.ofSeconds(3);
    /** Broadcasts and replies waiting for this node's ops dispatcher at most (messages, bytes). */
    static final int PENDING_MESSAGES = 4096;
    static final long PENDING_BYTES = 16L << 20;
    /** The longest command line or broadcast text sent to other nodes, in bytes. */
    static final int MAX_TEXT = 64 * 1024;

    private final Connection nc;
    private final KeyValue acl;
    private final String nodeId;
    private final String ctlPrefix;
    private final String bcstSubject;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Supplier<Set<String>> liveNodes;
    private final PeerLog log;
    private final LongAdder requestsServed = new LongAdder();
    private final LongAdder requestsRefused = new LongAdder();
    private final LongAdder broadcastsReceived = new LongAdder();
    private volatile ClusterServices services;
    private volatile Dispatcher dispatcher;
    private volatile NatsKeyValueWatchSubscription watch;
    /** False while the watch delivers the bucket's existing entries: delete markers then are history, not changes. */
    private volatile boolean loaded;

    ClusterOps(Connection nc, KeyValue acl, String cluster, String nodeId, Executor executor, ScheduledExecutorService timer,
            Supplier<Set<String>> liveNodes, PeerLog log) {
        this.nc = nc;
        this.acl = acl;
        this.nodeId = nodeId;
        this.ctlPrefix = "dosp." + cluster + ".ctl.";
        this.bcstSubject = "dosp." + cluster + ".bcst";
        this.executor = executor;
        this.timer = timer;
        this.liveNodes = liveNodes;
        this.log = log;
    }

    /** Starts serving with {@code s}: subscribes to broadcasts, loads and watches the access lists (blocks up to {@code timeout}). */
    void serve(ClusterServices s, Duration timeout) {
        if (services != null) {
            throw new IllegalStateException("already serving");
        }
        services = s;
        Dispatcher d = nc.createDispatcher(this::onBroadcast);
        d.setPendingLimits(PENDING_MESSAGES, PENDING_BYTES); // past it NATS drops (slow consumer): the origin sees no answer
        d.subscribe(bcstSubject);
        dispatcher = d;
        CountDownLatch done = new CountDownLatch(1);
        try {
            watch = acl.watchAll(new KeyValueWatcher() {
                @Override
                public void watch(KeyValueEntry e) {
                    onAcl(e);
                }

                @Override
                public void endOfData() {
                    loaded = true;
                    done.countDown();
                }
            });
            if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ClusterUnavailableException("the cluster's access lists did not load within " + timeout.toMillis() + " ms");
            }
        } catch (ClusterUnavailableException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnavailableException("interrupted while loading the cluster's access lists", e);
        } catch (Exception e) {
            throw new ClusterUnavailableException("cannot watch the cluster's access lists: " + e.getMessage(), e);
        }
    }

    // ---- admin requests ----

    /** A control-subject message with the {@value #KIND} header (called on the S2C dispatcher: hands off at once). */
    void onControl(Message m) {
        String kind = m.getHeaders().getFirst(KIND);
        String replyTo = m.getReplyTo();
        if (replyTo == null) {
            return; // nobody to answer
        }
        ClusterServices s = services;
        if (KIND_GCL.equals(kind) && s != null) {
            onGcl(s, m.getData(), replyTo);
            return;
        }
        if (!KIND_ADMIN.equals(kind) || s == null) {
            requestsRefused.increment();
            reply(replyTo, "ERR:node " + nodeId + " does not serve '" + log.text(kind) + "' requests"
                    + (s == null ? " yet" : ""));
            return;
        }
        String line = new String(m.getData(), StandardCharsets.UTF_8);
        try {
            executor.execute(() -> {
                CompletableFuture<String> f;
                try {
                    f = s.command(line);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                f.whenComplete((text, e) -> {
                    requestsServed.increment();
                    reply(replyTo, e == null ? text : "ERR:" + e.getMessage());
                });
            });
        } catch (RejectedExecutionException e) {
            requestsRefused.increment();
            reply(replyTo, "ERR:node " + nodeId + " is too busy to answer (cluster queue full)");
        }
    }

    private void onGcl(ClusterServices s, byte[] body, String replyTo) {
        io.dosp.server.internal.session.Principal viewer;
        try {
            viewer = principal(body);
        } catch (java.io.IOException | RuntimeException e) {
            requestsRefused.increment();
            LOG.debug("Malformed GCL request ignored: {}", e.toString());
            return;
        }
        try {
            executor.execute(() -> {
                java.util.List<io.dosp.protocol.Vip> vips = s.visibleTo(viewer);
                byte[] out = new byte[Math.min(vips.size(), MAX_TEXT / 4) * 4];
                for (int i = 0; i < out.length / 4; i++) {
                    int v = vips.get(i).value();
                    out[4 * i] = (byte) (v >>> 24);
                    out[4 * i + 1] = (byte) (v >>> 16);
                    out[4 * i + 2] = (byte) (v >>> 8);
                    out[4 * i + 3] = (byte) v;
                }
                requestsServed.increment();
                try {
                    nc.publish(replyTo, out);
                } catch (RuntimeException e) {
                    LOG.debug("Could not answer a GCL request: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            requestsRefused.increment(); // no answer: the asking node lists none of ours this time
        }
    }

    /** The principal of a GCL request: {@code {"user":U,"groups":[G,...],"admin":B}} ({@code ""}: anonymous). */
    static byte[] principalJson(io.dosp.server.internal.session.Principal p) {
        com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
        o.put("user", p.user());
        com.fasterxml.jackson.databind.node.ArrayNode g = o.putArray("groups");
        p.groups().stream().sorted().forEach(g::add);
        o.put("admin", p.admin());
        try {
            return JSON.writeValueAsBytes(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The principal {@link #principalJson} wrote (no identity key: the grants do not use it); throws when malformed. */
    static io.dosp.server.internal.session.Principal principal(byte[] json) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode o = JSON.readTree(json);
        if (o == null || !o.path("user").isTextual()) {
            throw new java.io.IOException("no user");
        }
        java.util.Set<String> groups = new java.util.HashSet<>();
        o.path("groups").forEach(n -> groups.add(n.asText()));
        return new io.dosp.server.internal.session.Principal(o.get("user").asText(), groups, o.path("admin").asBoolean(false), null);
    }

    /** The vIPs the other live nodes' admitted clients {@code viewer} may reach; completes normally by the deadline. */
    CompletableFuture<java.util.List<io.dosp.protocol.Vip>> visibleTo(io.dosp.server.internal.session.Principal viewer) {
        byte[] body = principalJson(viewer);
        Headers h = new Headers().add(KIND, KIND_GCL);
        java.util.Set<io.dosp.protocol.Vip> out = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String n : others()) {
            CompletableFuture<Message> f;
            try {
                f = nc.requestWithTimeout(ctlPrefix + n, h, body, DEADLINE);
            } catch (RuntimeException e) {
                continue;
            }
            all.add(f.handle((m, e) -> {
                if (e == null && !m.isStatusMessage()) {
                    byte[] b = m.getData();
                    for (int i = 0; i + 4 <= b.length; i += 4) {
                        out.add(io.dosp.protocol.Vip.fromBytes(b, i));
                    }
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(x -> List.copyOf(out));
    }

    private void reply(String subject, String text) {
        try {
            nc.publish(subject, truncate(text));
        } catch (RuntimeException e) {
            LOG.debug("Could not answer a cluster request: {}", e.toString());
        }
    }

    private static byte[] truncate(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return b.length <= MAX_TEXT ? b : java.util.Arrays.copyOf(b, MAX_TEXT);
    }

    /** Runs {@code line} on {@code node}; fails with a {@link ClusterUnavailableException} naming the node and why. */
    CompletableFuture<String> command(String node, String line) {
        Headers h = new Headers().add(KIND, KIND_ADMIN);
        CompletableFuture<Message> f;
        try {
            f = nc.requestWithTimeout(ctlPrefix + node, h, truncate(line), DEADLINE);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException("node " + node + " cannot be reached: " + e.getMessage(), e));
        }
        CompletableFuture<String> out = new CompletableFuture<>();
        f.whenComplete((m, e) -> {
            if (e != null) {
                out.completeExceptionally(new ClusterUnavailableException("node " + node + " did not answer within "
                        + DEADLINE.toMillis() + " ms (" + reason(e) + ")", e));
            } else if (m.isStatusMessage()) {
                out.completeExceptionally(new ClusterUnavailableException("node " + node + " did not answer ("
                        + m.getStatus().getMessage() + ")"));
            } else {
                out.complete(new String(m.getData(), StandardCharsets.UTF_8));
            }
        });
        return out;
    }

    private static String reason(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String m = c.getMessage();
        if (c instanceof java.util.concurrent.CancellationException || m == null) {
            return "timed out";
        }
        return m.toLowerCase(java.util.Locale.ROOT).contains("no responders") ? "no responders" : m;
    }

    /** Runs {@code line} on every other live node; always completes normally by the deadline. */
    CompletableFuture<NodeReplies> commandAll(String line) {
        List<String> nodes = others();
        Map<String, String> replies = new ConcurrentHashMap<>();
        List<String> missing = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String n : nodes) {
            all.add(command(n, line).handle((text, e) -> {
                if (e == null) {
                    replies.put(n, text);
                } else {
                    missing.add(n + " (" + reason(e) + ")");
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(x -> new NodeReplies(replies, sorted(missing)));
    }

    private List<String> others() {
        List<String> nodes = new ArrayList<>(liveNodes.get());
        nodes.remove(nodeId);
        nodes.sort(null);
        return nodes;
    }

    private static List<String> sorted(List<String> l) {
        synchronized (l) {
            List<String> c = new ArrayList<>(l);
            c.sort(null);
            return c;
        }
    }

    // ---- broadcasts ----

    /** Publishes MSG {@code text} once for every other node; completes by the deadline with their counts. */
    CompletableFuture<NodeReplies> broadcast(String text) {
        List<String> expected = others();
        byte[] origin = nodeId.getBytes(StandardCharsets.UTF_8);
        byte[] t = truncate(text);
        byte[] body = new byte[1 + origin.length + t.length];
        body[0] = (byte) origin.length;
        System.arraycopy(origin, 0, body, 1, origin.length);
        System.arraycopy(t, 0, body, 1 + origin.length, t.length);
        Map<String, String> replies = new ConcurrentHashMap<>();
        CompletableFuture<NodeReplies> out = new CompletableFuture<>();
        Dispatcher d = dispatcher;
        if (d == null) {
            return CompletableFuture.completedFuture(new NodeReplies(Map.of(), List.of()));
        }
        String inbox = nc.createInbox();
        java.util.concurrent.atomic.AtomicReference<io.nats.client.Subscription> sub = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable finish = () -> {
            List<String> missing = new ArrayList<>();
            for (String n : expected) {
                if (!replies.containsKey(n)) {
                    missing.add(n + " (no answer within " + DEADLINE.toMillis() + " ms)");
                }
            }
            if (out.complete(new NodeReplies(replies, missing))) {
                io.nats.client.Subscription mine = sub.get();
                try {
                    if (mine != null) {
                        d.unsubscribe(mine);
                    }
                } catch (RuntimeException e) {
                    LOG.debug("Unsubscribing a broadcast inbox: {}", e.toString());
                }
            }
        };
        sub.set(d.subscribe(inbox, m -> {
            // reply body: "<node id> <count>"
            String r = new String(m.getData(), StandardCharsets.UTF_8);
            int sp = r.indexOf(' ');
            if (sp > 0) {
                replies.put(r.substring(0, sp), r.substring(sp + 1));
            }
            if (replies.keySet().containsAll(expected)) {
                finish.run();
            }
        }));
        try {
            nc.publish(bcstSubject, inbox, body);
        } catch (RuntimeException e) {
            finish.run();
            return out;
        }
        if (expected.isEmpty()) {
            finish.run();
        } else {
            timer.schedule(finish, DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        }
        return out;
    }

    private void onBroadcast(Message m) {
        byte[] b = m.getData();
        if (b.length < 1 || b.length < 1 + (b[0] & 0xFF)) {
            LOG.debug("Malformed cluster broadcast of {} bytes ignored", b.length);
            return;
        }
        int n = b[0] & 0xFF;
        String origin = new String(b, 1, n, StandardCharsets.UTF_8);
        ClusterServices s = services;
        if (origin.equals(nodeId) || s == null) {
            return; // our own (its origin delivered it locally already)
        }
        broadcastsReceived.increment();
        int count = s.broadcast(new String(b, 1 + n, b.length - 1 - n, StandardCharsets.UTF_8));
        if (m.getReplyTo() != null) {
            reply(m.getReplyTo(), nodeId + " " + count);
        }
    }

    // ---- access lists ----

    /** The bucket key of {@code c}. */
    static String key(AclChange c) {
        return switch (c.kind()) {
            case BAN -> "ban." + HexFormat.of().formatHex(c.subject().getBytes(StandardCharsets.UTF_8));
            case WHITELIST -> "white." + HexFormat.of().formatHex(c.subject().getBytes(StandardCharsets.UTF_8));
            case BLOCK -> "block." + c.subject();
            case REVOKE -> "revoke." + HexFormat.of().formatHex(c.subject().getBytes(StandardCharsets.UTF_8));
            case WHITELIST_MODE -> "mode.whitelist";
        };
    }

    /** The change a bucket entry stands for, or null when its key is not one of ours. */
    static AclChange change(String key, boolean present) {
        try {
            if (key.startsWith("ban.")) {
                return new AclChange(AclChange.Kind.BAN, unhex(key.substring(4)), present);
            } else if (key.startsWith("white.")) {
                return new AclChange(AclChange.Kind.WHITELIST, unhex(key.substring(6)), present);
            } else if (key.startsWith("revoke.")) {
                return new AclChange(AclChange.Kind.REVOKE, unhex(key.substring(7)), present);
            } else if (key.startsWith("block.")) {
                return new AclChange(AclChange.Kind.BLOCK, key.substring(6), present);
            } else if (key.equals("mode.whitelist")) {
                return new AclChange(AclChange.Kind.WHITELIST_MODE, "on", present);
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    private static String unhex(String hex) {
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }

    /** Writes {@code c} to the bucket on the executor. */
    CompletableFuture<Void> acl(AclChange c) {
        String key = key(c);
        byte[] value = ("{\"node\":\"" + nodeId + "\",\"at\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8);
        try {
            return CompletableFuture.runAsync(() -> {
                try {
                    if (c.present()) {
                        acl.put(key, value);
                    } else {
                        acl.delete(key);
                    }
                } catch (Exception e) {
                    throw new ClusterUnavailableException("the access-list bucket refused " + key + ": " + e.getMessage(), e);
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException("the cluster queue is full", e));
        }
    }

    private void onAcl(KeyValueEntry e) {
        boolean present = e.getOperation() == KeyValueOperation.PUT;
        if (!present && !loaded) {
            return; // an old delete: nothing to undo on a node that just started (its config-file lists stay)
        }
        AclChange c = change(e.getKey(), present);
        ClusterServices s = services;
        if (c == null || s == null) {
            return;
        }
        try {
            s.acl(c);
        } catch (RuntimeException ex) {
            LOG.warn("Could not apply the cluster's access-list change {}: {}", e.getKey(), ex.toString());
        }
    }

    /** Stops the watch and the broadcast subscription. */
    void close() {
        LOG.info("Cluster node {}: answered {} admin requests of other nodes, refused {}, received {} broadcasts", nodeId,
                requestsServed.sum(), requestsRefused.sum(), broadcastsReceived.sum());
        NatsKeyValueWatchSubscription w = watch;
        if (w != null) {
            try {
                w.unsubscribe();
            } catch (RuntimeException e) {
                LOG.debug("Stopping the access-list watch: {}", e.toString());
            }
        }
        Dispatcher d = dispatcher;
        if (d != null) {
            try {
                nc.closeDispatcher(d);
            } catch (RuntimeException e) {
                LOG.debug("Closing the broadcast dispatcher: {}", e.toString());
            }
        }
    }
}
