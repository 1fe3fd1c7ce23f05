package io.dosp.client;

import io.dosp.crypto.Fingerprint;
import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * Who is at the other end of a tunnel, as far as this client could check
 * ({@link DospClient#tunnelInfo(Vip)}).
 *
 * @param peer        the peer's vIP
 * @param tunnel      the tunnel's id ({@link Incoming#tunnel()})
 * @param fingerprint the peer's identity, when its hello carried one with a valid signature
 * @param trust       why the identity (or its absence) was accepted
 */
public record TunnelInfo(Vip peer, long tunnel, Optional<Fingerprint> fingerprint, Trust trust) {

    /** Why a tunnel's peer was accepted. */
    public enum Trust {
        /** The identity matched a pin: the known-peers store, or the fingerprint given to {@code openTunnel}. */
        PINNED,
        /** The {@link IdentityVerifier} (e.g. the server's vouch) said this identity holds the vIP. */
        VOUCHED,
        /** New: nothing was pinned for this vIP on this server; the identity is pinned now (trust on first use). */
        TRUSTED_ON_FIRST_USE,
        /** An identity with a valid signature, accepted without a check ({@link TrustMode#OFF}). */
        UNPINNED,
        /** The peer sent no identity (a reference client, or an earlier version of ours): who it is is unknown. */
        UNAUTHENTICATED
    }

    /** Whether the peer proved an identity (its fingerprint is known). */
    public boolean authenticated() {
        return fingerprint.isPresent();
    }

    /** One line for people: the fingerprint and how it was trusted, or that the peer has no identity. */
    public String describe() {
        return switch (trust) {
            case PINNED -> fingerprint.orElseThrow() + " (pinned)";
            case VOUCHED -> fingerprint.orElseThrow() + " (vouched for by the server)";
            case TRUSTED_ON_FIRST_USE -> fingerprint.orElseThrow() + " (new, trusted on first use)";
            case UNPINNED -> fingerprint.orElseThrow() + " (not checked: trust mode off)";
            case UNAUTHENTICATED -> "unauthenticated (peer has no identity)";
        };
    }
}
