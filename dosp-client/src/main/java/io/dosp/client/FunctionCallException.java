package io.dosp.client;

import io.dosp.protocol.ErrCode;

/** A server function call failed: unknown function (FNF), the function threw (FF), or the reference's text error. */
public class FunctionCallException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final String function;
    private final ErrCode code;

    /** {@code function} failed with {@code code} (null for the reference's text form). */
    public FunctionCallException(String server, String function, ErrCode code, String detail) {
        super("function '" + function + "' on DoSP server " + server + " failed: "
                + (code == ErrCode.FNF ? "no such function" : code == ErrCode.FF ? "it threw: " + detail : detail));
        this.function = function;
        this.code = code;
    }

    /** The function name. */
    public String function() {
        return function;
    }

    /** FNF, FF, or null for a plain-text error. */
    public ErrCode code() {
        return code;
    }
}
