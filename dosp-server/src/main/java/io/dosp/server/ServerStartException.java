package io.dosp.server;

import io.dosp.protocol.DospException;

/** The server could not start: the port is in use, the host does not resolve, the token file cannot be written. */
public class ServerStartException extends DospException {
    private static final long serialVersionUID = 1L;

    /** With a message saying what failed and how to fix it. */
    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
