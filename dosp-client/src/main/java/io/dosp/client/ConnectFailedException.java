package io.dosp.client;

/** The TCP connection could not be made (refused, unreachable, connect timeout). */
public class ConnectFailedException extends DospClientException {
    private static final long serialVersionUID = 1L;

    /** For {@code server}. */
    public ConnectFailedException(String server, Throwable cause) {
        super("cannot connect to DoSP server " + server + ": " + (cause == null ? "unknown error" : cause.getMessage()), cause);
    }
}
