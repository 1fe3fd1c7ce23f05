package io.dosp.server.internal.cluster;

/** The cluster cannot give this node what it asked for now; the message is meant for the client (EXIT text). */
public final class ClusterUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With {@code message}, the text a refused client reads. */
    public ClusterUnavailableException(String message) {
        super(message);
    }

    /** With {@code message} and the {@code cause} behind it. */
    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
