package io.dosp.client;

/** A request (GCL, PING, FN, GSI, RQIP, AUTH, ADMIN, BCST, tunnel open) got no answer in time. */
public class RequestTimeoutException extends DospClientException {
    private static final long serialVersionUID = 1L;

    /** With a message naming the request and the server. */
    public RequestTimeoutException(String message) {
        super(message);
    }
}
