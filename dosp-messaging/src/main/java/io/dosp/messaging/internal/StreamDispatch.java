package io.dosp.messaging.internal;

import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.util.Collection;
import java.util.List;

/**
 * The extension point for streams ({@code docs/messaging.md} §4): the messenger hands it, on its dispatch thread
 * and in the order they arrived, every STREAM_OPEN, STREAM_CHUNK, STREAM_END and CREDIT, every CANCEL that is not a
 * caller cancelling a call it made to us, and every RESPONSE or ERROR that answers no call of ours (a stream's
 * result or refusal). It sends through {@link EnvelopeSender}. {@link NoStreams} is the implementation while no
 * stream engine is plugged in ({@link MessengerCore}'s constructor picks it).
 */
public interface StreamDispatch {
    /** A stream envelope from {@code from}; {@code tunneled}: it came through a tunnel (answer through it too). */
    void onEnvelope(Vip from, boolean tunneled, Envelope e);

    /**
     * A stream envelope from {@code from} was dropped because the inbox was over its bound (a peer sending beyond its
     * credit): the stream it belongs to cannot complete and should fail ({@code TOO_LARGE}). Its body is gone.
     */
    default void overflow(Vip from, boolean tunneled, Envelope headerOnly) {
    }

    /** The server says {@code peer} is gone (ERR S2CF, PEER_GONE): its streams fail at once. */
    default void peerGone(Vip peer, String reason) {
    }

    /** This client's connection ended or was lost: every stream fails. */
    default void disconnected(String reason) {
    }

    /** The names of the stream handlers registered, for {@code $discover}. */
    default Collection<String> handlerNames() {
        return List.of();
    }

    /** The messenger closes. */
    default void close() {
    }
}
