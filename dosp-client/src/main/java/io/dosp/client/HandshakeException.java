package io.dosp.client;

/** The server did not complete the DoSP handshake (AIP + HSK) in time, or sent something else. */
public class HandshakeException extends DospClientException {
    private static final long serialVersionUID = 1L;

    /** With a message naming the server. */
    public HandshakeException(String message) {
        super(message);
    }
}
