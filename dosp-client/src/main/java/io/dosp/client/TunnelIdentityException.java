package io.dosp.client;

import io.dosp.crypto.Fingerprint;
import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * A tunnel was refused because of its peer's identity: it is not the one expected for the vIP
 * (like SSH's "REMOTE HOST IDENTIFICATION HAS CHANGED"), it was not trusted, or its signature did
 * not verify (the hello was tampered with on the way, e.g. by a relay that swaps the ephemeral
 * keys). Nothing was sent through the refused tunnel, and the next send to that vIP re-opens a
 * tunnel first (never plaintext).
 */
public final class TunnelIdentityException extends TunnelFailedException {
    private static final long serialVersionUID = 1L;

    /** What was wrong with the identity. */
    public enum Problem {
        /** Another identity (or none) than the pinned, vouched or expected one: see {@link #expected()}. */
        MISMATCH,
        /** Not pinned and not vouched for, and the trust mode accepts nothing else ({@link TrustMode#STRICT}). */
        UNTRUSTED,
        /** The identity signature does not verify over the handshake as this side saw it. */
        BAD_SIGNATURE,
        /** The identity check itself failed or did not answer in time. */
        CHECK_FAILED
    }

    private final Problem problem;
    private final transient Fingerprint expected;
    private final transient Fingerprint presented;

    /**
     * A refusal.
     *
     * @param peer the vIP
     * @param problem what was wrong
     * @param expected the identity that was expected, or null
     * @param presented the identity the peer presented, or null when it sent none (or a bad one)
     * @param detail why, for people
     */
    public TunnelIdentityException(Vip peer, Problem problem, Fingerprint expected, Fingerprint presented, String detail) {
        super(peer, Reason.IDENTITY, message(peer, problem, expected, presented, detail));
        this.problem = problem;
        this.expected = expected;
        this.presented = presented;
    }

    private static String message(Vip peer, Problem problem, Fingerprint expected, Fingerprint presented, String detail) {
        String shown = presented != null ? presented.toString() : "no identity";
        return switch (problem) {
            case MISMATCH -> "PEER IDENTIFICATION HAS CHANGED for " + peer + ": expected " + expected + ", presented "
                    + shown + " (" + detail + "); someone may be in the middle, or another client holds the vIP now";
            case UNTRUSTED -> "identity " + shown + " of " + peer + " is not trusted (" + detail + ")";
            case BAD_SIGNATURE -> "the identity signature of " + peer + "'s hello does not verify (" + detail
                    + "); the handshake was changed on the way";
            case CHECK_FAILED -> "the identity check for " + peer + " failed: " + detail;
        };
    }

    /** What was wrong. */
    public Problem problem() {
        return problem;
    }

    /** The identity expected for the vIP (pinned, vouched or given), when there was one. */
    public Optional<Fingerprint> expected() {
        return Optional.ofNullable(expected);
    }

    /** The identity the peer presented, empty when it sent none or one whose signature failed. */
    public Optional<Fingerprint> presented() {
        return Optional.ofNullable(presented);
    }
}
