package io.dosp.cluster.internal;

import io.dosp.cluster.ClusterNetworkStats;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.internal.network.NetFrames;
import io.dosp.server.internal.network.NetLinks;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network directory's links between the nodes of a cluster (docs/cluster.md "Groups, names and presence"), on top
 * of the server's own links ({@code inner}: federation's, or none). Every node is an origin of the directory; the
 * directory's frames travel over NATS core pub/sub:
 * <ul>
 * <li>{@code dosp.<C>.net}: what the directory floods (UPDATE, GROUP_MSG, BROADCAST, NAME_KEY) is published here
 * <em>once</em>, and every node applies it; a frame that arrived here is never published here again (a node floods it
 * only to its federation peers);</li>
 * <li>{@code dosp.<C>.net.<directory id>}: what the directory sends to one node (SNAP_*, SYNC_REQUEST, HEADS, and the
 * ID replies below).</li>
 * </ul>
 * Each NATS message is {@code from(16) type(1) body}: the sending node's directory id, then one directory link frame.
 * Type {@code 0xE8} (ID) is this class's own: body {@code flags(1) node_len(1) node_id}, flag 1 = "answer with yours",
 * flag 2 = "I leave". A node publishes an ID with flag 1 on the shared subject when it starts; every node that hears
 * it answers with its own ID on the newcomer's subject; each side's link to the other is up from then on (the
 * directory sends its snapshots). A link is down when its node leaves (ID with flag 2), or when the node's liveness key
 * is gone (listed by a {@link NodeLiveness} poll once, not by the last one; or never listed within a grace after its
 * link came up): the directory then drops that origin's clients, memberships and names as it does for an unreachable
 * server. Frames from a node with no link up are dropped (counted) and answered with an ID with flag 1,
 * so a link missed (a NATS reconnect) comes up again.
 *
 * <p>Never blocks: publishing goes to jnats' bounded outgoing queue (discards counted by {@link #discarded}); frames
 * are handled on a dispatcher of their own, which hands them to the directory (which queues to sessions).
 */
