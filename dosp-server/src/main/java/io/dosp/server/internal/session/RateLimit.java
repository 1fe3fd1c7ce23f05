package io.dosp.server.internal.session;

import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * One session's packet and byte rate limits: a packet over them pauses reading from the client
 * ({@link ReadPause#RATE_LIMIT}) until the buckets have refilled, so nothing it sent is lost.
 * Event loop only; owned by one {@link ClientSession}.
 */
final class RateLimit {
    private final TokenBucket packets;
    private final TokenBucket bytes;
    private final ReadPause pause;
    private final EventLoop loop;

    private RateLimit(SessionSettings settings, ReadPause pause, EventLoop loop, long now) {
        this.packets = settings.packetRateLimit() > 0 ? new TokenBucket(settings.packetRateLimit(), now) : null;
        this.bytes = settings.byteRateLimit() > 0 ? new TokenBucket(settings.byteRateLimit(), now) : null;
        this.pause = pause;
        this.loop = loop;
    }

    /** The limits of {@code settings}, or null when there are none. */
    static RateLimit of(SessionSettings settings, ReadPause pause, EventLoop loop) {
        if (settings.packetRateLimit() <= 0 && settings.byteRateLimit() <= 0) {
            return null;
        }
        return new RateLimit(settings, pause, loop, System.nanoTime());
    }

    /** Counts {@code p} ({@code size} bytes on the wire, an MPAK as its sub-packets); pauses reading if over a limit. */
    void take(Packet p, int size) {
        long now = System.nanoTime();
        long wait = 0;
        if (packets != null) {
            wait = packets.take(p instanceof MpakPacket m ? Math.max(1, m.packets().size()) : 1, now);
        }
        if (bytes != null) {
            wait = Math.max(wait, bytes.take(size, now));
        }
        if (wait > 0 && !pause.has(ReadPause.RATE_LIMIT)) {
            pause.pause(ReadPause.RATE_LIMIT);
            loop.schedule(() -> pause.resume(ReadPause.RATE_LIMIT), wait, TimeUnit.NANOSECONDS);
        }
    }
}
