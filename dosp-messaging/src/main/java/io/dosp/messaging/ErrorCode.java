package io.dosp.messaging;

/**
 * Why a call, message or stream failed ({@code docs/messaging.md} §2). The first eight cross the wire in an ERROR
 * envelope; the rest are decided locally and never sent.
 */
public enum ErrorCode {
    /** No method (REQUEST) or stream handler (STREAM_OPEN) of that name at the callee. */
    NO_SUCH_METHOD(true),
    /** The arguments do not decode to the parameter types or fail validation; {@link RpcException#field()} names the first bad one. */
    BAD_ARGUMENTS(true),
    /** The handler threw; the message is its exception's message (never a stack trace). */
    HANDLER_FAILED(true),
    /** Too many calls in flight: at the callee from this peer (wire), or at the caller to that peer (local). */
    TOO_MANY_CALLS(true),
    /** An envelope version, kind or content type the receiver does not read. */
    UNSUPPORTED(true),
    /** The call or stream was cancelled. */
    CANCELLED(true),
    /** A stream's SHA-256 did not match. */
    INTEGRITY(true),
    /** A stream or argument over the receiver's bound. */
    TOO_LARGE(true),
    /** Local: no answer within the call's timeout. */
    TIMEOUT(false),
    /** Local: the server said the callee's vIP is gone (ERR S2CF, or a PEER_GONE notice); fails at once. */
    PEER_GONE(false),
    /** Local: this client's connection ended (or was lost and is being re-established). */
    DISCONNECTED(false),
    /** Local: the envelope could not be sent (e.g. no tunnel could be opened for a secure send); nothing was sent. */
    SEND_FAILED(false),
    /** A code this build does not know, from a newer peer; {@link RpcException#wireCode()} has it. */
    UNKNOWN(true);

    private final boolean wire;

    ErrorCode(boolean wire) {
        this.wire = wire;
    }

    /** Whether this code is sent in ERROR envelopes (false: a local outcome only). */
    public boolean onWire() {
        return wire;
    }

    /** The code of {@code wire} as read from an ERROR body; {@link #UNKNOWN} for one this build does not know. */
    public static ErrorCode ofWire(String wire) {
        for (ErrorCode c : values()) {
            if (c.wire && c != UNKNOWN && c.name().equals(wire)) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
