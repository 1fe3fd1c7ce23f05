package io.dosp.client.internal;

import io.dosp.client.ClientOptions;
import io.dosp.client.IdentityOptions;
import io.dosp.client.IdentityVerifier;
import io.dosp.client.KnownPeers;
import io.dosp.client.TrustMode;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.TunnelIdentityException.Problem;
import io.dosp.client.TunnelInfo.Trust;
import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.Identity;
import io.dosp.crypto.IdentityBlock;
import io.dosp.crypto.IdentityKey;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHello;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The identity side of a client's tunnels (issue 13): our identity block in the hellos we send,
 * the check of the peer's signature over the transcript as we saw it, and the trust decision
 * (an expected fingerprint, the live tunnel's identity, the {@link KnownPeers} pin, the
 * {@link IdentityVerifier}, the {@link TrustMode}). One per client, kept across reconnects.
 *
 * <p>Thread-safe: it holds no mutable state of its own (the store is thread-safe).
 */
public final class TunnelIdentity {
    private final Identity identity;
    private final KnownPeers store;
    private final TrustMode mode;
    private final IdentityVerifier verifier;
    /** The server's vouches (client admission), asked when the application set no verifier; null until wired. */
    private volatile IdentityVerifier serverVouches;
    private final String server;
    private final Duration timeout;

    /** The outcome of a trust decision: accepted with a trust level, or refused. */
    record Decision(Trust trust, Fingerprint fingerprint, TunnelIdentityException refusal) {
        boolean accepted() {
            return refusal == null;
        }
    }

    TunnelIdentity(Identity identity, IdentityOptions o, String server, Duration timeout) {
        this.identity = identity;
        this.store = o.knownPeers();
        this.mode = o.mode();
        this.verifier = o.verifier().orElse(null);
        this.server = server;
        this.timeout = timeout;
    }

    /**
     * The client's identity and trust from its options: the given identity, the one in the identity
     * file (created there on first use), or a new one for this client's lifetime.
     *
     * @throws io.dosp.crypto.IdentityFileException when the identity file cannot be used
     */
    public static TunnelIdentity of(ClientOptions options) {
        IdentityOptions o = options.identity();
        Identity id = o.identity().orElseGet(() -> o.identityFile().map(Identity::loadOrCreate).orElseGet(Identity::generate));
        return new TunnelIdentity(id, o, options.serverName(), options.tunnelTimeout());
    }

    /**
     * Uses {@code vouches} (the server's word on who holds a vIP, {@code DospClient.vouch}) when the application set no
     * {@link IdentityVerifier}: a vouched identity other than the presented one is refused as a mismatch; a vIP the
     * server does not vouch for (or a server that does not vouch) leaves the decision to the pins and the trust mode.
     */
    public void serverVouches(java.util.function.Function<Vip, CompletableFuture<Optional<Fingerprint>>> vouches) {
        this.serverVouches = IdentityVerifier.vouchedBy(vouches);
    }

    /** Our identity. */
    public Identity identity() {
        return identity;
    }

    /** The pins. */
    public KnownPeers knownPeers() {
        return store;
    }

    /** The server the pins are kept for. */
    public String server() {
        return server;
    }

    /** Our opening hello: {@code hello | 01 | identity block} signed as initiator. */
    byte[] openingHello(TunnelHello hello, Vip self, Vip peer) {
        return IdentityBlock.sign(identity, IdentityBlock.initiatorTranscript(hello, self, peer))
                .appendTo(hello, TunnelManager.ROLE_INITIATE);
    }

    /** Our answer: {@code hello | 02 | identity block} signed as responder over both hellos. */
    byte[] answerHello(TunnelHello initiator, TunnelHello mine, Vip initiatorVip, Vip self) {
        return IdentityBlock.sign(identity, IdentityBlock.responderTranscript(initiator, mine, initiatorVip, self))
                .appendTo(mine, TunnelManager.ROLE_RESPOND);
    }

    /**
     * The identity a hello proves over {@code transcript}, or null when it carries none.
     *
     * @throws TunnelIdentityException ({@code BAD_SIGNATURE}) for a malformed block or a signature that fails
     */
    static IdentityKey presented(Vip peer, byte[] data, byte[] transcript) {
        Optional<IdentityBlock> block;
        try {
            block = IdentityBlock.read(data);
        } catch (TunnelException e) {
            throw new TunnelIdentityException(peer, Problem.BAD_SIGNATURE, null, null, "malformed identity block: "
                    + e.getMessage());
        }
        if (block.isEmpty()) {
            return null;
        }
        if (!block.get().verifies(transcript)) {
            throw new TunnelIdentityException(peer, Problem.BAD_SIGNATURE, null, null, "claimed identity "
                    + block.get().key().fingerprint());
        }
        return block.get().key();
    }

