package io.dosp.messaging.internal;

import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.internal.MessengerCore.Counters;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams while no stream engine is plugged in: a STREAM_OPEN is refused with ERROR {@code NO_SUCH_METHOD}, any
 * other stream envelope is counted as unhandled and dropped (nothing of ours waits for it).
 */
final class NoStreams implements StreamDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(NoStreams.class);
    private final EnvelopeSender out;
    private final Counters counters;

    NoStreams(EnvelopeSender out, Counters counters) {
        this.out = out;
        this.counters = counters;
    }

    @Override
    public void onEnvelope(Vip from, boolean tunneled, Envelope e) {
        if (e.kind() == Envelope.STREAM_OPEN && !e.isReply()) {
            try {
                out.send(from, WireError.of(ErrorCode.NO_SUCH_METHOD, "this peer takes no streams").envelope(e.id()),
                        out.secureFor(tunneled));
            } catch (RuntimeException x) {
                LOG.debug("Could not refuse a stream from {}: {}", from, x.getMessage());
            }
            return;
        }
        counters.unhandled.incrementAndGet();
        LOG.debug("Dropped an envelope of kind {} (id {}) from {}: nothing waits for it", e.kind(), e.id(), from);
    }
}
