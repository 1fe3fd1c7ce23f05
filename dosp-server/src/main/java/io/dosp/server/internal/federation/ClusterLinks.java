package io.dosp.server.internal.federation;

import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.cluster.ClusterIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which peers are nodes of one cluster (docs/cluster.md "Federation with a cluster"). A node of a cluster sends,
 * over every two-way link, the LINK_EXT frame {@code F7 E1 version(1)=1 cluster_id(16) name_len(1) name} just before
 * each SD it sends on that link; a receiver keeps the cluster of each peer until its last two-way link goes down. The
 * routing table treats the peers of one cluster as one server: either link carries the cluster's template, no
 * template clash between them, split horizon across all of them. Reference peers and older builds of ours never see
 * the frame (it travels over two-way links only; an older build ignores a LINK_EXT kind it does not handle).
 * Thread-safe.
 */
final class ClusterLinks {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLinks.class);
    /** The LINK_EXT kind of the cluster frame. */
    static final int KIND = 0xE1;
    /** The cluster frame's version byte. */
    static final int VERSION = 1;

    private final ConcurrentHashMap<String, ClusterIdentity> clusterOf = new ConcurrentHashMap<>();
    private final Set<String> sameClusterLogged = ConcurrentHashMap.newKeySet();
    private volatile ClusterIdentity own;
    private volatile byte[] frame;
    private final Runnable changed;
    private final PeerLog log;

    /** {@code changed} runs when a peer's cluster changed (routes are re-chosen and advertised again). */
    ClusterLinks(Runnable changed, PeerLog log) {
        this.changed = changed;
        this.log = log;
    }

    /** This server is a node of {@code identity}: its links announce it from now on. */
    void own(ClusterIdentity identity) {
        this.own = Objects.requireNonNull(identity, "identity");
        this.frame = encode(identity);
    }

    /** This server's cluster, or null. */
    ClusterIdentity own() {
        return own;
    }

    /** The payload of our cluster frame (after the kind), or null when this server is no cluster node. */
    byte[] frame() {
        return frame;
    }

    /** The cluster {@code peer} said it belongs to, or null. */
    ClusterIdentity of(String peer) {
        return peer == null ? null : clusterOf.get(peer);
    }

    /** Whether {@code peer} is a node of this server's own cluster (nodes reach each other over NATS, not links). */
    boolean isOwnNode(String peer) {
        ClusterIdentity o = own;
        return o != null && o.equals(of(peer));
    }

    /** A stable key naming the server behind {@code peer}: its cluster when it said one, else the peer itself. */
    String serverKey(String peer) {
        ClusterIdentity c = of(peer);
        return c == null ? peer : "cluster:" + c.idHex() + "/" + c.name();
    }

    static byte[] encode(ClusterIdentity c) {
        byte[] name = c.name().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + ClusterIdentity.ID_LENGTH + 1 + name.length).put((byte) VERSION).put(c.id())
                .put((byte) name.length).put(name).array();
    }

    /** The cluster in a frame's payload, or null when it is malformed or of another version. */
    static ClusterIdentity decode(byte[] p) {
        if (p.length < 1 + ClusterIdentity.ID_LENGTH + 1 || (p[0] & 0xff) != VERSION) {
            return null;
        }
        int nl = p[1 + ClusterIdentity.ID_LENGTH] & 0xff;
        if (nl > ClusterIdentity.MAX_NAME || p.length != 1 + ClusterIdentity.ID_LENGTH + 1 + nl) {
            return null;
        }
        String name = new String(p, 2 + ClusterIdentity.ID_LENGTH, nl, StandardCharsets.UTF_8);
        return new ClusterIdentity(Arrays.copyOfRange(p, 1, 1 + ClusterIdentity.ID_LENGTH), name);
    }

    /** A cluster frame from {@code peer} (on its link's event loop). */
    void onFrame(String peer, byte[] payload) {
        ClusterIdentity c = decode(payload);
        if (c == null) {
            LOG.debug("Malformed or unknown-version cluster frame from {} ({} bytes): ignored", log.text(peer),
                    payload.length);
            return;
        }
        ClusterIdentity before = clusterOf.put(peer, c);
        if (c.equals(own) && sameClusterLogged.add(peer)) {
            LOG.warn("Peer {} is a node of this server's own cluster {}: nodes reach each other over NATS, so this link "
                    + "carries no routes; remove it from federation.peers", log.text(peer), log.text(c.name()));
        }
        if (!c.equals(before)) {
            LOG.info("Peer {} is a node of cluster {}", log.text(peer), log.text(c.toString()));
            changed.run();
        }
    }

    /** {@code peer}'s last two-way link went down: what it said goes with it. */
    void down(String peer) {
        if (clusterOf.remove(peer) != null) {
            sameClusterLogged.remove(peer);
            changed.run();
        }
    }
}
