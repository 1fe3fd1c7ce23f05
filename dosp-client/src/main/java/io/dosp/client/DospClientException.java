package io.dosp.client;

import io.dosp.protocol.DospException;

/**
 * Base of every failure the client reports. Unchecked; each subclass is a failure a caller acts
 * on differently, and every message names the server and, where one is involved, the vIP.
 */
public class DospClientException extends DospException {
    private static final long serialVersionUID = 1L;

    /** With a message naming what failed. */
    public DospClientException(String message) {
        super(message);
    }

    /** With a message and the underlying cause. */
    public DospClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
