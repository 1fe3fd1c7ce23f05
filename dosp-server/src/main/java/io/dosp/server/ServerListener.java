package io.dosp.server;

import io.dosp.protocol.Packet;

/**
 * Hooks into a {@link DospServer}'s connections. Every method has a default that does nothing,
 * so implement only what you need.
 *
 * <p>Methods run on the connection's event loop: they must not block. A method that throws is
 * logged and otherwise ignored; it never breaks the connection.
 */
public interface ServerListener {

    /** A client connected and got its vIP (after AIP and HSK were queued). */
    default void onConnect(ConnectedClient client) {
    }

    /** A client's connection ended; its vIP is free again. */
    default void onDisconnect(ConnectedClient client, Disconnect disconnect) {
    }

    /**
     * A packet arrived, before the server handles it (MPAK arrives as its sub-packets).
     *
     * @return true to consume it: the server then does nothing more with it
     */
    default boolean onPacket(ConnectedClient client, Packet packet) {
        return false;
    }
}
