package io.dosp.messaging;

import io.dosp.protocol.DospException;
import java.util.Objects;

/**
 * A stream that did not complete: refused, cancelled by either side, cut off (peer gone, our connection ended), or
 * its bytes did not match their SHA-256. {@link #code()} is the error code of {@code docs/messaging.md} section 2
 * ({@code NO_SUCH_METHOD}, {@code CANCELLED}, {@code INTEGRITY}, {@code TOO_LARGE}, {@code TOO_MANY_CALLS},
 * {@code HANDLER_FAILED}, {@code UNSUPPORTED}) or a local one ({@code TIMEOUT}, {@code PEER_GONE},
 * {@code DISCONNECTED}, {@code SOURCE_FAILED}: reading the sender's own source failed).
 */
public class StreamException extends DospException {
    private static final long serialVersionUID = 1L;
    /** The other side has no stream handler of that name. */
    public static final String NO_SUCH_METHOD = "NO_SUCH_METHOD";
    /** The receiver's handler threw; the message is its exception's message. */
    public static final String HANDLER_FAILED = "HANDLER_FAILED";
    /** The receiver has as many streams from this peer (or in all) as it takes. */
    public static final String TOO_MANY_CALLS = "TOO_MANY_CALLS";
    /** Something the receiver does not read. */
    public static final String UNSUPPORTED = "UNSUPPORTED";
    /** Cancelled by either side; the message carries the reason. */
    public static final String CANCELLED = "CANCELLED";
    /** The SHA-256 of the bytes received did not match the sender's. */
    public static final String INTEGRITY = "INTEGRITY";
    /** Over a bound of the receiver: its grant, the announced size, its largest stream. */
    public static final String TOO_LARGE = "TOO_LARGE";
    /** No answer in time (local). */
    public static final String TIMEOUT = "TIMEOUT";
    /** The other side's vIP changed hands or could not be reached (local). */
    public static final String PEER_GONE = "PEER_GONE";
    /** Our own connection ended (local). */
    public static final String DISCONNECTED = "DISCONNECTED";
    /** The sender's own source (file, input stream) could not be read (local). */
    public static final String SOURCE_FAILED = "SOURCE_FAILED";

    private final String code;

    /** A failure with its code and a message. */
    public StreamException(String code, String message) {
        super(code + ": " + message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** A failure with its code, a message and a cause. */
    public StreamException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The error code (the constants of this class). */
    public String code() {
        return code;
    }
}
