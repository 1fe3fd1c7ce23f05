package io.dosp.protocol;

/**
 * The root of every exception this library throws for reasons of its own: a protocol error from a
 * peer ({@link ProtocolException}), a tunnel failure, an invalid configuration
 * ({@link InvalidConfigException}), a client failure ({@code DospClientException}) or a server
 * that cannot start ({@code ServerStartException}). Catch it to handle any DoSP failure at once.
 *
 * <p>Unchecked, like every exception of the library. Plain misuse of an argument that has no
 * DoSP meaning (a null where a value is required) still throws the JDK's own exceptions.
 */
public class DospException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message. */
    public DospException(String message) {
        super(message);
    }

    /** With a message and a cause. */
    public DospException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * For exceptions thrown on hot paths for peer input: no stack trace is captured when
     * {@code writableStackTrace} is false.
     */
    protected DospException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, false, writableStackTrace);
    }
}
