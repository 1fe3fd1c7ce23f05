package io.dosp.server.internal.session;

import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * One session's rate limits, token buckets with a burst of one second: packets and bytes it sends,
 * bytes its compressed frames inflate to, and bytes of replies larger than their request (GCL,
 * GSI) it gets. Going over the packet, byte or reply limit pauses reading from the client
 * ({@link ReadPause#RATE_LIMIT}) until the buckets have refilled, so nothing it sent is lost; the
 * inflate limit makes its decoder wait ({@link InflateBudget}); a reply asked for while the reply
 * bucket is empty is refused by the caller. Event loop only; owned by one {@link ClientSession}.
 */
final class RateLimit {
    private static final long ONE_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final TokenBucket packets;
    private final TokenBucket bytes;
    private final TokenBucket inflate;
    private final TokenBucket replies;
    private final ReadPause pause;
    private final EventLoop loop;
    /** A reply was refused since the last one sent: further refusals need not say why again. */
    private boolean refusing;

    private RateLimit(SessionSettings settings, ReadPause pause, EventLoop loop, long now) {
        this.packets = settings.packetRateLimit() > 0 ? new TokenBucket(settings.packetRateLimit(), now) : null;
        this.bytes = settings.byteRateLimit() > 0 ? new TokenBucket(settings.byteRateLimit(), now) : null;
        this.inflate = settings.compression() && settings.inflateRateLimit() > 0
                ? new TokenBucket(settings.inflateRateLimit(), now) : null;
        this.replies = settings.replyRateLimit() > 0 ? new TokenBucket(settings.replyRateLimit(), now) : null;
        this.pause = pause;
        this.loop = loop;
    }

    /** The limits of {@code settings}, or null when there are none. */
    static RateLimit of(SessionSettings settings, ReadPause pause, EventLoop loop) {
        if (settings.packetRateLimit() <= 0 && settings.byteRateLimit() <= 0 && settings.replyRateLimit() <= 0
                && (!settings.compression() || settings.inflateRateLimit() <= 0)) {
            return null;
        }
        return new RateLimit(settings, pause, loop, System.nanoTime());
    }

    /** Whether incoming packets are charged (a packet or byte rate limit is set); replies and inflation aside. */
    boolean chargesPackets() {
        return packets != null || bytes != null;
    }

    /** Counts {@code p} ({@code size} bytes, an MPAK as its sub-packets); pauses reading if over a limit. */
    void take(Packet p, int size) {
        if (packets == null && bytes == null) {
            return;
        }
        long now = System.nanoTime();
        long wait = 0;
        if (packets != null) {
            wait = packets.take(p instanceof MpakPacket m ? Math.max(1, m.packets().size()) : 1, now);
        }
        if (bytes != null) {
            wait = Math.max(wait, bytes.take(size, now));
        }
        pauseFor(wait);
    }

    /**
     * Charges {@code n} bytes a refused compressed body inflated to against the byte rate (a body that
     * inflated whole is charged as its packet, by {@link #take}); pauses reading if over it.
     */
    void takeRefusedInflation(int n) {
        if (bytes != null && n > 0) {
            pauseFor(bytes.take(n, System.nanoTime()));
        }
    }

    /** Charges {@code n} inflated bytes against the inflate rate (may go one body into debt). */
    void inflated(int n) {
        if (inflate != null) {
            inflate.take(n, System.nanoTime());
        }
    }

    /**
     * Nanoseconds until another body may be inflated (0: now): inflated bytes count against both the
     * inflate rate and the byte rate, so either in debt makes the decoder wait.
     */
    long inflateWait() {
        if (inflate == null && bytes == null) {
            return 0;
        }
        long now = System.nanoTime();
        return Math.max(inflate == null ? 0 : inflate.waitNanos(now), bytes == null ? 0 : bytes.waitNanos(now));
    }

    /** Whether a reply larger than its request may be sent now (the reply bucket is not in debt). */
    boolean mayReply() {
        boolean ok = replies == null || replies.waitNanos(System.nanoTime()) == 0;
        if (ok) {
            refusing = false;
        }
        return ok;
    }

    /** Whether a refusal is the first since a reply was sent (it says why; the next ones may be bare). */
    boolean firstRefusal() {
        boolean first = !refusing;
        refusing = true;
        return first;
    }

    /**
     * Charges a reply, or its refusal, of {@code n} bytes; a client more than a second (the burst) in
     * debt is not read from until the bucket is full again, which bounds what its requests cost.
     */
    void replied(int n) {
        if (replies != null) {
            long wait = replies.take(n, System.nanoTime());
            if (wait > ONE_SECOND) {
                pauseFor(wait);
            }
        }
    }

    /** Whether replies are metered at all. */
    boolean metersReplies() {
        return replies != null;
    }

    private void pauseFor(long wait) {
        if (wait > 0 && !pause.has(ReadPause.RATE_LIMIT)) {
            pause.pause(ReadPause.RATE_LIMIT);
            loop.schedule(() -> pause.resume(ReadPause.RATE_LIMIT), wait, TimeUnit.NANOSECONDS);
        }
    }
}
