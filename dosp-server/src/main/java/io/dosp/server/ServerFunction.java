package io.dosp.server;

/**
 * A function clients call by name with FN (spec 5.4). The server answers SA with the returned
 * text, or ERR FF with the exception's message when it throws.
 *
 * <p>Functions run on the server's function threads ({@link Functions#threads()}),
 * never on an event loop, so they may block; many calls may run at once. Clients take turns for
 * the threads, each with at most {@link Functions#maxCallsPerClient()} calls in flight. A call
 * that runs longer than {@link Functions#callTimeout()} is answered ERR FF and its thread is
 * interrupted: a function that blocks should do so interruptibly.
 */
@FunctionalInterface
public interface ServerFunction {

    /**
     * Runs the function for {@code caller}.
     *
     * @return the answer text (null is sent as empty)
     * @throws Exception to answer ERR FF with its message
     */
    String call(ConnectedClient caller) throws Exception;
}
