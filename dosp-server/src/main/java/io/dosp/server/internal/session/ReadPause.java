package io.dosp.server.internal.session;

import io.dosp.codec.DospCodec;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.MemoryBudget;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.HashSet;
import java.util.Set;

/**
 * Why a session is not read from: a small set of reasons ({@link #RATE_LIMIT}, {@link
 * #DESTINATION}, {@link #MEMORY}, {@link #INFLATE}) and the destinations that block it. Reading stops when the
 * first reason appears and resumes only when none is left, so a sender blocked by several slow
 * destinations (and perhaps its rate limit) resumes when the last of them clears.
 *
 * <p>Pausing stops reading from the socket and stops decoding what was already read: the frame
 * that made the destination cross its high water mark is the last one routed, and the rest of the
 * read waits in the decoder ({@code DospFrameDecoder.hold}; at most one read, Netty's
 * adaptive receive buffer of at most 64 KiB, plus a frame begun before it). On resume a task
 * decodes what waited before the next read. A destination is therefore held to its high water mark
 * plus one frame per sender, however many reads Netty's loop would still have made.
 *
 * <p>Threading: the reasons change on the session's event loop only; {@link #destinationDrained}
 * and {@link #budgetRelieved} may be called from any thread and move to that loop.
 */
final class ReadPause implements MemoryBudget.Waiter {

    /** A destination that may hold a sender back; told when the sender's connection closes. */
    interface Blocker {
        /** {@code sender} closed: it waits no more. Any thread. */
        void forget(ReadPause sender);
    }

    /** The packet or byte rate limit. */
    static final int RATE_LIMIT = 1;
    /** A destination over its high water mark. */
    static final int DESTINATION = 1 << 1;
    /** The server's memory budget. */
    static final int MEMORY = 1 << 2;
    /** Inflate work: the read batch's share is used up, or the inflate rate limit (see {@link InflateBudget}). */
    static final int INFLATE = 1 << 3;
    private static final int FLOW = DESTINATION | MEMORY;

    private final Channel channel;
    private final EventLoop loop;
    /** Decodes what waited, then reads again (one task object for every resume). */
    private final Runnable resumeTask = this::resumeReading;
    private DospFrameDecoder decoder;
    private boolean decoderLooked;
    private final Counters counters;
    private final MemoryBudget budget;
    private Set<Blocker> blockers;
    private int reasons;
    private boolean closed;

    ReadPause(Channel channel, Counters counters, MemoryBudget budget) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.counters = counters;
        this.budget = budget;
    }

    /** Whether any reason holds reading back. */
    boolean paused() {
        return reasons != 0;
    }

    /** Whether {@code reason} is one of them. */
    boolean has(int reason) {
        return (reasons & reason) != 0;
    }

    /** Adds {@code reason}. Event loop only. */
    void pause(int reason) {
        set(reasons | reason);
    }

    /** Removes {@code reason}; reading resumes if no other is left. Event loop only. */
    void resume(int reason) {
        set(reasons & ~reason);
    }

    /** {@code destination} is over its high water mark: pause until it drains. Event loop only. */
    void blockedBy(Blocker destination) {
        if (blockers == null) {
            blockers = new HashSet<>(4);
        }
        if (blockers.add(destination)) {
            set(reasons | DESTINATION);
        }
    }

    /** {@code destination} drained (or closed); reading resumes if nothing else holds it back. Any thread. */
    void destinationDrained(Blocker destination) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> destinationDrained(destination));
            return;
        }
        if (blockers != null && blockers.remove(destination) && blockers.isEmpty()) {
            set(reasons & ~DESTINATION);
        }
    }

    /** The memory budget is spent: pause until it is relieved. Event loop only. */
    void pauseForBudget() {
        if (!has(MEMORY)) {
            set(reasons | MEMORY);
            budget.await(this);
        }
    }

    @Override
    public void budgetRelieved() {
        if (loop.inEventLoop()) {
            resume(MEMORY);
        } else {
            loop.execute(() -> resume(MEMORY));
        }
    }

    /** The connection closed: no more changes; it leaves the waiter sets it is in. Event loop only. */
    void close() {
        if (closed) {
            return;
        }
        if ((reasons & FLOW) != 0) {
            counters.senderPaused(false);
        }
        closed = true;
        budget.forget(this);
        if (blockers != null) {
            blockers.forEach(d -> d.forget(this));
            blockers = null;
        }
    }

    /** The connection's frame decoder (null without a codec, e.g. in tests), looked up once. Event loop only. */
    private DospFrameDecoder decoder() {
        if (!decoderLooked) {
            decoderLooked = true;
            DospCodec codec = channel.pipeline().get(DospCodec.class);
            decoder = codec == null ? null : codec.decoder();
        }
        return decoder;
    }

    private void resumeReading() {
        if (closed || reasons != 0 || !channel.isActive()) {
            return;
        }
        DospFrameDecoder d = decoder();
        if (d != null && d.held()) {
            d.hold(false);
            d.resumeDecoding();
        }
        if (reasons == 0) { // what waited may have paused it again
            channel.config().setAutoRead(true);
        }
    }

    private void set(int next) {
        if (closed) {
            return;
        }
        int before = reasons;
        reasons = next;
        if ((before == 0) != (next == 0)) {
            if (next == 0 && channel.pipeline().get("idle") instanceof IdleStateHandler idle) {
                idle.resetReadTimeout(); // its packets were waiting unread, not missing
            }
            if (next != 0) {
                DospFrameDecoder d = decoder();
                if (d != null) {
                    d.hold(true); // the rest of this read waits undecoded: the sender routes nothing more
                }
                channel.config().setAutoRead(false);
            } else {
                // Decode what waited first, then read again, in a task of its own (not inside whatever resumed
                // us, e.g. another session's flush). Reading first would add a read to what waits each time.
                loop.execute(resumeTask);
            }
        }
        boolean wasFlow = (before & FLOW) != 0;
        boolean isFlow = (next & FLOW) != 0;
        if (wasFlow != isFlow) {
            counters.senderPaused(isFlow);
        }
    }
}