    /**
     * Decides whether to accept {@code presented} (null: none) for {@code peer}. Never completes
     * exceptionally; completes at once unless the verifier has to be asked.
     *
     * @param expected    the fingerprint the application asked for (openTunnel), or null
     * @param live        whether a tunnel with the vIP exists now
     * @param liveIdentity that tunnel's identity, or null
     */
    CompletableFuture<Decision> decide(Vip peer, IdentityKey presented, Fingerprint expected, boolean live,
            Fingerprint liveIdentity) {
        Fingerprint shown = presented != null ? presented.fingerprint() : null;
        if (expected != null) {
            if (!expected.equals(shown)) {
                return done(refuse(peer, Problem.MISMATCH, expected, shown, "the application expected " + expected));
            }
            if (mode != TrustMode.OFF) {
                store.pin(server, peer, shown);
            }
            return done(new Decision(Trust.PINNED, shown, null));
        }
        if (mode == TrustMode.OFF) {
            return done(new Decision(shown != null ? Trust.UNPINNED : Trust.UNAUTHENTICATED, shown, null));
        }
        if (live && liveIdentity != null && !liveIdentity.equals(shown)) {
            return done(refuse(peer, Problem.MISMATCH, liveIdentity, shown,
                    "a new handshake from the vIP of a live tunnel, with another identity"));
        }
        Optional<Fingerprint> pinned = store.pinned(server, peer);
        if (pinned.isPresent() && !pinned.get().equals(shown)) {
            return done(refuse(peer, Problem.MISMATCH, pinned.get(), shown, "pinned for " + peer + " on " + server
                    + (store.path().map(p -> " in " + p).orElse(""))));
        }
        IdentityVerifier check = verifier != null ? verifier : serverVouches;
        if (check == null) {
            return done(byStore(peer, shown, pinned.isPresent()));
        }
        CompletableFuture<IdentityVerifier.Verdict> asked;
        try {
            asked = check.verify(server, peer, Optional.ofNullable(shown));
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        boolean isPinned = pinned.isPresent();
        return asked.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((v, e) -> {
            if (e != null || v == null) {
                Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                String why = c instanceof TimeoutException ? "no answer within " + timeout
                        : c == null ? "no verdict" : LogText.of(String.valueOf(c.getMessage()));
                return refuse(peer, Problem.CHECK_FAILED, null, shown, why);
            }
            return switch (v.kind()) {
                case VOUCHED -> {
                    if (shown == null) {
                        yield refuse(peer, Problem.UNTRUSTED, null, null, "vouched for, but the peer presented no identity");
                    }
                    if (!isPinned && mode == TrustMode.TRUST_ON_FIRST_USE) {
                        store.pin(server, peer, shown);
                    }
                    yield new Decision(Trust.VOUCHED, shown, null);
                }
                case REFUSED -> v.expected().isPresent()
                        ? refuse(peer, Problem.MISMATCH, v.expected().get(), shown, LogText.of(v.reason()))
                        : refuse(peer, Problem.UNTRUSTED, null, shown, LogText.of(v.reason()));
                case NO_OPINION -> byStore(peer, shown, isPinned);
            };
        });
    }

    /** The store's and the mode's decision once no check refused. */
    private Decision byStore(Vip peer, Fingerprint shown, boolean pinned) {
        if (pinned) {
            return new Decision(Trust.PINNED, shown, null);
        }
        if (mode == TrustMode.STRICT) {
            return refuse(peer, Problem.UNTRUSTED, null, shown, shown == null ? "the peer has no identity and the trust"
                    + " mode is STRICT" : "not pinned for " + peer + " on " + server + " nor vouched for, and the trust"
                    + " mode is STRICT");
        }
        if (shown == null) {
            return new Decision(Trust.UNAUTHENTICATED, null, null);
        }
        store.pin(server, peer, shown);
        return new Decision(Trust.TRUSTED_ON_FIRST_USE, shown, null);
    }

    private static Decision refuse(Vip peer, Problem p, Fingerprint expected, Fingerprint shown, String why) {
        return new Decision(null, shown, new TunnelIdentityException(peer, p, expected, shown, why));
    }

    private static CompletableFuture<Decision> done(Decision d) {
        return CompletableFuture.completedFuture(d);
    }
}
