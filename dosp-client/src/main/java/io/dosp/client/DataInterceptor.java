package io.dosp.client;

/**
 * Takes client-to-client data before the receive queue and the listeners see it: the hook through which a layer
 * on top of the client (the messaging layer's {@code Messenger}) receives its own messages, while everything it does
 * not take reaches {@link DospClient#receive()} and {@link ClientListener#onMessage} as before.
 *
 * <p>Called for every S2C message (after a tunnel frame was opened: {@link Incoming#tunneled()} says so), in the
 * order they arrived, <b>on the connection's I/O thread</b>: it must decide at once and never block; work belongs
 * on the interceptor's own executor. Interceptors are asked in the order they were added; the first that returns
 * {@code true} takes the message (nobody else sees it). One that throws is logged and treated as not taking it.
 * Registered with {@link DospClient#addInterceptor}; kept across reconnects.
 */
@FunctionalInterface
public interface DataInterceptor {
    /** Whether this interceptor takes {@code message} (an S2C, plain or opened from a tunnel). */
    boolean intercept(Incoming message);
}
