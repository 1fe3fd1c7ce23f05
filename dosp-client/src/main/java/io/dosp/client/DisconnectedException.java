package io.dosp.client;

/**
 * The connection ended: the server sent EXIT (server full, kicked by an admin, shutting down,
 * packet too large, ...) or the network dropped. {@link #serverReason()} is the EXIT text, or
 * null when the server sent none.
 */
public class DisconnectedException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final String serverReason;

    /** Disconnected from {@code server}; {@code serverReason} may be null. */
    public DisconnectedException(String server, String serverReason) {
        super(serverReason == null ? "connection to DoSP server " + server + " lost"
                : "DoSP server " + server + " ended the connection: " + (serverReason.isEmpty() ? "(no reason)" : serverReason));
        this.serverReason = serverReason;
    }

    /** The server's EXIT reason, or null if the connection dropped without one. */
    public String serverReason() {
        return serverReason;
    }
}
