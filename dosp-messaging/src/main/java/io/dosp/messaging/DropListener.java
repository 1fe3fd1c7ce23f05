package io.dosp.messaging;

import io.dosp.protocol.Vip;

/**
 * Told of each message a {@link Messenger} dropped (see {@link Messenger#onDropped}); every drop is also counted in
 * {@link MessengerStats#messagesDropped()}. Under overload the messenger first stops reading (backpressure: see
 * {@link MessengerOptions}), so a drop for a full inbox or queue means a hard bound was passed anyway. Called on the
 * messenger's handler threads, at most {@value #MAX_PENDING} notices waiting at a time (more drops are only counted);
 * a listener that throws is logged and kept.
 */
@FunctionalInterface
public interface DropListener {
    /** Drop notices waiting for the listener at most; past it a drop is counted but not told. */
    int MAX_PENDING = 1024;

    /** What was dropped, and why. */
    enum Reason {
        /** No handler of that name. */
        NO_HANDLER,
        /** The payload did not decode as the handler's type (or a non-null part was null). */
        UNDECODABLE,
        /** The inbox or the handlers' queue was past its hard bound. */
        OVERFLOW,
        /** A plain (untunneled) message reached a secure messenger. */
        NOT_TUNNELED
    }

    /**
     * A message was dropped.
     *
     * @param from   the sender's vIP
     * @param name   the message's name (as the sender wrote it; escape it before logging)
     * @param reason why
     */
    void dropped(Vip from, String name, Reason reason);
}
