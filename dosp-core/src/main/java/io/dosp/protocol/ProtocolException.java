package io.dosp.protocol;

/**
 * A DoSP message that does not follow the protocol. Carries the {@link ErrCode} a server answers
 * with (may be {@code null} when the right answer is to close the connection).
 *
 * <p>Stackless: these are thrown for peer input, often, and the stack of the decoder says
 * nothing the message does not.
 */
public class ProtocolException extends DospException {
    private static final long serialVersionUID = 1L;

    private final ErrCode errCode;

    /** A protocol violation answered with {@code errCode} (may be {@code null}). */
    public ProtocolException(String message, ErrCode errCode) {
        super(message, null, false);
        this.errCode = errCode;
    }

    /** The ERR code that answers this violation, or {@code null}. */
    public ErrCode errCode() {
        return errCode;
    }
}
