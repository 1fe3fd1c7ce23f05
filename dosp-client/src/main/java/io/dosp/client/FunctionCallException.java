package io.dosp.client;

import io.dosp.protocol.ErrCode;

/**
 * A server function call failed. For a bare FN: unknown function (FNF), the function threw (FF), or the reference's
 * text error. For a typed call (the {@code functions} extension): the ERROR's code of {@code docs/messaging.md}
 * ({@code NO_SUCH_METHOD}, {@code BAD_ARGUMENTS} with {@link #field()}, {@code HANDLER_FAILED}, {@code TIMEOUT},
 * {@code TOO_MANY_CALLS}, {@code TOO_LARGE}, {@code UNSUPPORTED}), or {@code UNSUPPORTED} when the server does not
 * support function arguments at all.
 */
public class FunctionCallException extends DospClientException {
    private static final long serialVersionUID = 1L;
    /** The message of a call with arguments made to a server without the {@code functions} extension (code {@code UNSUPPORTED}). */
    public static final String NOT_SUPPORTED_MESSAGE = "server does not support function arguments";
    private final String function;
    private final ErrCode code;
    private final String errorCode;
    private final String field;
    private final String serverMessage;

    /** {@code function} failed with {@code code} (null for the reference's text form). */
    public FunctionCallException(String server, String function, ErrCode code, String detail) {
        super("function '" + function + "' on DoSP server " + server + " failed: "
                + (code == ErrCode.FNF ? "no such function" : code == ErrCode.FF ? "it threw: " + detail : detail));
        this.function = function;
        this.code = code;
        this.errorCode = code == ErrCode.FNF ? "NO_SUCH_METHOD" : "HANDLER_FAILED";
        this.field = null;
        this.serverMessage = code == ErrCode.FNF ? "no such function" : detail;
    }

    /**
     * A typed call of {@code function} was answered ERROR {@code errorCode} with {@code message} and, for
     * {@code BAD_ARGUMENTS}, the bad argument {@code field} (or null).
     */
    public FunctionCallException(String server, String function, String errorCode, String message, String field) {
        super("function '" + function + "' on DoSP server " + server + " failed: " + errorCode
                + (field == null ? "" : " (argument " + field + ")") + ": " + message);
        this.function = function;
        this.code = null;
        this.errorCode = errorCode;
        this.field = field;
        this.serverMessage = message;
    }

    /** The function name. */
    public String function() {
        return function;
    }

    /** FNF, FF, or null for a plain-text error or a typed call's ERROR. */
    public ErrCode code() {
        return code;
    }

    /**
     * The error code in the words of {@code docs/messaging.md}: a typed call's ERROR code; for a bare FN
     * {@code NO_SUCH_METHOD} (FNF) or {@code HANDLER_FAILED} (anything else).
     */
    public String errorCode() {
        return errorCode;
    }

    /** What the server said (an ERROR's message, or a bare FN's ERR text), without this exception's prefix. */
    public String serverMessage() {
        return serverMessage;
    }

    /** The bad argument a {@code BAD_ARGUMENTS} names, or null. */
    public String field() {
        return field;
    }
}
