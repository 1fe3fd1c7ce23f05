package io.dosp.client;

/** An admin request was refused: bad token, not authenticated, or the command answered {@code ERR:...}. */
public class AdminException extends DospClientException {
    private static final long serialVersionUID = 1L;

    /** With the server's text. */
    public AdminException(String message) {
        super(message);
    }
}
