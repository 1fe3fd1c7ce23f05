package io.dosp.server.internal.federation;

import io.dosp.protocol.SimplePacket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer links of this server as federation extensions see them (network-wide state and the like):
 * one entry per peer server of this build with a two-way link up, whichever side dialed it, and
 * frames of their own over those links. A frame is {@code LINK_EXT F7 kind(1) payload}
 * ({@link LinkFrames#EXT}); each {@code kind} (0..255) has at most one {@link Handler}. Only two-way
 * links carry these frames, so a reference peer or an older build of ours never sees one. When two
 * links join the same pair of servers (both dialed), a peer is listed once and each frame goes over
 * one of them (the one both sides prefer, see README "Peer link frames").
 *
 * <p>Delivery: {@link #sendTo} and {@link #sendToAll} queue the frame on the link (bounded by
 * {@code federation.peerQueueBytes}) and say whether it was queued; a frame queued on a link that
 * dies is lost with it, and the {@link Listener#down} that follows says so: resend state on
 * {@link Listener#up}. Frames of one kind to one peer arrive in order while its link stays up.
 *
 * <p>Threading: handlers and listeners run on the link's event loop (or the thread that changed a
 * link's state) and must not block; {@code up} and {@code down} of one peer never overlap and
 * alternate. Everything else is thread-safe.
 */
public final class PeerLinks {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLinks.class);

    /** Receives frames of one kind. */
    @FunctionalInterface
    public interface Handler {
        /** A LINK_EXT frame of this handler's kind from {@code peer}; {@code payload} is the frame after the kind byte (owned by the handler). */
        void onFrame(String peer, byte[] payload);
    }

    /** Hears peers come and go. */
    public interface Listener {
        /** {@code peer} has a two-way link up (its first one): frames to it can go now. */
        void up(String peer);

        /** {@code peer}'s last two-way link went down: frames queued to it may be lost. */
        void down(String peer);
    }

    private final AtomicReferenceArray<Handler> handlers = new AtomicReferenceArray<>(256);
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Set<String> up = ConcurrentHashMap.newKeySet();
    private final Function<String, LinkChannel> channelOf;
    private final int maxPayload;
    private final AtomicLong unhandled = new AtomicLong();

    /** {@code channelOf}: the usable two-way link to a peer, or null; payloads of at most {@code maxPayload} bytes. */
    PeerLinks(Function<String, LinkChannel> channelOf, int maxPayload) {
        this.channelOf = channelOf;
        this.maxPayload = maxPayload;
    }

    /** The largest payload a frame may carry: the server's {@code limits.maxFrameSize} less the kind byte. */
    public int maxPayload() {
        return maxPayload;
    }

    /**
     * Registers the handler of {@code kind}'s frames.
     *
     * @throws IllegalStateException when {@code kind} already has one
     * @throws IllegalArgumentException when {@code kind} is not 0..255
     */
    public void handle(int kind, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        checkKind(kind);
        if (!handlers.compareAndSet(kind, null, handler)) {
            throw new IllegalStateException("link extension kind " + kind + " already has a handler");
        }
    }

    /** Adds a listener; it hears {@link Listener#up} at once for every peer already up. */
    public void listen(Listener l) {
        Objects.requireNonNull(l, "listener");
        synchronized (this) {
            listeners.add(l);
            up.forEach(l::up);
        }
    }

    /** The peers with a two-way link up now. */
    public List<String> peers() {
        return List.copyOf(up);
    }

    /**
     * Queues {@code kind}'s frame to {@code peer}; false when it has no two-way link up or the link's queue is full.
     *
     * @throws IllegalArgumentException when {@code kind} is not 0..255 or {@code payload} is over {@link #maxPayload()}
     */
    public boolean sendTo(String peer, int kind, byte[] payload) {
        check(kind, payload);
        LinkChannel c = channelOf.apply(peer);
        return c != null && c.send(LinkFrames.ext(kind, payload));
    }

    /**
     * Queues {@code kind}'s frame to every peer with a two-way link up (once each); returns to how many it was queued.
     *
     * @throws IllegalArgumentException when {@code kind} is not 0..255 or {@code payload} is over {@link #maxPayload()}
     */
    public int sendToAll(int kind, byte[] payload) {
        check(kind, payload);
        SimplePacket p = LinkFrames.ext(kind, payload);
        int n = 0;
        for (String peer : up) {
            LinkChannel c = channelOf.apply(peer);
            if (c != null && c.send(p)) {
                n++;
            }
        }
        return n;
    }

    /** LINK_EXT frames that arrived for a kind nobody handles (ignored: a newer build may send kinds we do not know). */
    public long unhandled() {
        return unhandled.get();
    }

    private void check(int kind, byte[] payload) {
        checkKind(kind);
        if (payload.length > maxPayload) {
            throw new IllegalArgumentException("link extension payload of " + payload.length + " bytes is over "
                    + maxPayload);
        }
    }

    private static void checkKind(int kind) {
        if (kind < 0 || kind > 255) {
            throw new IllegalArgumentException("link extension kind must be 0..255: " + kind);
        }
    }

    /** A LINK_EXT frame arrived over a two-way link from {@code peer}. */
    void dispatch(String peer, SimplePacket p) {
        if (p.bodyLength() < 1) {
            unhandled.incrementAndGet();
            return;
        }
        byte[] body = p.body();
        int kind = body[0] & 0xff;
        Handler h = handlers.get(kind);
        if (h == null) {
            unhandled.incrementAndGet();
            LOG.debug("LINK_EXT kind {} from {}: no handler, ignored", kind, io.dosp.protocol.internal.LogText.of(peer));
            return;
        }
        try {
            h.onFrame(peer, java.util.Arrays.copyOfRange(body, 1, body.length));
        } catch (RuntimeException e) {
            // A handler's bug must not take the link down with it.
            LOG.warn("LINK_EXT handler of kind {} failed on a frame from {}", kind, io.dosp.protocol.internal.LogText.of(peer), e);
        }
    }

    /** A link to {@code peer} came up or went down: tells the listeners when the peer's set of two-way links turns empty or not. */
    synchronized void changed(String peer) {
        boolean now = channelOf.apply(peer) != null;
        if (now && up.add(peer)) {
            listeners.forEach(l -> l.up(peer));
        } else if (!now && up.remove(peer)) {
            listeners.forEach(l -> l.down(peer));
        }
    }
}