final class NetBus implements NetLinks {
    private static final Logger LOG = LoggerFactory.getLogger(NetBus.class);
    private static final HexFormat HEX = HexFormat.of();
    /** The ID frame's type (the directory's own ID link frame, used here as the nodes' hello). */
    static final int ID = 0xE8;
    static final int FLAG_ANSWER = 1;
    static final int FLAG_LEAVING = 2;
    private static final int ENVELOPE = 17;
    /** A node id: {@code <node name>-<epoch>-<hex>} (names of letters, digits, {@code _} and {@code -}). */
    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,100}");
    /** The most nodes linked at once (the directory keeps at most 4,096 origins, federation's included). */
    static final int MAX_NODES = 1024;
    private static final int PENDING_MESSAGES = 65_536;
    private static final long PENDING_BYTES = 64L * 1024 * 1024;

    private final Connection nc;
    private final NetLinks inner;
    /** Whether the last successful liveness poll listed a node ({@link NodeLiveness#isListed}). */
    private final Predicate<String> listed;
    private final ScheduledExecutorService timer;
    private final long linkGraceNanos;
    /** The linked nodes a liveness poll has listed at least once: absent from one since, they are gone. */
    private final Set<String> listedOnce = ConcurrentHashMap.newKeySet();
    /** When each link came up (System.nanoTime): a node never listed within the grace is gone too. */
    private final Map<String, Long> linkedAt = new ConcurrentHashMap<>();
    /** Directory id -> node id of the nodes counted as gone: asked for their ID once they are listed again. */
    private final Map<String, String> goneNodes = new ConcurrentHashMap<>();
    private volatile ScheduledFuture<?> check;
    private final String nodeId;
    private final byte[] selfId;
    private final String selfHex;
    private final String shared;
    private final String directPrefix;
    /** Directory id (hex) -> node id, the nodes whose link is up. */
    private final Map<String, String> nodes = new ConcurrentHashMap<>();
    /** Senders asked for their ID since the last liveness poll (bounds the answers to frames from unknown nodes). */
    private final Set<String> asked = ConcurrentHashMap.newKeySet();
    private final LongAdder published = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder unlinked = new LongAdder();
    private final LongAdder discards = new LongAdder();
    private final LongAdder gone = new LongAdder();
    private volatile Listener listener;
    private volatile Dispatcher dispatcher;
    private volatile boolean closed;

    /**
     * The links of node {@code nodeId} of {@code cluster} over {@code nc}, besides {@code inner}'s; {@code listed}
     * tells whether the last liveness poll listed a node, checked every second on {@code timer} (which must not be
     * an event loop); a linked node never listed within {@code linkGrace} counts as gone.
     */
    NetBus(Connection nc, String cluster, String nodeId, NetLinks inner, Predicate<String> listed,
            ScheduledExecutorService timer, Duration linkGrace) {
        this.nc = nc;
        this.inner = inner;
        this.listed = listed;
        this.timer = timer;
        this.linkGraceNanos = linkGrace.toNanos();
        this.nodeId = nodeId;
        // NONE's id is one per JVM (in-process nodes would share it): a node without federation gets its own
        this.selfId = inner == NetLinks.NONE ? NetLinks.randomId() : inner.serverId();
        this.selfHex = HEX.formatHex(selfId);
        this.shared = "dosp." + cluster + ".net";
        this.directPrefix = shared + ".";
    }

    /** Whether {@code subject} is one of this bus's (for the discard count). */
    boolean isNetSubject(String subject) {
        return subject.equals(shared) || subject.startsWith(directPrefix);
    }

    /** jnats discarded one of our messages (its outgoing queue was full). */
    void discarded() {
        discards.increment();
    }

    @Override
    public byte[] serverId() {
        return selfId.clone();
    }

    @Override
    public void listener(Listener l) {
        this.listener = l;
        inner.listener(l); // federation's links report straight to the directory
        Dispatcher d = nc.createDispatcher(this::onMessage);
        d.setPendingLimits(PENDING_MESSAGES, PENDING_BYTES);
        d.subscribe(shared);
        d.subscribe(directPrefix + selfHex);
        dispatcher = d;
        check = timer.scheduleWithFixedDelay(this::pruneGone, 1, 1, TimeUnit.SECONDS);
        publish(shared, ID, idBody(FLAG_ANSWER)); // hello: every node answers with its ID
    }

    private byte[] idBody(int flags) {
        byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[2 + node.length];
        b[0] = (byte) flags;
        b[1] = (byte) node.length;
        System.arraycopy(node, 0, b, 2, node.length);
        return b;
    }

    private boolean publish(String subject, int type, byte[] body) {
        byte[] payload = new byte[ENVELOPE + body.length];
        System.arraycopy(selfId, 0, payload, 0, 16);
        payload[16] = (byte) type;
        System.arraycopy(body, 0, payload, ENVELOPE, body.length);
        try {
            nc.publish(subject, payload);
            published.increment();
            return true;
        } catch (RuntimeException e) { // closed, or the reconnect buffer is full
            discards.increment();
            return false;
        }
    }

    private void onMessage(Message m) {
        byte[] p = m.getData();
        Listener l = listener;
        if (p == null || p.length < ENVELOPE || l == null || closed) {
            return;
        }
        byte[] from = Arrays.copyOfRange(p, 0, 16);
        if (Arrays.equals(from, selfId)) {
            return; // our own, echoed on the shared subject
        }
        String peer = HEX.formatHex(from);
        int type = p[16] & 0xff;
        byte[] body = Arrays.copyOfRange(p, ENVELOPE, p.length);
        try {
            if (type == ID) {
                onId(l, peer, body);
                return;
            }
            if (!nodes.containsKey(peer)) {
                unlinked.increment(); // its snapshot follows once the link is up
                if (asked.add(peer)) {
                    publish(directPrefix + peer, ID, idBody(FLAG_ANSWER));
                }
                return;
            }
            if (NetFrames.isNetFrame(type)) {
                received.increment();
                l.frame(peer, Packets.custom(type, body));
            }
        } catch (RuntimeException e) {
            LOG.warn("Cluster node {}: directory frame 0x{} from node {} failed: {}", nodeId, Integer.toHexString(type),
                    peer, e.toString());
        }
    }

    private void onId(Listener l, String peer, byte[] body) {
        if (body.length < 2 || body.length != 2 + (body[1] & 0xff)) {
            unlinked.increment(); // malformed: links nothing
            return;
        }
        int flags = body[0] & 0xff;
        String node = new String(body, 2, body[1] & 0xff, StandardCharsets.UTF_8);
        if (!NODE_ID.matcher(node).matches()) {
            unlinked.increment(); // not a node id of ours (they are logged: only safe characters get in)
            return;
        }
        if ((flags & FLAG_LEAVING) != 0) {
            if (nodes.remove(peer) != null) {
                linkedAt.remove(peer);
                l.linkDown(peer);
            }
            return;
        }
        if (gone(node)) {
            goneNodes.put(peer, node);
            return; // a node we count as gone (cut off): its link comes up again once it is listed again
        }
        goneNodes.remove(peer);
        if (!nodes.containsKey(peer) && nodes.size() >= MAX_NODES) {
            unlinked.increment();
            return;
        }
        boolean fresh = nodes.put(peer, node) == null;
        if (fresh) {
            linkedAt.put(peer, System.nanoTime());
        }
        if ((flags & FLAG_ANSWER) != 0) {
            publish(directPrefix + peer, ID, idBody(0));
        }
        if (fresh) {
            LOG.debug("Cluster node {}: directory link to node {} up", nodeId, node);
            l.linkUp(peer);
        }
    }

    /** Listed once by a liveness poll and not by the last one. */
    private boolean gone(String node) {
        return listedOnce.contains(node) && !listed.test(node);
    }

    /** Every second: the links to nodes whose liveness key is gone go down. */
    private void pruneGone() {
        try {
            asked.clear();
            Listener l = listener;
            long now = System.nanoTime();
            for (Map.Entry<String, String> e : nodes.entrySet()) {
                String node = e.getValue();
                if (listed.test(node)) {
                    listedOnce.add(node);
                    continue;
                }
                Long at = linkedAt.get(e.getKey());
                boolean neverListed = !listedOnce.contains(node) && at != null && now - at > linkGraceNanos;
                if ((listedOnce.contains(node) || neverListed) && nodes.remove(e.getKey(), node)) {
                    linkedAt.remove(e.getKey());
                    goneNodes.put(e.getKey(), node);
                    gone.increment();
                    LOG.info("Cluster node {}: node {} is gone; its clients, groups and names leave the directory",
                            nodeId, node);
                    if (l != null) {
                        l.linkDown(e.getKey());
                    }
                }
            }
            for (Map.Entry<String, String> e : goneNodes.entrySet()) {
                if (listed.test(e.getValue()) && goneNodes.remove(e.getKey(), e.getValue())) {
                    publish(directPrefix + e.getKey(), ID, idBody(FLAG_ANSWER)); // back (a healed partition)
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Cluster node {}: directory link check failed", nodeId, e);
        }
    }

    @Override
    public Set<String> up() {
        Set<String> out = new LinkedHashSet<>(nodes.keySet());
        out.addAll(inner.up());
        return out;
    }

    @Override
    public int maxBody() {
        return (int) Math.min(inner.maxBody(), nc.getMaxPayload() - ENVELOPE);
    }

    @Override
    public boolean send(String peer, SimplePacket frame) {
        if (nodes.containsKey(peer)) {
            return frame.bodyLength() <= maxBody() && publish(directPrefix + peer, frame.typeCode(), frame.body());
        }
        return inner.send(peer, frame);
    }

    @Override
    public int flood(SimplePacket frame, String except) {
        int drops = 0;
        if (except == null || !nodes.containsKey(except)) {
            // from here or from a federation peer: once for every node (a node that heard it here sends it on only
            // to its own federation peers)
            if (frame.bodyLength() > maxBody() || !publish(shared, frame.typeCode(), frame.body())) {
                drops++;
            }
        }
        for (String peer : inner.up()) {
            if (!peer.equals(except) && !inner.send(peer, frame)) {
                drops++;
            }
        }
        return drops;
    }

    /** What this bus has done (see {@link ClusterNetworkStats}). */
    ClusterNetworkStats counts() {
        Dispatcher d = dispatcher;
        return new ClusterNetworkStats(published.sum(), received.sum(), unlinked.sum(), discards.sum(),
                d == null ? 0 : d.getDroppedCount(), gone.sum(), nodes.size());
    }

    /** The nodes a liveness check has seen listed since their link came up (absent from a later one: gone). */
    Set<String> confirmedNodes() {
        return Set.copyOf(listedOnce);
    }

    /** Leaves: tells the other nodes (their links to us go down at once), unsubscribes. */
    void close() {
        if (closed) {
            return;
        }
        ScheduledFuture<?> c = check;
        if (c != null) {
            c.cancel(false);
        }
        publish(shared, ID, idBody(FLAG_LEAVING));
        closed = true;
        Dispatcher d = dispatcher;
        if (d != null) {
            try {
                nc.closeDispatcher(d);
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
    }
}
