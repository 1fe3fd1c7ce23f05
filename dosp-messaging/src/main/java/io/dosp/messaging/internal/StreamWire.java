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
     * Sends one envelope to {@code peer}; never blocks on the network. {@code secure}: only through an end-to-end
     * tunnel (opened first when there is none, which may wait for the handshake: never on an I/O thread).
     *
     * @throws io.dosp.protocol.DospException when it cannot be sent (our connection is gone, no tunnel)
     */
    void send(Vip peer, Envelope envelope, boolean secure);

    /**
     * {@link #send} without ever waiting for a tunnel to open (for the dispatch thread): the future fails where
     * {@code send} would throw, and then nothing was sent. This default sends synchronously.
     */
    default CompletableFuture<Void> sendAsync(Vip peer, Envelope envelope, boolean secure) {
        try {
            send(peer, envelope, secure);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException x) {
            return CompletableFuture.failedFuture(x);
        }
    }

    /** Whether answers to a stream that came {@code tunneled} (or not) must go through a tunnel. */
    boolean secureFor(boolean tunneled);

    /**
     * Completed when the local connection takes more data without buffering it (the channel is writable); otherwise
     * completes when it becomes writable, or fails when the connection ends. A sender asks before each chunk.
     */
    CompletableFuture<Void> whenWritable();

    /** The largest S2C DATA this side may send: the client's maximum frame size less the S2C header. */
    int maxDataBytes();
}
