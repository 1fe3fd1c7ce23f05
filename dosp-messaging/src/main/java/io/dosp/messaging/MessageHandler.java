package io.dosp.messaging;

import io.dosp.protocol.Vip;

/**
 * Handles named messages of one type ({@link Messenger#on}); runs on the messenger's handler executor, never on an
 * I/O thread, and the messages of one sender one at a time in the order they came.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface MessageHandler<T> {
    /** {@code payload} came from {@code from}. An exception is logged (messages have no answer). */
    void handle(Vip from, T payload) throws Exception;
}
