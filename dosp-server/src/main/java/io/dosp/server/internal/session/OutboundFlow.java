package io.dosp.server.internal.session;

import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.RouteResult;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flow control of one session as a destination: what it holds (queued bytes plus Netty's
 * outbound buffer), whether one more packet may be queued, the senders it pauses and resumes,
 * its share of the memory budget, and the slow-consumer check.
 *
 * <ul>
 *   <li>Admission ({@link #admit}, any thread): past {@code maxOutboundBytes} an S2C is refused
 *       (BACKPRESSURE) or the client is dropped (DROP). With BACKPRESSURE, past the high water
 *       mark the sender that delivers is paused and waits in this destination's waiter set.
 *       Over the memory budget, a sender feeding a client that holds {@value #HEAVY_BYTES} bytes or
 *       more (or its low water mark if smaller) is paused for the budget; over the hard limit every
 *       sender is, and an S2C that cannot pause its sender (peer links, hooks, functions) is refused.
 *       Server replies (non-S2C) are never refused: they are bounded by the client's own requests,
 *       which pause the client itself when it does not read its replies.</li>
 *   <li>Release ({@link #settle}, event loop): when what it holds falls under the low water mark,
 *       every waiter is resumed on its own event loop.</li>
 *   <li>Slow consumer: while Netty holds data for it, a check every quarter of the timeout (at most
 *       250 ms) looks for progress (a write completed, or the head write advanced). No progress for
 *       the whole {@code slowConsumerTimeout} drops the client; a slow client that keeps reading is
 *       never dropped by it.</li>
 * </ul>
 *
 * <p>Budget accounting is in steps of {@value #BUDGET_STEP} bytes per session, not per frame; the
 * budget's count lags what is held by less than one step per session with data pending.
 */
final class OutboundFlow implements ReadPause.Blocker {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundFlow.class);
    static final int BUDGET_STEP = 16 << 10;
    static final int HEAVY_BYTES = 16 << 10;
    private static final long MAX_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MIN_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<OutboundFlow, Set> WAITERS =
            AtomicReferenceFieldUpdater.newUpdater(OutboundFlow.class, Set.class, "waiters");

    /** What the queue and its flow control need from the session that owns them. */
    interface Owner {
        /** For log lines. */
        Vip vip();

        /** For log lines. */
        SocketAddress remoteAddress();

        /** Whether the session is already ending. */
        boolean isClosing();

        /** Ends the connection at once (no EXIT flush): it is a slow consumer, already counted (logged once it is gone). */
        void dropSlowConsumer(ServerExitReason reason);
    }

    private final Owner owner;
    private final Channel channel;
    private final EventLoop loop;
    private final SessionSettings settings;
    private final Counters counters;
    private final MemoryBudget budget;
    private final WriteTracker writes;
    private final boolean backpressure;
    private final long heavy;
    private final long checkNanos;
    /** Bytes handed to the queue but not yet in Netty's outbound buffer. */
    private final AtomicLong queued = new AtomicLong();
    /** This session's part of the budget's count. */
    private final AtomicLong budgeted = new AtomicLong();
    /** Set once, by whichever thread first decides to drop this client as a slow consumer. */
    private final AtomicBoolean dropped = new AtomicBoolean();
    private volatile String dropCause;
    /** Senders paused for this destination; created on first use. */
    private volatile Set<ReadPause> waiters;
    // The slow-consumer check; event loop only.
    private ScheduledFuture<?> check;
    private long lastProgressNanos;
    private Object lastHead;
    private long lastHeadProgress;
    private long lastCompleted;

    OutboundFlow(Owner owner, Channel channel, SessionSettings settings, Counters counters,
            MemoryBudget budget, WriteTracker writes) {
        this.owner = owner;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.settings = settings;
        this.counters = counters;
        this.budget = budget;
        this.writes = writes;
        this.backpressure = settings.slowConsumerPolicy() == SlowConsumerPolicy.BACKPRESSURE;
        this.heavy = Math.min(HEAVY_BYTES, settings.outboundLowWaterMark());
        long quarter = settings.slowConsumerTimeout().toNanos() / 4;
        this.checkNanos = Math.max(MIN_CHECK_NANOS, Math.min(MAX_CHECK_NANOS, quarter));
    }

    /** Whether the client is being dropped as a slow consumer. */
    boolean dropped() {
        return dropped.get();
    }

    /** {@code bytes} left the queue (into Netty's buffer, or discarded). Any thread. */
    void unqueue(long bytes) {
        queued.addAndGet(-bytes);
    }

    /**
     * Counts {@code size} more bytes as queued if they may be, and pauses {@code sender} (null:
     * nobody can be paused) if this destination or the budget asks for it. Any thread; a sender
     * is always paused on its own event loop, which is where it delivers from.
     *
     * @return {@link RouteResult#DELIVERED} (counted: the caller queues it), or why not (nothing counted)
     */
    RouteResult admit(int size, boolean s2c, ReadPause sender) {
        if (dropped.get()) {
            return RouteResult.OVERLOADED; // being dropped: its close may not have run on its event loop yet
        }
        // The budget share is read before what is held: if this target's loop settles in between, the
        // compare-and-set below fails instead of booking a reading that the settle has made stale
        // (with senders on other loops that over-counted by up to what the flush had just drained).
        long b = budgeted.get();
        long held = queued.addAndGet(size) + inNetty();
        if (held > settings.maxOutboundBytes() && (s2c || !backpressure)) {
            queued.addAndGet(-size);
            if (!backpressure) {
                drop(DropReason.OUTBOUND_LIMIT, ServerExitReason.OUTBOUND_LIMIT,
                        "more than " + settings.maxOutboundBytes() + " bytes pending");
            }
            return RouteResult.OVERLOADED;
        }
        boolean overHard = budget.overHardLimit();
        if (overHard && s2c && sender == null) {
            queued.addAndGet(-size);
            return RouteResult.OVER_BUDGET;
        }
        if (held - b >= BUDGET_STEP && budgeted.compareAndSet(b, held)) {
            budget.add(held - b);
        }
        if (sender != null) {
            if (backpressure && held > settings.outboundHighWaterMark()) {
                block(sender);
            }
            if (overHard || (held >= heavy && budget.overLimit())) {
                sender.pauseForBudget();
            }
        }
        return RouteResult.DELIVERED;
    }

    private void block(ReadPause sender) {
        Set<ReadPause> w = waiters();
        w.add(sender);
        sender.blockedBy(this);
        // The release runs on this destination's loop and may have missed the registration above:
        // if it has drained already, nobody else will resume the sender.
        if (held() < settings.outboundLowWaterMark() && w.remove(sender)) {
            sender.destinationDrained(this);
        }
    }

    @SuppressWarnings("unchecked")
    private Set<ReadPause> waiters() {
        Set<ReadPause> w = waiters;
        if (w == null) {
            w = ConcurrentHashMap.newKeySet();
            if (!WAITERS.compareAndSet(this, null, w)) {
                w = waiters;
            }
        }
        return w;
    }

    @Override
    public void forget(ReadPause sender) {
        Set<ReadPause> w = waiters;
        if (w != null) {
            w.remove(sender);
        }
    }

    /**
     * Brings this session's part of the budget up to date and resumes its waiters if it has
     * drained under the low water mark. Event loop only (also any time it is cheap to call).
     */
    void settle() {
        long b = budgeted.get(); // first, as in admit
        long held = held();
        if ((held == 0 ? b != 0 : Math.abs(held - b) >= BUDGET_STEP) && budgeted.compareAndSet(b, held)) {
            budget.add(held - b);
        }
        if (held < settings.outboundLowWaterMark()) {
            release();
        }
    }

    private void release() {
        Set<ReadPause> w = waiters;
        if (w == null || w.isEmpty()) {
            return;
        }
        for (Iterator<ReadPause> it = w.iterator(); it.hasNext();) {
            ReadPause s = it.next();
            it.remove();
            s.destinationDrained(this);
        }
    }

    /** After a flush: settles, and starts the slow-consumer check if Netty still holds data. Event loop only. */
    void afterFlush() {
        settle();
        startCheck();
    }

    /** The channel turned writable (progress: resumes waiters if drained) or unwritable. Event loop only. */
    void onWritabilityChanged(boolean writable) {
        if (writable) {
            lastProgressNanos = System.nanoTime();
            settle();
        } else {
            startCheck();
        }
    }

    private void startCheck() {
        if (check != null || owner.isClosing() || inNetty() == 0) {
            return;
        }
        lastProgressNanos = System.nanoTime();
        progressed();
        check = loop.schedule(this::check, checkNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        check = null;
        if (owner.isClosing() || !channel.isActive()) {
            return;
        }
        settle();
        long pending = inNetty();
        if (pending == 0) {
            return;
        }
        long now = System.nanoTime();
        if (progressed()) {
            lastProgressNanos = now;
        } else if (now - lastProgressNanos >= settings.slowConsumerTimeout().toNanos()) {
            drop(DropReason.SLOW_CONSUMER_TIMEOUT, ServerExitReason.SLOW_CONSUMER,
                    "no progress for " + settings.slowConsumerTimeout() + " with " + pending + " bytes pending");
            return;
        }
        channel.flush(); // retries a flush an allocation failure may have cut short; a no-op otherwise
        check = loop.schedule(this::check, checkNanos, TimeUnit.NANOSECONDS);
    }

    /** Whether a write completed or the head write advanced since the last look (and remembers this look). */
    private boolean progressed() {
        ChannelOutboundBuffer ob = channel.unsafe().outboundBuffer();
        Object head = ob == null ? null : ob.current();
        long headProgress = ob == null ? 0 : ob.currentProgress();
        long completed = writes.completed();
        boolean moved = head != lastHead || headProgress != lastHeadProgress || completed != lastCompleted;
        lastHead = head;
        lastHeadProgress = headProgress;
        lastCompleted = completed;
        return moved;
    }

    /** Drops the client as a slow consumer, once: counted here, logged when the connection is gone. Any thread. */
    void drop(DropReason reason, ServerExitReason exit, String cause) {
        if (dropped.compareAndSet(false, true)) {
            dropCause = cause;
            counters.drop(reason);
            owner.dropSlowConsumer(exit);
        }
    }

    /** The connection is gone and its queue freed: its waiters resume, its part of the budget returns. Event loop only. */
    void onInactive() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        Set<ReadPause> w = waiters;
        if (w != null) {
            w.forEach(s -> s.destinationDrained(this));
            w.clear();
        }
        settle();
        if (dropped.get()) {
            LOG.warn("Dropped slow consumer {} ({}): {}; {} queued S2C answered with ERR S2CF", owner.vip(),
                    owner.remoteAddress(), dropCause, writes.answered());
        }
    }

    /** What this client holds: queued bytes plus Netty's outbound buffer. Any thread. */
    long held() {
        return queued.get() + inNetty();
    }

    private long inNetty() {
        ChannelOutboundBuffer ob = channel.unsafe().outboundBuffer();
        return ob == null ? 0 : ob.totalPendingWriteBytes();
    }
}
