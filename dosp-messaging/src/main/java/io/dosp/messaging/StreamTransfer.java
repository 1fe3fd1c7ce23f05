package io.dosp.messaging;

import io.dosp.protocol.Vip;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A stream being sent: its result, its progress, and a way to cancel it. The result completes with what the
 * receiver confirmed, or fails with a {@link RpcException} (refused, cancelled by either side, integrity, peer
 * gone, disconnected).
 */
public interface StreamTransfer {
    /** The receiving vIP. */
    Vip peer();

    /** The stream's id on the wire (this side's). */
    long id();

    /** Completes when the receiver confirmed every byte; fails with a {@link RpcException}. */
    CompletableFuture<StreamResult> result();

    /** The bytes sent so far. */
    long bytesSent();

    /**
     * Calls {@code listener} after each chunk sent (on the stream's sending thread, never an I/O thread); keep it
     * short, it delays the next chunk.
     */
    StreamTransfer onProgress(Consumer<StreamProgress> listener);

    /** Stops the stream: CANCEL to the receiver, the result fails with {@code CANCELLED}. False when already done. */
    boolean cancel(String reason);
}
