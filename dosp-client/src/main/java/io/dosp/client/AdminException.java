package io.dosp.client;

/**
 * An admin request was refused: bad token, not authenticated, or the command answered
 * {@code ERR:...}. {@link #serverReply()} is the server's answer as it sent it.
 */
public class AdminException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final String serverReply;

    /** With a message only (no server reply to show). */
    public AdminException(String message) {
        this(message, null);
    }

    /** With a message naming the server and the request, and the server's reply (e.g. {@code ERR:No client with vIP ...}). */
    public AdminException(String message, String serverReply) {
        super(message);
        this.serverReply = serverReply;
    }

    /**
     * The server's answer exactly as it sent it, e.g. {@code ERR:Invalid token} or
     * {@code ERR:Admin only}; null when the exception was made without one.
     */
    public String serverReply() {
        return serverReply;
    }
}
