package io.dosp.client.internal;

import io.dosp.client.TunnelOptions;
import io.dosp.client.TunnelStats;
import io.dosp.protocol.Vip;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's defence against tunnel handshake floods (see {@link TunnelOptions}): the handshake and
 * error-reply token buckets, overall and per peer vIP, the counters behind {@link TunnelStats}, and
 * the rate-limited log lines. One per client, kept across reconnects (the limits and counts are the
 * client's, not one connection's).
 *
 * <p>Thread-safe. The per-peer buckets live in an LRU map of at most {@value #MAX_PEERS} peers, so a
 * flood from ever new vIPs cannot grow it: a peer pushed out starts again with full buckets, and the
 * overall buckets still hold.
 */
public final class TunnelGuard {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelManager.class);
    static final int MAX_PEERS = 4096;
    private static final long LOG_INTERVAL_SECONDS = 10;

    private final TunnelOptions options;
    private final LongSupplier nanoTime;
    private final TokenBucket handshakes;
    private final TokenBucket errorReplies;
    private final Map<Integer, PeerBuckets> peers = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, PeerBuckets> eldest) {
            return size() > MAX_PEERS;
        }
    };
    final AtomicLong received = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong rateLimited = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong errorsSent = new AtomicLong();
    final AtomicLong errorsSuppressed = new AtomicLong();
    final AtomicLong halfOpenDropped = new AtomicLong();
    final AtomicLong reflected = new AtomicLong();
    final AtomicLong replacedCount = new AtomicLong();
    final AtomicLong replacementsRefused = new AtomicLong();
    final AtomicLong endedCount = new AtomicLong();
    final AtomicLong identitiesVerified = new AtomicLong();
    final AtomicLong unauthenticated = new AtomicLong();
    final AtomicLong identityMismatches = new AtomicLong();
    final AtomicLong identitiesRefused = new AtomicLong();
    private final LogLimiter identityLog;
    private final LogLimiter reflectedLog;
    private final LogLimiter replacedLog;
    private final LogLimiter endedLog;
    private final LogLimiter rateLimitLog;
    private final LogLimiter refusedLog;
    private final LogLimiter peerErrorLog;
    private final LogLimiter droppedLog;

    private record PeerBuckets(TokenBucket handshakes, TokenBucket errorReplies) {
    }

    /** A guard for {@code options} on the system's nanosecond clock. */
    public TunnelGuard(TunnelOptions options) {
        this(options, System::nanoTime);
    }

    /** A guard on the given nanosecond clock (tests). */
    TunnelGuard(TunnelOptions options, LongSupplier nanoTime) {
        this.options = options;
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        handshakes = new TokenBucket(options.handshakesPerSecond(), now);
        errorReplies = new TokenBucket(options.errorRepliesPerSecond(), now);
        rateLimitLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        refusedLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        peerErrorLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        droppedLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        reflectedLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        replacedLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        endedLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
        identityLog = new LogLimiter(LOG_INTERVAL_SECONDS, TimeUnit.SECONDS, nanoTime);
    }

    /** Counts a tunnel installed with ({@code verified}) or without a peer identity. */
    void identityAccepted(boolean verified) {
        (verified ? identitiesVerified : unauthenticated).incrementAndGet();
    }

    /** Counts a tunnel refused for its peer's identity (a mismatch, untrusted, or a bad signature), logged at a bounded rate. */
    void identityRefused(Vip peer, io.dosp.client.TunnelIdentityException e) {
        if (e.problem() == io.dosp.client.TunnelIdentityException.Problem.MISMATCH) {
            identityMismatches.incrementAndGet();
        } else {
            identitiesRefused.incrementAndGet();
        }
        if (identityLog.allow()) {
            LOG.warn("Refused a tunnel with {}: {} ({} more in the last {} s)", peer, e.getMessage(), identityLog.heldBack(),
                    LOG_INTERVAL_SECONDS);
        }
    }

    /** Counts a frame from {@code peer} that was our own frame sent back (reflected), logged at a bounded rate. */
    void reflected(Vip peer) {
        reflected.incrementAndGet();
        if (reflectedLog.allow()) {
            LOG.warn("Dropped a tunnel frame said to be from {} that is one this client sealed itself (reflected by the"
                    + " server or a relay; {} more in the last {} s)", peer, reflectedLog.heldBack(), LOG_INTERVAL_SECONDS);
        }
    }

    /** Counts a tunnel replaced by a new handshake from the same vIP. */
    void replaced(Vip peer) {
        replacedCount.incrementAndGet();
        if (replacedLog.allow()) {
            LOG.info("Tunnel with {} was replaced by a new handshake: the peer may have changed ({} more in the last {} s)",
                    peer, replacedLog.heldBack(), LOG_INTERVAL_SECONDS);
        }
    }

    /** Counts a new handshake refused because a tunnel with that vIP exists (replaceTunnels REFUSE). */
    void replacementRefused(Vip peer) {
        replacementsRefused.incrementAndGet();
    }

    /** Counts a tunnel ended because the server could not reach its peer. */
    void ended(Vip peer, String reason) {
        endedCount.incrementAndGet();
        if (endedLog.allow()) {
            LOG.info("Tunnel with {} ended: {} ({} more in the last {} s)", peer, reason, endedLog.heldBack(),
                    LOG_INTERVAL_SECONDS);
        }
    }

    /** The limits. */
    TunnelOptions options() {
        return options;
    }

    /** Takes a handshake token from the overall and {@code peer}'s bucket, or neither; false: rate-limited (counted). */
    synchronized boolean allowHandshake(Vip peer) {
        long now = nanoTime.getAsLong();
        PeerBuckets p = peer(peer, now);
        if (handshakes.available(now) & p.handshakes.available(now)) {
            handshakes.take();
            p.handshakes.take();
            return true;
        }
        rateLimited.incrementAndGet();
        if (rateLimitLog.allow()) {
            LOG.warn("Tunnel handshakes over the limit ({}/s overall, {}/s per peer; latest from {}): not answered; {} more"
                    + " in the last {} s", options.handshakesPerSecond(), options.handshakesPerSecondPerPeer(), peer,
                    rateLimitLog.heldBack(), LOG_INTERVAL_SECONDS);
        }
        return false;
    }

    /** Takes an error-reply token (overall and {@code peer}'s), or neither; false: suppressed (counted). */
    synchronized boolean allowErrorReply(Vip peer) {
        long now = nanoTime.getAsLong();
        PeerBuckets p = peer(peer, now);
        if (errorReplies.available(now) & p.errorReplies.available(now)) {
            errorReplies.take();
            p.errorReplies.take();
            errorsSent.incrementAndGet();
            return true;
        }
        errorsSuppressed.incrementAndGet();
        return false;
    }

    private PeerBuckets peer(Vip peer, long now) {
        return peers.computeIfAbsent(peer.value(), k -> new PeerBuckets(
                new TokenBucket(options.handshakesPerSecondPerPeer(), now),
                new TokenBucket(options.errorRepliesPerSecondPerPeer(), now)));
    }

    /** Counts a refused handshake and logs it at a bounded rate; {@code why} is our text, never the peer's. */
    void refused(Vip peer, String why) {
        refused.incrementAndGet();
        if (refusedLog.allow()) {
            LOG.warn("Refused a tunnel handshake from {}: {} ({} more refused in the last {} s)", peer, why,
                    refusedLog.heldBack(), LOG_INTERVAL_SECONDS);
        }
    }

    /** Logs, at a bounded rate, an HC2C error frame a peer sent that no open of ours waited for. */
    void unsolicitedError(Vip peer, String reason) {
        if (peerErrorLog.allow()) {
            LOG.warn("Tunnel handshake error from {}: {} ({} more in the last {} s)", peer, LogLimiter.peerText(reason, 120),
                    peerErrorLog.heldBack(), LOG_INTERVAL_SECONDS);
        }
    }

    /** Counts a half-open tunnel dropped for room. */
    void halfOpenDropped(Vip peer) {
        halfOpenDropped.incrementAndGet();
        if (droppedLog.allow()) {
            LOG.warn("Dropped the half-open tunnel with {} to make room (at most {} half-open; {} more in the last {} s)",
                    peer, options.maxHalfOpen(), droppedLog.heldBack(), LOG_INTERVAL_SECONDS);
        }
    }

    /** The counts, with the table sizes of the current connection. */
    public TunnelStats stats(int tunnels, int halfOpen) {
        return new TunnelStats(tunnels, halfOpen, received.get(), answered.get(), rateLimited.get(), refused.get(),
                errorsSent.get(), errorsSuppressed.get(), halfOpenDropped.get(), reflected.get(), replacedCount.get(),
                replacementsRefused.get(), endedCount.get(), identitiesVerified.get(), unauthenticated.get(),
                identityMismatches.get(), identitiesRefused.get());
    }
}
