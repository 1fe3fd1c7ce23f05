package io.dosp.server;

/**
 * One peer link as {@link DospServer#peers()} and the admin {@code peers} command show it: a link
 * this server dialed ({@code direction} {@link #OUTGOING}), or a two-way link a peer of this project
 * dialed to it ({@link #INCOMING}; one-way links from older builds are not listed, this server links
 * back to those).
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
 *                   {@code refused: mesh key mismatch ...}, or {@code not linked yet}; followed by
 *                   {@code ; node of cluster NAME} when the peer said it is a node of cluster {@code NAME}
 * @param direction  {@link #OUTGOING} (we dialed) or {@link #INCOMING} (the peer dialed us)
 * @param twoWay     whether the link carries traffic both ways (both servers of this project)
 */
public record PeerStatus(String address, String state, boolean extended, int routesVia, long forwarded, long dropped,
        long reconnects, String lastError, String mode, String direction, boolean twoWay) {
    /** {@link #direction()} of a link this server dialed. */
    public static final String OUTGOING = "outgoing";
    /** {@link #direction()} of a link a peer dialed to this server. */
    public static final String INCOMING = "incoming";

    /** An outgoing one-way link's status (the fields before directions existed). */
    public PeerStatus(String address, String state, boolean extended, int routesVia, long forwarded, long dropped,
            long reconnects, String lastError, String mode) {
        this(address, state, extended, routesVia, forwarded, dropped, reconnects, lastError, mode, OUTGOING, false);
    }
}
