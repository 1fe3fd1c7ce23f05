package io.dosp.client.internal;

import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.TunnelInfo;
import io.dosp.client.TunnelOptions;
import io.dosp.client.TunnelStats;
import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.IdentityBlock;
import io.dosp.crypto.IdentityKey;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.TunnelKeys;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
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
 * <p><b>Identities.</b> Our hellos carry an identity block after the role byte ({@link IdentityBlock}); the
 * peer's is checked by {@link TunnelIdentity} before its keys are used: a bad signature is refused (HC2C
 * error within the budget) and counted, then the trust decision accepts it (pinned, vouched, first use,
 * unchecked, or unauthenticated when it carries none) or refuses it as a mismatch or untrusted (counted,
 * {@link Events#identityRefused}). An open of ours that is refused marks the vIP lost, so the next send
 * re-opens instead of going plain. A decision that has to wait for the verifier continues on the
 * connection's I/O thread; frames the peer sends meanwhile are held (at most {@value #MAX_HELD}) and
 * opened once the tunnel is installed, or dropped and counted when it is refused.
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
    static final String BAD_IDENTITY_REASON = "Tunnel identity signature invalid";
    static final String IDENTITY_REFUSED_REASON = "Tunnel identity refused";
    /** Frames held per peer while the answer to our open waits for its trust decision. */
    static final int MAX_HELD = 64;

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

        /** A hello from {@code peer} (or the answer to our open) was refused for its identity. */
        default void identityRefused(Vip peer, TunnelIdentityException e) {
        }
    }

    /** Where frames held during a trust decision go once opened (the connection's inbound side). */
    interface HeldFrames {
        void opened(Vip peer, Opened opened);

        void rejected(Vip peer, TunnelException e);
    }

    /** A frame opened: its plaintext and the id of the tunnel it came through. */
    record Opened(byte[] plaintext, long tunnel) {
    }

    /** What {@link #openFrame} returns for a frame held while a trust decision is pending. */
    static final Opened HELD = new Opened(new byte[0], -1);

    private final ConcurrentHashMap<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, PendingOpen> pending = new ConcurrentHashMap<>();
    /** Half-open tunnels in the order their peers first opened them (a replacement keeps its place); under the lock. */
    private final LinkedHashMap<Integer, Tunnel> halfOpen = new LinkedHashMap<>();
    /** Peers whose opening hello waits for the verifier before we answer; under the lock. */
    private final Set<Integer> deciding = new HashSet<>();
    private final RawSender sender;
    private final Events events;
    private final TunnelGuard guard;
    private final TunnelIdentity identity;
    private final Executor loop;
    private volatile HeldFrames heldFrames;
    private final Clock clock = Clock.systemUTC();
    private final SecureRandom random = new SecureRandom();
    private volatile Vip selfVip = Vip.ZERO;
    /** Peers the next send to re-opens a tunnel with instead of going plain; changed under the lock. */
    private final LostPeers lost;

    /**
     * @param identity our identity and the trust checks
     * @param loop     the connection's I/O thread, where decisions that had to wait continue
     */
    TunnelManager(RawSender sender, Events events, TunnelGuard guard, TunnelIdentity identity, Executor loop) {
        this.sender = sender;
        this.events = events;
        this.guard = guard;
        this.identity = identity;
        this.loop = loop;
        this.lost = new LostPeers(guard.options().maxTunnels());
    }

    /** Where frames held during a trust decision go (set once by the inbound handler). */
    void heldFrames(HeldFrames sink) {
        heldFrames = sink;
    }

    /** Who is at the other end of the tunnel with {@code peer}, if there is one. */
    public Optional<TunnelInfo> info(Vip peer) {
        Tunnel t = tunnels.get(peer.value());
        return t == null ? Optional.empty() : Optional.of(new TunnelInfo(peer, t.id,
                Optional.ofNullable(t.identity.fingerprint()), t.identity.trust()));
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
        lost.remove(peer);
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
        lost.add(peer);
        guard.ended(peer, reason);
        events.ended(peer, t.id, reason);
        return true;
    }

    /** Whether the tunnel with {@code peer} ended (S2CF) or was refused for its identity, with no new one since. Lock-free. */
    public boolean wasLost(Vip peer) {
        return lost.contains(peer);
    }

    /** The peers whose tunnel ended (S2CF) with no new one since (a copy), carried over a reconnect. */
    public Set<Vip> lostPeers() {
        return lost.all();
    }

    /**
     * Starts (or joins) an open to {@code peer}; completes when keys are set. Handshake state
     * changes (this, {@link #onHandshake}) hold the manager's lock, so an open and a hello arriving
     * at the same moment cannot both start a handshake; frames never take that lock.
     */
    public CompletableFuture<Void> open(Vip peer) {
        return open(peer, null);
    }

    /**
     * {@link #open(Vip)}, and the peer must present {@code expected} (null: the trust checks decide).
     * An existing tunnel with another identity fails it with a {@link TunnelIdentityException} and stays.
     */
    public synchronized CompletableFuture<Void> open(Vip peer, Fingerprint expected) {
        Tunnel existing = tunnels.get(peer.value());
        if (existing != null) {
            return expected == null || expected.equals(existing.identity.fingerprint()) ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(new TunnelIdentityException(peer, TunnelIdentityException.Problem.MISMATCH,
                            expected, existing.identity.fingerprint(), "the tunnel open now is with another identity"));
        }
        if (!pending.containsKey(peer.value()) && !roomFor(peer)) {
            return CompletableFuture.failedFuture(new TunnelFailedException(peer, TunnelFailedException.Reason.LIMIT, "the tunnel table is full ("
                    + guard.options().maxTunnels() + " tunnels and pending opens, none of them droppable)"));
        }
        PendingOpen[] created = new PendingOpen[1];
        PendingOpen p = pending.computeIfAbsent(peer.value(), k -> {
            X25519KeyPair kp = X25519KeyPair.generate();
            created[0] = new PendingOpen(kp, TunnelHello.create(kp, clock, random), selfVip, expected);
            return created[0];
        });
        if (created[0] != null) {
            p.future.whenComplete((v, e) -> pending.remove(peer.value(), p));
            sender.send(peer, identity.openingHello(p.hello, p.self, peer));
        }
        if (expected == null || expected.equals(p.expected)) {
            return p.future;
        }
        // Joined an open made without this expectation: check the identity it ends with.
        return p.future.thenRun(() -> PendingOpen.check(peer, expected, info(peer).flatMap(TunnelInfo::fingerprint)));
    }

    /** Fails a pending open to {@code peer} (timeout, S2CF) with a {@link TunnelFailedException}. */
    public void failOpen(Vip peer, TunnelFailedException.Reason why, String reason) {
        PendingOpen p = pending.get(peer.value());
        if (p != null) {
            p.future.completeExceptionally(new TunnelFailedException(peer, why, reason));
        }
    }

    /** Fails every pending open (disconnect). */
    void failAll(String reason) {
        for (var e : pending.entrySet()) {
            e.getValue().future.completeExceptionally(new TunnelFailedException(new Vip(e.getKey()),
                    TunnelFailedException.Reason.DISCONNECTED, reason));
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
        PendingOpen p = pending.get(from.value());
        if (p == null) {
            Tunnel t = tunnels.get(from.value());
            if (t != null && !t.confirmed && (IDENTITY_REFUSED_REASON.equals(reason) || BAD_IDENTITY_REASON.equals(reason))) {
                // We answered its hello and it refused our identity: the half-open tunnel is dead at its end.
                end(from, "the peer refused this client's identity (" + reason + ")");
                return;
            }
            guard.unsolicitedError(from, reason); // never answered: an error is not answered with an error
            return;
        }
        String message = TunnelHandshake.TUNNEL_EXISTS_REASON.equals(reason)
                ? "the peer already has a tunnel with this vIP and refuses a new handshake (a reference client does "
                        + "this until it restarts): " + reason
                : "the peer refused the handshake: " + reason;
        p.future.completeExceptionally(new TunnelFailedException(from, TunnelFailedException.Reason.REFUSED, message));
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
        PendingOpen p = pending.get(from.value());
        LOG.debug("{}: hello from {} role={} pending={}", selfVip, from, role, p != null);
        if (p != null) {
            warnIfSkewed(from, peerHello);
            if (role == ROLE_INITIATE) {
                // Both sides opened at once: the higher vIP yields and answers; the lower waits for that answer.
                if (Integer.compareUnsigned(selfVip.value(), from.value()) > 0 && !deciding.contains(from.value())) {
                    answer(from, data, peerHello, p.keyPair, p);
                }
                return;
            }
            if (p.held != null) {
                guard.refused(from, "a second answer while the first one's identity is checked");
                return;
            }
            onAnswer(from, data, peerHello, p);
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
        if (deciding.contains(from.value())) {
            guard.refused(from, "a new hello while its previous one's identity is checked");
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
        // changed hands. Its identity decides; accepted, it replaces the tunnel and is reported.
        answer(from, data, peerHello, X25519KeyPair.generate(), null);
    }

    /** The answer to our open {@code p}: its identity checked, then the keys installed (or the open failed). */
    private void onAnswer(Vip from, byte[] data, TunnelHello peerHello, PendingOpen p) {
        IdentityKey presented;
        try {
            presented = TunnelIdentity.presented(from, data, IdentityBlock.responderTranscript(p.hello, peerHello, p.self, from));
        } catch (TunnelIdentityException e) {
            guard.identityRefused(from, e);
            replyError(from, BAD_IDENTITY_REASON);
            refusedOpen(from, p, e);
            return;
        }
        TunnelKeys keys;
        try {
            keys = TunnelHandshake.deriveKeys(p.keyPair, p.hello, peerHello, true);
        } catch (TunnelException e) {
            guard.refused(from, "unusable public key in the answer");
            p.future.completeExceptionally(new TunnelFailedException(from, TunnelFailedException.Reason.BAD_HANDSHAKE,
                    "the peer's answer is unusable: " + e.getMessage()));
            return;
        }
        Tunnel live = tunnels.get(from.value());
        CompletableFuture<TunnelIdentity.Decision> d = identity.decide(from, presented, p.expected, live != null,
                live != null ? live.identity.fingerprint() : null);
        if (d.isDone()) {
            finishOpen(from, p, keys, d.join());
            return;
        }
        p.startHolding();
        d.thenAcceptAsync(decision -> {
            synchronized (this) {
                finishOpen(from, p, keys, decision);
            }
        }, loop);
    }

    private void finishOpen(Vip from, PendingOpen p, TunnelKeys keys, TunnelIdentity.Decision d) {
        List<byte[]> held = p.held;
        p.held = null;
        if (pending.get(from.value()) != p || p.future.isDone()) {
            dropHeld(from, held, "the open ended before its identity was checked");
            return;
        }
        if (!d.accepted()) {
            guard.identityRefused(from, d.refusal());
            replyError(from, IDENTITY_REFUSED_REASON);
            events.identityRefused(from, d.refusal());
            dropHeld(from, held, "the peer's identity was refused");
            refusedOpen(from, p, d.refusal());
            return;
        }
        Tunnel t = install(from, keys, true, d);
        p.future.complete(null);
        PendingOpen.replay(held, from, t, heldFrames);
    }

    /** Our open was refused for the peer's identity: it fails, and the vIP never gets plaintext without a new tunnel. */
    private void refusedOpen(Vip from, PendingOpen p, TunnelIdentityException e) {
        lost.add(from);
        p.future.completeExceptionally(e);
    }

    private void dropHeld(Vip from, List<byte[]> held, String why) {
        PendingOpen.drop(held, from, heldFrames, why);
    }

    /**
     * Answers an opening hello once its identity is checked; {@code ours}: our own open, pending at the
     * same time (simultaneous open, we yield), or null.
     */
    private void answer(Vip from, byte[] data, TunnelHello peerHello, X25519KeyPair keyPair, PendingOpen ours) {
        IdentityKey presented;
        try {
            presented = TunnelIdentity.presented(from, data, IdentityBlock.initiatorTranscript(peerHello, from, selfVip));
        } catch (TunnelIdentityException e) {
            guard.identityRefused(from, e);
            refuse(from, BAD_IDENTITY_REASON);
            if (ours != null) {
                refusedOpen(from, ours, e);
            }
            return;
        }
        Tunnel live = tunnels.get(from.value());
        CompletableFuture<TunnelIdentity.Decision> d = identity.decide(from, presented, ours != null ? ours.expected : null,
                live != null, live != null ? live.identity.fingerprint() : null);
        if (d.isDone()) {
            finishAnswer(from, peerHello, keyPair, ours, d.join());
            return;
        }
        deciding.add(from.value());
        d.thenAcceptAsync(decision -> {
            synchronized (this) {
                deciding.remove(from.value());
                finishAnswer(from, peerHello, keyPair, ours, decision);
            }
        }, loop);
    }

    private void finishAnswer(Vip from, TunnelHello peerHello, X25519KeyPair keyPair, PendingOpen ours,
            TunnelIdentity.Decision d) {
        if (ours != null && (pending.get(from.value()) != ours || ours.future.isDone())) {
            return; // our open ended (timeout, disconnect) while the identity was checked
        }
        if (!d.accepted()) {
            guard.identityRefused(from, d.refusal());
            refuse(from, IDENTITY_REFUSED_REASON);
            events.identityRefused(from, d.refusal());
            if (ours != null) {
                refusedOpen(from, ours, d.refusal());
            }
            return;
        }
        Tunnel previous = tunnels.get(from.value());
        if (!respond(from, peerHello, keyPair, ours != null, d)) {
            if (ours != null) {
                ours.future.completeExceptionally(new TunnelFailedException(from,
                        TunnelFailedException.Reason.BAD_HANDSHAKE, "the peer's hello is unusable"));
            }
            return;
        }
        if (ours != null) {
            ours.future.complete(null);
            return;
        }
        guard.answered.incrementAndGet();
        if (previous != null) {
            guard.replaced(from);
            events.replaced(from, previous.id, tunnels.get(from.value()).id);
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
        if (tunnels.size() + pending.size() + deciding.size() < o.maxTunnels()) {
            return true;
        }
        return dropOldestHalfOpen() && tunnels.size() + pending.size() + deciding.size() < o.maxTunnels();
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
    private boolean respond(Vip from, TunnelHello initiatorHello, X25519KeyPair keyPair, boolean ours,
            TunnelIdentity.Decision d) {
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
        sender.send(from, identity.answerHello(initiatorHello, mine, from, selfVip));
        install(from, keys, ours, d);
        return true;
    }

    /** Installs keys; a tunnel the peer opened is half-open until its first verified frame. */
    private Tunnel install(Vip peer, TunnelKeys keys, boolean ours, TunnelIdentity.Decision d) {
        Tunnel t = new Tunnel(keys, ours, d);
        tunnels.put(peer.value(), t);
        if (ours) {
            halfOpen.remove(peer.value());
        } else {
            halfOpen.put(peer.value(), t); // a replacement keeps the peer's place in the order
        }
        lost.remove(peer);
        guard.identityAccepted(d.fingerprint() != null);
        LOG.debug("Tunnel {} with {} established ({})", t.id, peer, d.trust());
        events.established(peer, t.id);
        return t;
    }

    private synchronized void confirm(Vip peer, Tunnel t) {
        t.confirmed = true;
        halfOpen.remove(peer.value(), t);
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
            return holdIfDeciding(peer, frame);
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

    /** {@link #HELD} when the answer to our open waits for its identity decision (the frame kept), else null. */
    private Opened holdIfDeciding(Vip peer, byte[] frame) {
        // Plain S2C from a peer with no tunnel and no open of ours (the common case) takes no lock.
        if (!pending.containsKey(peer.value())) {
            return null;
        }
        synchronized (this) {
            PendingOpen p = pending.get(peer.value());
            return p != null && p.hold(frame) ? HELD : null;
        }
    }
}
