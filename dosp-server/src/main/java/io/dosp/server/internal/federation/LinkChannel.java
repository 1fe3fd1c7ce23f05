package io.dosp.server.internal.federation;

import io.dosp.protocol.Packet;
import io.dosp.protocol.S2cPacket;

/**
 * One peer link, whichever server dialed it: our outgoing {@link PeerLink}, or a two-way link a
 * peer opened to us ({@link IncomingLink}). What forwarding, advertisements and {@link PeerLinks}
 * send over. Thread-safe.
 */
interface LinkChannel {
    /** The peer's key ({@code ip:port}, or {@code id-HEX@ip} for a peer that cannot be dialed). */
    String peer();

    /** Whether we dialed it. */
    boolean outgoing();

    /** Whether the link is up now and may carry our traffic to the peer. */
    boolean usable();

    /** Whether the link is two-way (both sides of this build): it carries LINK_EXT and the peer's traffic to us. */
    boolean twoWay();

    /** Whether the peer proved the mesh key (FWD frames, hop limits, learned routes); false in reference mode. */
    boolean extended();

    /** The peer's server id from the handshake, or null (reference mode). */
    byte[] peerId();

    /** Queues a frame; false when the link is not up or its queue is full. */
    boolean send(Packet frame);

    /**
     * Queues a forwarded S2C ({@code frame} is FWD or the plain S2C); false when not up or full. If the
     * link dies before it is written, the sender is told (ERR S2CF, or FWD_FAIL towards its server).
     */
    boolean forward(Packet frame, S2cPacket original);

    /** Counts a forwarded frame. */
    void countForwarded();
}
