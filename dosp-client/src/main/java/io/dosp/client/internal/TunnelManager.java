package io.dosp.client.internal;

import io.dosp.client.TunnelFailedException;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>One per connection, owned by its {@link ClientConnection}. Thread-safe: handshake messages
 * and frames arrive on the connection's I/O thread, opens and sends come from any thread.
 */
public final class TunnelManager {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelManager.class);
    static final int ROLE_INITIATE = 0x01;
    static final int ROLE_RESPOND = 0x02;
    private static final int ROLE_UNKNOWN = 0;

    /** Sends S2C DATA to a vIP without tunnel processing. */
    interface RawSender {
        void send(Vip dst, byte[] data);
    }

    /** Told when a tunnel comes up. */
    interface Events {
        void established(Vip peer);
    }

    private static final class Tunnel {
        final TunnelCipher cipher;

        Tunnel(TunnelKeys keys) {
            cipher = new TunnelCipher(keys);
        }
    }

    private record Pending(X25519KeyPair keyPair, TunnelHello hello, CompletableFuture<Void> future) {
    }

    private final ConcurrentHashMap<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final RawSender sender;
    private final Events events;
    /**
     * Incoming handshakes answered per second (burst of one second). Each costs a key generation and an
     * agreement, and any client on the server can send them: past the limit they are dropped (counted).
     */
    static final int MAX_INCOMING_HANDSHAKES_PER_SECOND = 200;
    private long handshakeWindowStart = System.nanoTime();
    private int handshakesInWindow;
    private long droppedHandshakes;
    private final Clock clock = Clock.systemUTC();
    private final SecureRandom random = new SecureRandom();
    private volatile Vip selfVip = Vip.ZERO;

    TunnelManager(RawSender sender, Events events) {
        this.sender = sender;
        this.events = events;
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

    /** Forgets the tunnel with {@code peer}; later sends to it are plain. */
    public void remove(Vip peer) {
        tunnels.remove(peer.value());
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
        switch (TunnelHandshake.classify(data)) {
            case ERROR -> onError(from, TunnelHandshake.parseErrorReason(data));
            case LEGACY -> {
                // We never use legacy mode: refuse as the reference does.
                sender.send(from, TunnelHandshake.legacyRefusal());
            }
            case DH_HELLO -> onHello(from, data);
            default -> sender.send(from, TunnelHandshake.errorPayload("Unknown handshake format, length=" + (data.length - 1)));
        }
    }

    private void onError(Vip from, String reason) {
        Pending p = pending.get(from.value());
        if (p == null) {
            // Nothing of ours waits for it, and any client can send it: not worth a warning.
            LOG.debug("Tunnel handshake error from {}: {}", from, LogText.of(reason));
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
            sender.send(from, TunnelHandshake.errorPayload("Invalid handshake: " + e.getMessage()));
            return;
        }
        int role = data.length > TunnelHandshake.HELLO_LENGTH ? data[TunnelHandshake.HELLO_LENGTH] & 0xff : ROLE_UNKNOWN;
        Pending p = pending.get(from.value());
        LOG.debug("{}: hello from {} role={} pending={}", selfVip, from, role, p != null);
        if (p != null) {
            warnIfSkewed(from, peerHello);
            if (role == ROLE_INITIATE) {
                // Both sides opened at once: the higher vIP yields and answers; the lower waits for that answer.
                if (Integer.compareUnsigned(selfVip.value(), from.value()) > 0) {
                    respond(from, peerHello, p.keyPair);
                    p.future.complete(null);
                }
                return;
            }
            install(from, TunnelHandshake.deriveKeys(p.keyPair, p.hello, peerHello, true));
            p.future.complete(null);
            return;
        }
        if (role == ROLE_RESPOND) {
            LOG.debug("Ignoring a tunnel answer from {} that no open of ours is waiting for", from);
            return;
        }
        long now = System.nanoTime();
        if (now - handshakeWindowStart > 1_000_000_000L) {
            handshakeWindowStart = now;
            handshakesInWindow = 0;
        }
        if (++handshakesInWindow > MAX_INCOMING_HANDSHAKES_PER_SECOND) {
            if (droppedHandshakes++ % 1000 == 0) {
                LOG.warn("More than {} tunnel handshakes per second (latest from {}): dropping the excess",
                        MAX_INCOMING_HANDSHAKES_PER_SECOND, from);
            }
            return;
        }
        // A new handshake from a peer we may already have a tunnel with (it restarted): accept and replace.
        warnIfSkewed(from, peerHello); // after the rate check: other clients cannot flood the log with it
        respond(from, peerHello, X25519KeyPair.generate());
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

    private void respond(Vip from, TunnelHello initiatorHello, X25519KeyPair keyPair) {
        TunnelHello mine = TunnelHello.create(keyPair, clock, random);
        TunnelKeys keys;
        try {
            keys = TunnelHandshake.deriveKeys(keyPair, initiatorHello, mine, false);
        } catch (TunnelException e) {
            sender.send(from, TunnelHandshake.errorPayload("Failed DH c2c handshake: " + e.getMessage()));
            return;
        }
        // Answer first, then keys: frames we seal with the new keys must not reach the peer before our
        // answer does. The peer's first frame cannot overtake the install: it arrives on this I/O thread.
        sender.send(from, withRole(mine, ROLE_RESPOND));
        install(from, keys);
    }

    private void install(Vip peer, TunnelKeys keys) {
        tunnels.put(peer.value(), new Tunnel(keys));
        LOG.debug("Tunnel with {} established", peer);
        events.established(peer);
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
     * Opens a frame from {@code peer}: the plaintext, or null when there is no tunnel with it.
     *
     * @throws TunnelException when verification fails (the frame must be dropped)
     */
    byte[] openFrame(Vip peer, byte[] frame) {
        Tunnel t = tunnels.get(peer.value());
        return t == null ? null : t.cipher.open(frame);
    }
}
