package io.dosp.server.internal.session;

import io.dosp.codec.DospCodec;
import io.dosp.codec.InflateMeter;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.server.internal.Counters;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * What one compressed connection's decoder may inflate: {@code inflatePerRead} bytes per read batch,
 * then the frames it holds wait for the next turn of the event loop (after the other connections'
 * reads), and no more than the inflate rate of its {@link RateLimit} per second, then they wait for
 * the bucket to refill. While it waits the connection is not read from ({@link ReadPause#INFLATE}),
 * so what the decoder holds stays bounded. Every inflated byte, refused bodies (zlib bombs)
 * included, is counted server-wide and charged to the connection.
 *
 * <p>Event loop only; owned by one {@link ClientSession}, installed into its codec.
 */
final class InflateBudget implements InflateMeter {
    private final DospCodec codec;
    private final ReadPause pause;
    private final RateLimit rateLimit;
    private final EventLoop loop;
    private final Counters counters;
    private final int perRead;
    private final Runnable resume = this::resume;
    private int batch;
    private int last;
    private boolean waiting;

    InflateBudget(DospCodec codec, ReadPause pause, RateLimit rateLimit, EventLoop loop, Counters counters, int perRead) {
        this.codec = codec;
        this.pause = pause;
        this.rateLimit = rateLimit;
        this.loop = loop;
        this.counters = counters;
        this.perRead = perRead;
    }

    @Override
    public boolean mayInflate() {
        if (waiting) {
            return false;
        }
        if (batch >= perRead) {
            waitFor(0);
            return false;
        }
        long wait = rateLimit == null ? 0 : rateLimit.inflateWait();
        if (wait > 0) {
            waitFor(wait);
            return false;
        }
        return true;
    }

    @Override
    public void inflated(int bytes) {
        batch += bytes;
        last = bytes;
        counters.inflated(bytes);
        if (rateLimit != null) {
            rateLimit.inflated(bytes);
        }
    }

    /**
     * The decoder refused a body for {@code why}: if it was inflated (too large, or bad zlib), the work
     * it caused counts against the byte rate too, as a body that inflated whole does as its packet.
     */
    void refused(MalformedPacketException.Reason why) {
        if (rateLimit != null && (why == MalformedPacketException.Reason.DECOMPRESSED_TOO_LARGE
                || why == MalformedPacketException.Reason.INVALID_COMPRESSION)) {
            rateLimit.takeRefusedInflation(last);
        }
    }

    /** The end of a read batch: the next one has its own share. */
    void readComplete() {
        if (!waiting) {
            batch = 0;
        }
    }

    private void waitFor(long nanos) {
        waiting = true;
        counters.inflateDeferred();
        pause.pause(ReadPause.INFLATE);
        if (nanos == 0) {
            loop.execute(resume); // after the reads of the other connections of this loop
        } else {
            loop.schedule(resume, nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void resume() {
        waiting = false;
        batch = 0;
        pause.resume(ReadPause.INFLATE);
        codec.resumeDecoding();
    }
}
