package io.dosp.client.internal;

import io.dosp.protocol.ErrorReply;

/**
 * The ERR that answered an FN request, carried through the request's future to the facade, which
 * turns it into a {@code FunctionCallException} naming the function. Stackless: it only moves a
 * reply from the I/O thread to the caller.
 */
public final class FunctionError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ErrorReply reply;

    FunctionError(ErrorReply reply) {
        super(reply.describe(), null, false, false);
        this.reply = reply;
    }

    /** The server's ERR. */
    public ErrorReply reply() {
        return reply;
    }
}
