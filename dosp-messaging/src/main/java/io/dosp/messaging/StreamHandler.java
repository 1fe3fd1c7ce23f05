package io.dosp.messaging;

/**
 * Receives the streams sent to one stream handler name. Called on a stream thread of the messaging layer (never an
 * I/O thread), once per stream; it reads {@link IncomingStream#input()} to the end. Reading slowly slows the sender:
 * credit is granted as the bytes are read. The sender's future completes when this method returns normally after
 * the last byte was read and checked; an exception fails it with {@code HANDLER_FAILED} (its message crosses the
 * wire, never its stack trace); returning before the end cancels the stream.
 */
@FunctionalInterface
public interface StreamHandler {
    /** Reads one incoming stream. */
    void onStream(IncomingStream stream) throws Exception;
}
