package io.dosp.server;

/**
 * One outgoing peer link as {@link DospServer#peers()} and the admin {@code peers} command show it.
 *
 * @param address    the peer's {@code ip:port}
 * @param state      CONNECTING, AUTHENTICATING, UP, DOWN or REMOVED
 * @param extended   whether the peer proved the mesh key (our extension frames, hop limits, learned routes)
 * @param routesVia  best routes currently through this peer
 * @param forwarded  S2C forwarded over the link
 * @param dropped    S2C dropped because the link's queue was full
 * @param reconnects reconnect attempts so far
 * @param lastError  the last failure, or empty
 * @param mode       what kind of link and why: {@code mesh key proven}, {@code reference mode: this server has
 *                   no mesh key}, {@code reference mode: peer has no mesh key (or is a reference server)},
 *                   {@code refused: mesh key mismatch ...}, or {@code not linked yet}
 */
public record PeerStatus(String address, String state, boolean extended, int routesVia, long forwarded, long dropped,
        long reconnects, String lastError, String mode) {
}
