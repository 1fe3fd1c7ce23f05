package io.dosp.client;

import io.dosp.crypto.Fingerprint;
import io.dosp.protocol.Vip;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A pluggable check of a tunnel peer's identity, asked after the signature verified and the
 * pins agreed (see {@link IdentityOptions.Builder#verifier}). It answers asynchronously, so it may
 * ask the server (the vouch: which identity key the user holding a vIP proved at login) or
 * anything else; the handshake waits for it up to the tunnel timeout, and frames the peer sends
 * meanwhile are held, not delivered. A failed or late answer refuses the tunnel.
 *
 * <p>Called on the client's I/O thread: it must return at once (complete the future later).
 */
@FunctionalInterface
public interface IdentityVerifier {

    /**
     * Checks {@code presented} for {@code peer} on {@code server}.
     *
     * @param server    the server as {@code host:port} ({@link DospClient#server()})
     * @param peer      the peer's vIP
     * @param presented the identity its hello carried, empty when it carried none
     * @return the verdict
     */
    CompletableFuture<Verdict> verify(String server, Vip peer, Optional<Fingerprint> presented);

    /**
     * A verifier from a source of vouches: {@code vouches.apply(vip)} completes with the fingerprint
     * vouched for that vIP (empty: no vouch, the trust mode decides). A vouch for another
     * fingerprint than the presented one, or for a vIP whose peer presented none, refuses the tunnel
     * as a mismatch; a matching one accepts it as {@link TunnelInfo.Trust#VOUCHED}. This is where
     * the server's vouch ({@code vouch(Vip)}) plugs in.
     *
     * @param vouches the vouch source
     * @return the verifier
     */
    static IdentityVerifier vouchedBy(Function<Vip, CompletableFuture<Optional<Fingerprint>>> vouches) {
        Objects.requireNonNull(vouches, "vouches");
        return (server, peer, presented) -> vouches.apply(peer).thenApply(v -> v.map(f ->
                presented.map(f::equals).orElse(false) ? Verdict.vouched() : Verdict.refused(f, "the server vouches for " + f))
                .orElse(Verdict.noOpinion()));
    }

    /** What an {@link IdentityVerifier} says. */
    final class Verdict {
        /** The kind of answer. */
        public enum Kind {
            /** The presented identity holds the vIP: accept. */
            VOUCHED,
            /** Refuse; {@link #expected()} names the identity that should have been presented, if known. */
            REFUSED,
            /** No opinion: the pins and the trust mode decide. */
            NO_OPINION
        }

        private static final Verdict VOUCHED = new Verdict(Kind.VOUCHED, null, "vouched");
        private static final Verdict NO_OPINION = new Verdict(Kind.NO_OPINION, null, "no opinion");
        private final Kind kind;
        private final Fingerprint expected;
        private final String reason;

        private Verdict(Kind kind, Fingerprint expected, String reason) {
            this.kind = kind;
            this.expected = expected;
            this.reason = reason;
        }

        /** Accept the presented identity. */
        public static Verdict vouched() {
            return VOUCHED;
        }

        /** No opinion. */
        public static Verdict noOpinion() {
            return NO_OPINION;
        }

        /**
         * Refuse.
         *
         * @param expected the identity that should hold the vIP, or null when unknown
         * @param reason why, for people
         * @return the verdict
         */
        public static Verdict refused(Fingerprint expected, String reason) {
            return new Verdict(Kind.REFUSED, expected, Objects.requireNonNull(reason, "reason"));
        }

        /** The kind. */
        public Kind kind() {
            return kind;
        }

        /** The identity that should have been presented (refusals only). */
        public Optional<Fingerprint> expected() {
            return Optional.ofNullable(expected);
        }

        /** Why. */
        public String reason() {
            return reason;
        }

        /** The kind and reason. */
        @Override
        public String toString() {
            return kind + (expected != null ? " (expected " + expected + ")" : "") + ": " + reason;
        }
    }
}
