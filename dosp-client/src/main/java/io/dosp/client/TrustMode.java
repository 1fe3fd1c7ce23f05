package io.dosp.client;

/**
 * How a client decides whether to accept a tunnel peer's identity (see {@link IdentityOptions}).
 * In every mode a hello whose identity signature does not verify is refused, and an explicit
 * expectation ({@link DospClient#openTunnel(io.dosp.protocol.Vip, io.dosp.crypto.Fingerprint)})
 * must be met.
 */
public enum TrustMode {
    /**
     * Trust on first use, as SSH does with host keys: the first identity seen for a vIP on a server
     * is pinned in the {@link KnownPeers} store; later a different identity (or none) for that pair
     * is refused with {@link TunnelIdentityException} and
     * {@link ClientListener#onTunnelIdentityMismatch}. A peer without an identity (a reference
     * client) is accepted and marked {@link TunnelInfo.Trust#UNAUTHENTICATED}, and nothing is
     * pinned for it. The default.
     */
    TRUST_ON_FIRST_USE,
    /**
     * Only identities pinned in the store (or given to {@code openTunnel}) or vouched for by the
     * {@link IdentityVerifier}; everything else, including peers without an identity, is refused.
     */
    STRICT,
    /**
     * No trust checks: any identity (or none) is accepted and marked
     * {@link TunnelInfo.Trust#UNPINNED} (or unauthenticated); nothing is pinned, and a re-handshake
     * from the same vIP with another identity replaces the tunnel (reported as replaced).
     */
    OFF
}
