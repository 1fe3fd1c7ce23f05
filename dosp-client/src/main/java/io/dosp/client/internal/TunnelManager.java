package io.dosp.client.internal;

import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelOptions;
import io.dosp.client.TunnelStats;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.TunnelKeys;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's end-to-end tunnels (spec section 8): DH handshakes in both roles, the keys per
 * peer, sealing and opening of tunnel frames.
 *
 * <p><b>Simultaneous open.</b> The hello layout has no room to say whether it opens a handshake or
 * answers one, so our hellos carry one extra byte after the 49 the reference reads
 * ({@link #ROLE_INITIATE} or {@link #ROLE_RESPOND}); reference peers ignore it. When a peer's
 * opening hello arrives while our own open to it is pending, the side with the higher vIP yields
 * and answers as responder, the lower one keeps waiting for that answer: both end with the same
 * keys. A hello without the byte (a reference peer) is taken as an answer when we are waiting, and
 * as an opening otherwise.
 *
 * <p><b>Hostile peers.</b> Any client on the server can send hellos: incoming handshakes are
 * answered within the rate limits, refusals within the error-reply budget of the client's
 * {@link TunnelGuard}, and the table is bounded (one tunnel per peer vIP, {@code maxTunnels} in
 * all, {@code maxHalfOpen} tunnels a peer opened that have not carried a verified frame yet, the
 * oldest of which is dropped to make room). See {@link io.dosp.client.TunnelOptions}.
 *
 * <p>One per connection, owned by its {@link ClientConnection}. Thread-safe: handshake messages
 * and frames arrive on the connection's I/O thread, opens and sends come from any thread.
 */
public final class TunnelManager {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelManager.class);
    static final int ROLE_INITIATE = 0x01;
    static final int ROLE_RESPOND = 0x02;
    private static final int ROLE_UNKNOWN = 0;
    static final String RATE_LIMITED_REASON = "Too many tunnel handshakes; try again later";
    static final String TABLE_FULL_REASON = "Too many tunnels";
    static final String DROPPED_REASON = "Tunnel dropped: too many half-open tunnels";

    /** Sends S2C DATA to a vIP without tunnel processing. */
    interface RawSender {
        void send(Vip dst, byte[] data);
    }

    /** Told when a tunnel comes up, is replaced by a new handshake, or ends. Called with the manager's lock held: must not block. */
    interface Events {
        void established(Vip peer, long tunnel);

        /** A new handshake from {@code peer} replaced tunnel {@code previous} with {@code tunnel}. */
        default void replaced(Vip peer, long previous, long tunnel) {
        }

        /** Tunnel {@code tunnel} with {@code peer} ended ({@code reason}: why). */
        default void ended(Vip peer, long tunnel, String reason) {
        }
    }

    /** A frame opened: its plaintext and the id of the tunnel it came through. */
    record Opened(byte[] plaintext, long tunnel) {
    }

    /** Tunnel ids, unique in the JVM, so a replaced tunnel's messages are never taken for the old one's. */
    private static final AtomicLong IDS = new AtomicLong();

    private static final class Tunnel {
        final TunnelCipher cipher;
        final long id = IDS.incrementAndGet();
        /** False while the peer opened it and no frame from it has verified (half-open). */
        volatile boolean confirmed;

        Tunnel(TunnelKeys keys, boolean confirmed) {
            cipher = new TunnelCipher(keys);
            this.confirmed = confirmed;
        }
    }

    private record Pending(X25519KeyPair keyPair, TunnelHello hello, CompletableFuture<Void> future) {
    }

    private final ConcurrentHashMap<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    /** Half-open tunnels in the order their peers first opened them (a replacement keeps its place); under the lock. */
    private final LinkedHashMap<Integer, Tunnel> halfOpen = new LinkedHashMap<>();
    private final RawSender sender;
    private final Events events;
    private final TunnelGuard guard;
    private final Clock clock = Clock.systemUTC();
    private final SecureRandom random = new SecureRandom();
    private volatile Vip selfVip = Vip.ZERO;
    /**
     * Peers whose tunnel ended because the server could not reach them (ERR S2CF), changed under the lock:
     * the next send to them re-opens a tunnel instead of going plain. Bounded like the table.
     */
    private final Set<Integer> lost = ConcurrentHashMap.newKeySet();

    TunnelManager(RawSender sender, Events events, TunnelGuard guard) {
        this.sender = sender;
        this.events = events;
        this.guard = guard;
    }

    /** The counts of the client's guard with this connection's table. */
    public synchronized TunnelStats stats() {
        return guard.stats(tunnels.size(), halfOpen.size());
    }

    /** Whether a tunnel with {@code peer} exists. */
    public boolean has(Vip peer) {
        return tunnels.containsKey(peer.value());
    }

    /** The peers with a tunnel now (a copy). */
    public Set<Vip> peers() {
        Set<Vip> out = new HashSet<>();
        tunnels.keySet().forEach(v -> out.add(new Vip(v)));
        return out;
    }

    /** Forgets the tunnel with {@code peer} (and that one was lost); later sends to it are plain. */
    public synchronized void remove(Vip peer) {
        tunnels.remove(peer.value());
        halfOpen.remove(peer.value());
        lost.remove(peer.value());
    }

    /**
     * Ends the tunnel with {@code peer}, if any, because the server could not deliver to it (ERR
     * S2CF): the vIP may be free or held by someone else by now. The next send must re-open it.
     * Returns whether a tunnel ended.
     */
    synchronized boolean end(Vip peer, String reason) {
        Tunnel t = tunnels.remove(peer.value());
        if (t == null) {
            return false;
        }
        halfOpen.remove(peer.value(), t);
        if (lost.size() >= guard.options().maxTunnels()) {
            lost.remove(lost.iterator().next()); // bounded like the table; one forgotten goes plain again
        }
        lost.add(peer.value());
        guard.ended(peer, reason);
        events.ended(peer, t.id, reason);
        return true;
    }

    /** Whether the tunnel with {@code peer} ended (S2CF) and no new one was opened since. Lock-free. */
    public boolean wasLost(Vip peer) {
        return !lost.isEmpty() && lost.contains(peer.value());
    }

    /** The peers whose tunnel ended (S2CF) with no new one since (a copy), carried over a reconnect. */
    public Set<Vip> lostPeers() {
        Set<Vip> out = new HashSet<>();
        lost.forEach(v -> out.add(new Vip(v)));
        return out;
    }

    /**
     * Starts (or joins) an open to {@code peer}; completes when keys are set. Handshake state
     * changes (this, {@link #onHandshake}) hold the manager's lock, so an open and a hello arriving
     * at the same moment cannot both start a handshake; frames never take that lock.
     */
    public synchronized CompletableFuture<Void> open(Vip peer) {
        if (tunnels.containsKey(peer.value())) {
            return CompletableFuture.completedFuture(null);
        }
        if (!pending.containsKey(peer.value()) && !roomFor(peer)) {
            return CompletableFuture.failedFuture(new TunnelFailedException(peer, "the tunnel table is full ("
                    + guard.options().maxTunnels() + " tunnels and pending opens, none of them droppable)"));
        }
        Pending[] created = new Pending[1];
        Pending p = pending.computeIfAbsent(peer.value(), k -> {
            X25519KeyPair kp = X25519KeyPair.generate();
            created[0] = new Pending(kp, TunnelHello.create(kp, clock, random), new CompletableFuture<>());
            return created[0];
        });
        if (created[0] != null) {
            p.future.whenComplete((v, e) -> pending.remove(peer.value(), p));
            sender.send(peer, withRole(p.hello, ROLE_INITIATE));
        }
        return p.future;
    }

    /** Fails a pending open to {@code peer} (timeout, S2CF) with a {@link TunnelFailedException}. */
    public void failOpen(Vip peer, String reason) {
        Pending p = pending.get(peer.value());
        if (p != null) {
            p.future.completeExceptionally(new TunnelFailedException(peer, reason));
        }
    }

    /** Fails every pending open (disconnect). */
    void failAll(String reason) {
        for (var e : pending.entrySet()) {
            e.getValue().future.completeExceptionally(new TunnelFailedException(new Vip(e.getKey()), reason));
        }
    }

    /** Handles S2C DATA that starts with HC2C (spec 8.1, 8.3). */
    synchronized void onHandshake(Vip from, byte[] data) {
        guard.received.incrementAndGet();
        switch (TunnelHandshake.classify(data)) {
            case ERROR -> onError(from, TunnelHandshake.parseErrorReason(data));
            case LEGACY -> {
                // We never use legacy mode: refuse as the reference does (plain S2C DATA, within the budget).
                guard.refused(from, "legacy mode");
                if (guard.allowErrorReply(from)) {
                    sender.send(from, TunnelHandshake.legacyRefusal());
                }
            }
            case DH_HELLO -> onHello(from, data);
            default -> refuse(from, "Unknown handshake format, length=" + (data.length - 1));
        }
    }

    /** Counts a refusal and answers it with an HC2C error frame when the error-reply budget allows. */
    private void refuse(Vip from, String reason) {
        guard.refused(from, reason);
        replyError(from, reason);
    }

    private void replyError(Vip from, String reason) {
        if (guard.allowErrorReply(from)) {
            sender.send(from, TunnelHandshake.errorPayload(reason));
        }
    }

    private void onError(Vip from, String reason) {
        Pending p = pending.get(from.value());
        if (p == null) {
            guard.unsolicitedError(from, reason); // never answered: an error is not answered with an error
            return;
        }
        String message = TunnelHandshake.TUNNEL_EXISTS_REASON.equals(reason)
                ? "the peer already has a tunnel with this vIP and refuses a new handshake (a reference client does "
                        + "this until it restarts): " + reason
                : "the peer refused the handshake: " + reason;
        p.future.completeExceptionally(new TunnelFailedException(from, message));
    }

    private void onHello(Vip from, byte[] data) {
        TunnelHello peerHello;
        try {
            peerHello = TunnelHello.parse(data);
        } catch (TunnelException e) {
            refuse(from, "Invalid handshake: " + e.getMessage());
            return;
        }
        if (peerHello.isSkewed(clock)) {
            LOG.debug("Tunnel hello from {} has a timestamp more than {} s off", from, TunnelHandshake.MAX_CLOCK_SKEW_SECONDS);
        }
        int role = data.length > TunnelHandshake.HELLO_LENGTH ? data[TunnelHandshake.HELLO_LENGTH] & 0xff : ROLE_UNKNOWN;
        Pending p = pending.get(from.value());
        LOG.debug("{}: hello from {} role={} pending={}", selfVip, from, role, p != null);
        if (p != null) {
            warnIfSkewed(from, peerHello);
            if (role == ROLE_INITIATE) {
                // Both sides opened at once: the higher vIP yields and answers; the lower waits for that answer.
                if (Integer.compareUnsigned(selfVip.value(), from.value()) > 0) {
                    if (respond(from, peerHello, p.keyPair, true)) {
                        p.future.complete(null);
                    } else {
                        p.future.completeExceptionally(new TunnelFailedException(from, "the peer's hello is unusable"));
                    }
                }
                return;
            }
            TunnelKeys keys;
            try {
                keys = TunnelHandshake.deriveKeys(p.keyPair, p.hello, peerHello, true);
            } catch (TunnelException e) {
                guard.refused(from, "unusable public key in the answer");
                p.future.completeExceptionally(new TunnelFailedException(from, "the peer's answer is unusable: " + e.getMessage()));
                return;
            }
            install(from, keys, true);
            p.future.complete(null);
            return;
        }
        if (role == ROLE_RESPOND) {
            guard.refused(from, "an answer no open of ours is waiting for");
            return;
        }
        if (!guard.allowHandshake(from)) {
            replyError(from, RATE_LIMITED_REASON);
            return;
        }
        Tunnel previous = tunnels.get(from.value());
        if (previous != null && guard.options().replaceTunnels() == TunnelOptions.Replacement.REFUSE) {
            guard.replacementRefused(from);
            refuse(from, TunnelHandshake.TUNNEL_EXISTS_REASON); // the reference's words, so its peers understand
            return;
        }
        if (previous == null) {
            if (!roomFor(from)) {
                refuse(from, TABLE_FULL_REASON);
                return;
            }
        } else if (!halfOpen.containsKey(from.value()) && halfOpen.size() >= guard.options().maxHalfOpen()) {
            dropOldestHalfOpen(); // a confirmed tunnel replaced by a new handshake is half-open again
        }
        // A new handshake from a vIP we may already have a tunnel with: the peer restarted, or the vIP
        // changed hands. Accept, replace and report it (the application sees a new tunnel id).
        if (respond(from, peerHello, X25519KeyPair.generate(), false)) {
            guard.answered.incrementAndGet();
            if (previous != null) {
                Tunnel now = tunnels.get(from.value());
                guard.replaced(from);
                events.replaced(from, previous.id, now.id);
            }
        }
    }

    /**
     * Makes room for a tunnel with a new peer: true when the table has room, after dropping the
     * oldest half-open tunnel if that is what it takes (also when the half-open limit is reached).
     */
    private boolean roomFor(Vip peer) {
        TunnelOptions o = guard.options();
        if (halfOpen.size() >= o.maxHalfOpen() && !halfOpen.containsKey(peer.value())) {
            dropOldestHalfOpen();
        }
        if (tunnels.size() + pending.size() < o.maxTunnels()) {
            return true;
        }
        return dropOldestHalfOpen() && tunnels.size() + pending.size() < o.maxTunnels();
    }

    private boolean dropOldestHalfOpen() {
        Iterator<Map.Entry<Integer, Tunnel>> it = halfOpen.entrySet().iterator();
        if (!it.hasNext()) {
            return false;
        }
        Map.Entry<Integer, Tunnel> oldest = it.next();
        it.remove();
        tunnels.remove(oldest.getKey(), oldest.getValue());
        Vip peer = new Vip(oldest.getKey());
        guard.halfOpenDropped(peer);
        replyError(peer, DROPPED_REASON);
        return true;
    }

    private void warnIfSkewed(Vip from, TunnelHello peerHello) {
        if (peerHello.isSkewed(clock)) {
            LOG.warn("Tunnel hello from {} has a timestamp more than {} s off", from, TunnelHandshake.MAX_CLOCK_SKEW_SECONDS);
        }
    }

    /** The vIP this side holds now (decides who yields in a simultaneous open). */
    void selfVip(Vip vip) {
        selfVip = vip;
    }

    /** Answers a hello; {@code ours}: a simultaneous open of ours (the tunnel counts as wanted). */
    private boolean respond(Vip from, TunnelHello initiatorHello, X25519KeyPair keyPair, boolean ours) {
        TunnelHello mine = TunnelHello.create(keyPair, clock, random);
        TunnelKeys keys;
        try {
            keys = TunnelHandshake.deriveKeys(keyPair, initiatorHello, mine, false);
        } catch (TunnelException e) {
            refuse(from, "Failed DH c2c handshake: " + e.getMessage());
            return false;
        }
        // Answer first, then keys: frames we seal with the new keys must not reach the peer before our
        // answer does. The peer's first frame cannot overtake the install: it arrives on this I/O thread.
        sender.send(from, withRole(mine, ROLE_RESPOND));
        install(from, keys, ours);
        return true;
    }

    /** Installs keys; a tunnel the peer opened is half-open until its first verified frame. */
    private void install(Vip peer, TunnelKeys keys, boolean ours) {
        Tunnel t = new Tunnel(keys, ours);
        tunnels.put(peer.value(), t);
        if (ours) {
            halfOpen.remove(peer.value());
        } else {
            halfOpen.put(peer.value(), t); // a replacement keeps the peer's place in the order
        }
        lost.remove(peer.value());
        LOG.debug("Tunnel {} with {} established", t.id, peer);
        events.established(peer, t.id);
    }

    private synchronized void confirm(Vip peer, Tunnel t) {
        t.confirmed = true;
        halfOpen.remove(peer.value(), t);
    }

    private static byte[] withRole(TunnelHello hello, int role) {
        byte[] h = hello.encode();
        byte[] out = Arrays.copyOf(h, h.length + 1);
        out[h.length] = (byte) role;
        return out;
    }

    /**
     * Seals {@code data} for {@code peer} and sends it, holding the tunnel's lock so frames go on
     * the wire in sequence order. Returns false when there is no tunnel.
     */
    boolean sendSealed(Vip peer, byte[] data) {
        Tunnel t = tunnels.get(peer.value());
        if (t == null) {
            return false;
        }
        synchronized (t) {
            sender.send(peer, t.cipher.seal(data));
        }
        return true;
    }

    /**
     * Opens a frame from {@code peer}: the plaintext and the tunnel's id, or null when there is no
     * tunnel with it. A frame carrying the nonce of one we sealed (our own frame sent back) fails
     * as {@code REFLECTED} and is counted.
     *
     * @throws TunnelException when verification fails (the frame must be dropped)
     */
    Opened openFrame(Vip peer, byte[] frame) {
        Tunnel t = tunnels.get(peer.value());
        if (t == null) {
            return null;
        }
        byte[] plain;
        try {
            plain = t.cipher.open(frame);
        } catch (TunnelException e) {
            if (e.reason() == TunnelException.Reason.REFLECTED) {
                guard.reflected(peer);
            }
            throw e;
        }
        if (!t.confirmed) {
            confirm(peer, t);
        }
        return new Opened(plain, t.id);
    }
}
