package io.dosp.client;

import io.dosp.protocol.Vip;

/**
 * A tunnel could not be opened: the peer answered an HC2C error (for example a reference client
 * that already has a tunnel with us and refuses a new handshake), the server could not reach the
 * peer (ERR S2CF), or the handshake timed out.
 */
public class TunnelFailedException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final Vip peer;

    /** Opening a tunnel to {@code peer} failed. */
    public TunnelFailedException(Vip peer, String message) {
        super("tunnel to " + peer + " failed: " + message);
        this.peer = peer;
    }

    /** The peer's vIP. */
    public Vip peer() {
        return peer;
    }
}
