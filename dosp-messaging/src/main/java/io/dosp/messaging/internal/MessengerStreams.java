package io.dosp.messaging.internal;

import io.dosp.client.DospClient;
import io.dosp.messaging.StreamOptions;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream engine plugged into a messenger ({@link StreamDispatch}): envelopes from the messenger's dispatch
 * thread into the {@link StreamEngine}, envelopes out through the messenger's {@link EnvelopeSender} (plain or
 * through the tunnel), the client's writability for the senders' backpressure, its frame size for the chunks.
 */
public final class MessengerStreams implements StreamDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(MessengerStreams.class);
    private final StreamEngine engine;
    private final AtomicLong unhandled;

    /** Streams for the messenger of {@code client}; {@code unhandled} counts envelopes no stream or call took. */
    public MessengerStreams(DospClient client, EnvelopeSender out, StreamOptions options, AtomicLong unhandled) {
        this.unhandled = unhandled;
        this.engine = new StreamEngine(new StreamWire() {
            @Override
            public void send(Vip peer, Envelope envelope, boolean secure) {
                out.send(peer, envelope, secure);
            }

            @Override
            public CompletableFuture<Void> sendAsync(Vip peer, Envelope envelope, boolean secure) {
                return out.sendAsync(peer, envelope, secure);
            }

            @Override
            public boolean secureFor(boolean tunneled) {
                return out.secureFor(tunneled);
            }

            @Override
            public CompletableFuture<Void> whenWritable() {
                return client.whenWritable();
            }

            @Override
            public int maxDataBytes() {
                return client.maxFrameSize() - 2 * Vip.BYTES;
            }
        }, options, out::nextId);
    }

    /** The engine. */
    public StreamEngine engine() {
        return engine;
    }

    @Override
    public void onEnvelope(Vip from, boolean tunneled, Envelope e) {
        if (!engine.handle(from, tunneled, e)) {
            unhandled.incrementAndGet();
            LOG.debug("Dropped an envelope of kind {} (id {}) from {}: no call or stream of that id", e.kind(), e.id(),
                    from);
        }
    }

    @Override
    public void overflow(Vip from, boolean tunneled, Envelope headerOnly) {
        engine.overflow(from, tunneled, headerOnly);
    }

    @Override
    public void peerGone(Vip peer, String reason) {
        engine.peerGone(peer, reason);
    }

    @Override
    public void disconnected(String reason) {
        engine.disconnected(reason);
    }

    @Override
    public Collection<String> handlerNames() {
        return engine.handlerNames();
    }

    @Override
    public void close() {
        engine.close();
    }
}
