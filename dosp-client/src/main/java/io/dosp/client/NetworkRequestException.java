package io.dosp.client;

/**
 * The server refused a network request (groups, names, presence, network views; docs/network.md): {@link #status()}
 * is the RESULT status ({@code BAD_REQUEST}, {@code LIMIT}, {@code NOT_ALLOWED}, {@code NOT_MEMBER}, {@code TAKEN},
 * {@code NOT_FOUND}, {@code TOO_LARGE}, {@code UNAVAILABLE}) and {@link #serverText()} what the server said (escaped
 * and cut, as for a log line).
 */
public final class NetworkRequestException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final String status;
    private final String serverText;

    /** {@code what} was refused by {@code server} with {@code status} and {@code serverText} (already escaped). */
    public NetworkRequestException(String server, String what, String status, String serverText) {
        super(what + " refused by DoSP server " + server + ": " + status
                + (serverText.isEmpty() ? "" : " (" + serverText + ")"));
        this.status = status;
        this.serverText = serverText;
    }

    /** The RESULT status's name, e.g. {@code TAKEN}. */
    public String status() {
        return status;
    }

    /** What the server said, escaped; may be empty. */
    public String serverText() {
        return serverText;
    }
}
