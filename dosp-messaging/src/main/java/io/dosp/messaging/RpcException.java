package io.dosp.messaging;

import io.dosp.client.DospClientException;
import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * A call, message or stream that failed: {@link #code()} says why ({@link ErrorCode}), {@link #field()} names the
 * bad argument for {@link ErrorCode#BAD_ARGUMENTS}. Thrown by a handler, it is sent to the caller as it is (code,
 * message, field) when its code is one of the wire's; any other exception a handler throws is sent as
 * {@link ErrorCode#HANDLER_FAILED} with its message. No stack trace ever crosses the wire.
 */
public class RpcException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final String wireCode;
    private final String field;
    private final transient Vip peer;

    /** A failure with {@code code} and {@code message}, for a handler to throw. */
    public RpcException(ErrorCode code, String message) {
        this(code, code.name(), message, null, null, null);
    }

    /** {@link ErrorCode#BAD_ARGUMENTS} naming {@code field}, for a handler to throw. */
    public static RpcException badArguments(String field, String message) {
        return new RpcException(ErrorCode.BAD_ARGUMENTS, ErrorCode.BAD_ARGUMENTS.name(), message, field, null, null);
    }

    /**
     * A failure in full: {@code wireCode} is the code as sent (differs from {@code code.name()} only for
     * {@link ErrorCode#UNKNOWN}), {@code peer} the other side (null when none), {@code cause} the local cause.
     */
    public RpcException(ErrorCode code, String wireCode, String message, String field, Vip peer, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.wireCode = wireCode == null ? code.name() : wireCode;
        this.field = field;
        this.peer = peer;
    }

    /** Why it failed. */
    public ErrorCode code() {
        return code;
    }

    /** The code as it was on the wire (or the local code's name). */
    public String wireCode() {
        return wireCode;
    }

    /** The bad argument or record component ({@code arg} or {@code arg.component}), for {@link ErrorCode#BAD_ARGUMENTS}. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The other side (the callee for a call), when known. */
    public Optional<Vip> peer() {
        return Optional.ofNullable(peer);
    }
}
