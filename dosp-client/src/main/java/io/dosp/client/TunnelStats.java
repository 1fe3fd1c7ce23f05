package io.dosp.client;

/**
 * What a client did with the tunnel handshakes it received, since it was created (across
 * reconnects), and its tunnel table now. See {@link TunnelOptions} for the limits behind the
 * counts. A snapshot: immutable.
 *
 * @param tunnels                tunnels now (established and half-open), pending opens not included
 * @param halfOpen               tunnels a peer opened that have not carried a verified frame yet
 * @param handshakesReceived     handshake payloads received (S2C DATA starting with HC2C, of any kind)
 * @param handshakesAnswered     hellos answered with ours (a tunnel opened by the peer, or a simultaneous open)
 * @param handshakesRateLimited  hellos not answered because a handshake rate limit was reached
 * @param handshakesRefused      handshakes refused for what they were: malformed, legacy mode, an unusable
 *                               public key, an answer no open of ours waited for, or a full tunnel table
 * @param errorReplies           HC2C error frames (and legacy refusals) sent back
 * @param errorRepliesSuppressed error replies not sent because the error reply budget was spent
 * @param halfOpenDropped        half-open tunnels dropped to make room for newer ones
 * @param framesReflected        frames dropped because they carried the nonce of a frame this client sealed
 *                               (its own frame sent back, e.g. by a malicious relay); also in
 *                               {@link DospClient#rejectedTunnelFrames()}
 * @param tunnelsReplaced        tunnels replaced by a new handshake from the same vIP (the peer may have changed)
 * @param replacementsRefused    new handshakes refused because a tunnel with that vIP existed
 *                               ({@link TunnelOptions.Replacement#REFUSE}); also in {@code handshakesRefused}
 * @param tunnelsEnded           tunnels ended because the server could not reach the peer (ERR S2CF)
 * @param identitiesVerified     tunnels installed with a peer identity whose signature verified and that the
 *                               trust checks accepted
 * @param unauthenticated        tunnels installed with a peer that sent no identity (a reference client)
 * @param identityMismatches     tunnels refused because the peer presented another identity (or none) than the
 *                               pinned, vouched or expected one
 * @param identitiesRefused      tunnels refused for a bad identity signature, an untrusted identity
 *                               ({@link TrustMode#STRICT}) or a failed identity check
 */
public record TunnelStats(int tunnels, int halfOpen, long handshakesReceived, long handshakesAnswered,
        long handshakesRateLimited, long handshakesRefused, long errorReplies, long errorRepliesSuppressed,
        long halfOpenDropped, long framesReflected, long tunnelsReplaced, long replacementsRefused, long tunnelsEnded,
        long identitiesVerified, long unauthenticated, long identityMismatches, long identitiesRefused) {
}
