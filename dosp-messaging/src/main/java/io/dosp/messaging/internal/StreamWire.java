package io.dosp.messaging.internal;

import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.util.concurrent.CompletableFuture;

/**
 * How the stream engine reaches peers: the messaging layer's connection (a {@code DospClient}) or, in tests, an
 * in-memory pipe. Envelopes go out as S2C DATA (sealed when a tunnel exists).
 */
public interface StreamWire {
    /**
     * Sends one envelope to {@code peer}; never blocks on the network.
     *
     * @throws io.dosp.protocol.DospException when it cannot be sent (our connection is gone, a lost tunnel)
     */
    void send(Vip peer, Envelope envelope);

    /**
     * Completed when the local connection takes more data without buffering it (the channel is writable); otherwise
     * completes when it becomes writable, or fails when the connection ends. A sender asks before each chunk.
     */
    CompletableFuture<Void> whenWritable();

    /** The largest S2C DATA this side may send: the client's maximum frame size less the S2C header. */
    int maxDataBytes();
}
