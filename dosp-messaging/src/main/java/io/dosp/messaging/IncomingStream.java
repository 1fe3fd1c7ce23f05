package io.dosp.messaging;

import io.dosp.protocol.Vip;
import java.io.InputStream;

/**
 * A stream arriving at a {@link StreamHandler}. {@link #input()} yields the bytes in order; its {@code read} returns
 * -1 only once the sender's SHA-256 matched every byte read, and throws a {@link java.io.IOException} whose cause is
 * a {@link RpcException} when the stream fails (cancelled, integrity, the sender gone).
 */
public interface IncomingStream {
    /** The vIP that sends the stream. */
    Vip from();

    /** The stream handler name it was sent to. */
    String handler();

    /** What the sender announced (name, size, content type). */
    StreamMetadata metadata();

    /** The bytes, in order; read it on the handler's thread (or hand it to one). */
    InputStream input();

    /** The bytes read from {@link #input()} so far. */
    long bytesRead();

    /** Stops the stream: the sender's future fails with {@code CANCELLED} and this reason. */
    void cancel(String reason);
}
