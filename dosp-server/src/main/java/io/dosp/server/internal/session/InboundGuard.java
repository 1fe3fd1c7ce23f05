package io.dosp.server.internal.session;

import io.dosp.codec.DospCodec;
import io.dosp.codec.PartialFrameListener;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DropReason;
import io.dosp.server.Limits;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.FrameMemory;
import io.dosp.server.internal.LogLimiter;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection's inbound side must keep to at the door: its first complete, valid packet
 * within the first-packet timeout of connecting; every frame whole within the frame timeout of
 * its first byte (bytes trickling into a frame are not a frame, and the idle timeout, which sits
 * after the decoder, does not see them either); and the buffer its decoder holds for an
 * unfinished frame reserved from the server's {@link FrameMemory}, so that stalled frames cannot
 * hold more than that together. Breaking one ends the connection with EXIT (the reason's text),
 * counts the {@link DropReason} and logs a line (at most one a second per reason, with the number
 * held back).
 *
 * <p>Time during which the server does not read from the connection (its {@link ReadPause}:
 * flow control, rate limits) does not count against the frame timeout: a frame that waits for
 * us is not late.
 *
 * <p>Event loop only: the decoder's {@link PartialFrameListener} calls, the timers and the close
 * all run on the connection's loop.
 */
public final class InboundGuard implements PartialFrameListener {
    private static final Logger LOG = LoggerFactory.getLogger(InboundGuard.class);
    private static final long NONE = Long.MIN_VALUE;
    private static final Map<DropReason, LogLimiter> CLOSE_LOG = new EnumMap<>(DropReason.class);

    static {
        for (DropReason r : new DropReason[] {DropReason.FIRST_PACKET_TIMEOUT, DropReason.FRAME_TIMEOUT,
                DropReason.FRAME_MEMORY}) {
            CLOSE_LOG.put(r, new LogLimiter(1, TimeUnit.SECONDS));
        }
    }

    /**
     * The shared part: the deadlines (0: off) and the memory for unfinished frames. Immutable.
     *
     * @param firstPacketNanos the first-packet timeout in nanoseconds, 0 for none
     * @param frameNanos       the frame timeout in nanoseconds, 0 for none
     * @param memory           where unfinished frames are reserved
     * @param clock            nanosecond time, the one the event loop schedules by ({@link System#nanoTime()})
     */
    public record Settings(long firstPacketNanos, long frameNanos, FrameMemory memory, LongSupplier clock) {
        /** The deadlines of {@code limits}, with {@code memory}. */
        public static Settings of(Limits limits, FrameMemory memory) {
            return new Settings(limits.firstPacketTimeout().toNanos(), limits.frameTimeout().toNanos(), memory,
                    System::nanoTime);
        }
    }

    private final ClientSession session;
    private final EventLoop loop;
    private final Settings settings;
    private final Counters counters;
    private long reserved;
    private long partialSince = NONE;
    private ScheduledFuture<?> frameTimer;
    private ScheduledFuture<?> firstPacketTimer;
    private boolean closed;

    private InboundGuard(ClientSession session, Channel channel, Settings settings, Counters counters) {
        this.session = session;
        this.loop = channel.eventLoop();
        this.settings = settings;
        this.counters = counters;
    }

    /**
     * Guards the connection of {@code session} on {@code channel}: listens to its decoder, starts the
     * first-packet deadline, and gives everything back when the channel closes. On the channel's event loop.
     */
    public static InboundGuard attach(ClientSession session, Channel channel, Settings settings, Counters counters) {
        InboundGuard g = new InboundGuard(session, channel, settings, counters);
        DospCodec codec = channel.pipeline().get(DospCodec.class);
        if (codec != null) {
            codec.decoder().partialFrameListener(g);
        }
        if (settings.firstPacketNanos() > 0) {
            g.firstPacketTimer = g.loop.schedule(g::firstPacketDue, settings.firstPacketNanos(), TimeUnit.NANOSECONDS);
        }
        channel.closeFuture().addListener(f -> g.close());
        return g;
    }

    @Override
    public void buffered(int bytes, boolean newFrame) {
        if (closed || session.isClosing()) {
            return;
        }
        long delta = bytes - reserved;
        if (delta > 0 && session.readPaused()) {
            // The server paused this connection (flow control, a rate limit) while it handled this read: what is
            // left of the read waits here because of us, not of the peer. Ending the connection would lose
            // frames it sent in good faith; the bytes are in memory already, and no read follows until it resumes.
            settings.memory().reserveAnyway(delta);
        } else if (delta > 0 && !settings.memory().tryReserve(delta)) {
            FrameMemory m = settings.memory();
            end(DropReason.FRAME_MEMORY, ServerExitReason.FRAME_MEMORY, "its unfinished frame needs a buffer of " + bytes
                    + " bytes; unfinished frames hold " + m.used() + " of their " + m.limit() + " bytes");
            return;
        }
        if (delta < 0) {
            settings.memory().release(-delta);
        }
        reserved = bytes;
        if (settings.frameNanos() == 0) {
            return;
        }
        if (bytes == 0) {
            partialSince = NONE;
        } else if (newFrame || partialSince == NONE) {
            partialSince = settings.clock().getAsLong();
            if (frameTimer == null) {
                frameTimer = loop.schedule(this::frameDue, settings.frameNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Bytes reserved for this connection's unfinished frame now. */
    long reserved() {
        return reserved;
    }

    private void frameDue() {
        frameTimer = null;
        if (closed || partialSince == NONE || session.isClosing()) {
            return;
        }
        long now = settings.clock().getAsLong();
        if (session.readPaused()) {
            partialSince = now; // we are not reading: the frame waits for us
        }
        long left = partialSince + settings.frameNanos() - now;
        if (left > 0) {
            frameTimer = loop.schedule(this::frameDue, left, TimeUnit.NANOSECONDS);
            return;
        }
        end(DropReason.FRAME_TIMEOUT, ServerExitReason.FRAME_TIMEOUT, "a frame begun "
                + TimeUnit.NANOSECONDS.toMillis(now - partialSince) + " ms ago is still incomplete (frame timeout "
                + TimeUnit.NANOSECONDS.toMillis(settings.frameNanos()) + " ms)");
    }

    private void firstPacketDue() {
        firstPacketTimer = null;
        if (closed || session.isClosing() || session.stats().packetsIn() > 0) {
            return;
        }
        end(DropReason.FIRST_PACKET_TIMEOUT, ServerExitReason.FIRST_PACKET_TIMEOUT, "no complete packet within "
                + TimeUnit.NANOSECONDS.toMillis(settings.firstPacketNanos()) + " ms of connecting (first-packet timeout)");
    }

    private void end(DropReason drop, ServerExitReason exit, String why) {
        counters.drop(drop);
        LogLimiter limiter = CLOSE_LOG.get(drop);
        if (limiter.allow()) {
            String line = "Closing {}: {} ({} more closed for this reason since the last line)";
            if (drop == DropReason.FRAME_MEMORY) {
                LOG.warn(line, session, why, limiter.heldBack()); // the server is short of memory: the operator should know
            } else {
                LOG.info(line, session, why, limiter.heldBack());
            }
        }
        session.disconnect(exit);
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        settings.memory().release(reserved);
        reserved = 0;
        if (frameTimer != null) {
            frameTimer.cancel(false);
        }
        if (firstPacketTimer != null) {
            firstPacketTimer.cancel(false);
        }
    }
}
