package io.dosp.server;

import io.dosp.protocol.DospException;

/** A reload changed nothing: no {@link ConfigSource} is set, or it could not read a valid configuration. */
public class ReloadException extends DospException {
    private static final long serialVersionUID = 1L;

    /** With a message saying what failed; {@code cause} is the source's exception, if any. */
    public ReloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
