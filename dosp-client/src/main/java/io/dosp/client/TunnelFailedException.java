package io.dosp.client;

import io.dosp.protocol.Vip;
import java.util.Objects;

/**
 * A tunnel could not be opened: the peer answered an HC2C error (for example a reference client
 * that already has a tunnel with us and refuses a new handshake), the server could not reach the
 * peer (ERR S2CF), or the handshake timed out. {@link #reason()} says which, for code; the message
 * is for people.
 */
public class TunnelFailedException extends DospClientException {
    private static final long serialVersionUID = 1L;

    /** Why the tunnel could not be opened. */
    public enum Reason {
        /** The server could not deliver to the vIP (ERR S2CF), or says it changed hands (PEER_GONE): nobody holds it. */
        PEER_UNREACHABLE,
        /** The peer refused the handshake (an HC2C error, e.g. a reference client that already has a tunnel with us). */
        REFUSED,
        /** The peer's identity was refused ({@link TunnelIdentityException}). */
        IDENTITY,
        /** No handshake answer within the tunnel timeout. */
        TIMEOUT,
        /** The peer's hello or answer could not be used. */
        BAD_HANDSHAKE,
        /** This client's own bound: the tunnel table is full. */
        LIMIT,
        /** The connection ended (or the tunnel ended again) before the tunnel was usable. */
        DISCONNECTED,
        /** The waiting thread was interrupted. */
        INTERRUPTED,
        /** None of the above. */
        OTHER
    }

    private final Vip peer;
    private final Reason reason;

    /** Opening a tunnel to {@code peer} failed for an unclassified reason ({@link Reason#OTHER}). */
    public TunnelFailedException(Vip peer, String message) {
        this(peer, Reason.OTHER, message);
    }

    /** Opening a tunnel to {@code peer} failed because of {@code reason}; {@code message} says more, for people. */
    public TunnelFailedException(Vip peer, Reason reason, String message) {
        super("tunnel to " + peer + " failed: " + message);
        this.peer = peer;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The peer's vIP. */
    public Vip peer() {
        return peer;
    }

    /** Why, for code. */
    public Reason reason() {
        return reason;
    }
}
