package io.dosp.server;

import io.dosp.protocol.ExitCode;

/**
 * How a client's connection ended, as {@link ServerListener#onDisconnect} reports it.
 *
 * @param initiator who ended it
 * @param code      the client's EXIT code, when it sent one
 * @param reason    the client's EXIT reason, or the reason the server gave (e.g. {@code Server shutting down})
 */
public record Disconnect(Initiator initiator, ExitCode code, String reason) {

    /** Who ended a connection. */
    public enum Initiator {
        /** The client sent EXIT. */
        CLIENT,
        /** The server closed it (kick, limit, shutdown, protocol error). */
        SERVER,
        /** The connection dropped without EXIT. */
        NETWORK
    }
}
