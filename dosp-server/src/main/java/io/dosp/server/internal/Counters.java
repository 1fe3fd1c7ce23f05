package io.dosp.server.internal;

import io.dosp.server.DropReason;
import io.dosp.server.ExtensionStats;
import io.dosp.server.FlowStats;
import io.dosp.server.GuardStats;
import io.dosp.server.ServerStats;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide counters. Thread-safe: LongAdder because every event loop updates them; sessions
 * add their packet and byte counts once per read batch and once per flush, not per packet.
 */
public final class Counters {
    private final LongAdder accepted = new LongAdder();
    private final LongAdder packetsIn = new LongAdder();
    private final LongAdder packetsOut = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder fastPathS2c = new LongAdder();
    private final Map<DropReason, LongAdder> drops = new EnumMap<>(DropReason.class);
    private final AtomicLong sendersPaused = new AtomicLong();
    private final LongAdder pauses = new LongAdder();
    private final MemoryBudget budget;
    private final Instant startedAt = Instant.now();
    private final FrameMemory frameMemory;
    private final LongAdder authChecked = new LongAdder();
    private final LongAdder authThrottled = new LongAdder();
    private final LongAdder authBans = new LongAdder();
    private final LongAdder logLinesSuppressed = new LongAdder();
    private final LongAdder functionCallsAdmitted = new LongAdder();
    private final AtomicLong functionCallsInFlight = new AtomicLong();
    private final LongAdder inflatedBytes = new LongAdder();
    private final LongAdder inflateDeferrals = new LongAdder();
    private final LongAdder meteredReplies = new LongAdder();
    private final LongAdder meteredReplyBytes = new LongAdder();
    private final LongAdder peerGoneSent = new LongAdder();
    private final LongAdder peerGoneRefused = new LongAdder();

    /** Counters at zero, started now, with an unlimited memory budget. */
    public Counters() {
        this(MemoryBudget.unlimited());
    }

    /** Counters at zero, started now, reporting the use of {@code budget} (and no memory for unfinished frames). */
    public Counters(MemoryBudget budget) {
        this(budget, new FrameMemory(budget, 0));
    }

    /** Counters at zero, started now, reporting the use of {@code budget} and of {@code frameMemory}. */
    public Counters(MemoryBudget budget, FrameMemory frameMemory) {
        this.budget = budget;
        this.frameMemory = frameMemory;
        for (DropReason r : DropReason.values()) {
            drops.put(r, new LongAdder());
        }
    }

    /** A connection was accepted (admitted or refused). */
    public void accepted() {
        accepted.increment();
    }

    /** Adds packets and bytes that came in. */
    public void addIn(long packets, long bytes) {
        packetsIn.add(packets);
        bytesIn.add(bytes);
    }

    /** Adds S2C frames that the S2C fast path routed (they are in {@link #addIn} too). */
    public void addFastPathS2c(long frames) {
        fastPathS2c.add(frames);
    }

    /** S2C frames routed by the S2C fast path so far (a diagnostic: not part of {@code ServerStats}). */
    public long fastPathS2c() {
        return fastPathS2c.sum();
    }

    /** Adds packets and bytes that went out. */
    public void addOut(long packets, long bytes) {
        packetsOut.add(packets);
        bytesOut.add(bytes);
    }

    /** Counts one drop for {@code reason}. */
    public void drop(DropReason reason) {
        drops.get(reason).increment();
    }

    /** A sender was paused for flow control ({@code true}) or resumed. */
    public void senderPaused(boolean paused) {
        if (paused) {
            sendersPaused.incrementAndGet();
            pauses.increment();
        } else {
            sendersPaused.decrementAndGet();
        }
    }

    /** An AUTH token was compared ({@code true}) or an attempt refused unchecked. */
    public void authAttempt(boolean checked) {
        (checked ? authChecked : authThrottled).increment();
    }

    /** An address used up its AUTH failures and is refused AUTH for a while. */
    public void authBan() {
        authBans.increment();
    }

    /** A log line a peer caused was held back by its rate limit. */
    public void logLineSuppressed() {
        logLinesSuppressed.increment();
    }

    /** An FN call was admitted to the function threads (it is in flight until {@link #functionCallEnded()}). */
    public void functionCallAdmitted() {
        functionCallsAdmitted.increment();
        functionCallsInFlight.incrementAndGet();
    }

    /** An admitted FN call is over (its function returned, or it was dropped before it ran). */
    public void functionCallEnded() {
        functionCallsInFlight.decrementAndGet();
    }

    /** A compressed body inflated to {@code bytes} (also a refused one). */
    public void inflated(long bytes) {
        inflatedBytes.add(bytes);
    }

    /** A connection's inflation waited (next loop turn or rate limit). */
    public void inflateDeferred() {
        inflateDeferrals.increment();
    }

    /** A GCL or GSI reply of {@code bytes} (header included) was sent under the reply rate limit. */
    public void meteredReply(long bytes) {
        meteredReplies.increment();
        meteredReplyBytes.add(bytes);
    }

    /** Counts a PEER_GONE notice queued to a client ({@code delivered}) or refused by its queue. */
    public void peerGone(boolean delivered) {
        (delivered ? peerGoneSent : peerGoneRefused).increment();
    }

    /** Where the network directory's counters come from (set once the network is built). */
    private volatile java.util.function.Supplier<io.dosp.server.NetworkStats> network = () -> io.dosp.server.NetworkStats.NONE;

    /** Takes the network directory's counters from {@code source} in every snapshot. */
    public void network(java.util.function.Supplier<io.dosp.server.NetworkStats> source) {
        this.network = source;
    }

    /** The counters now, with {@code connected} connections open. */
    public ServerStats snapshot(int connected) {
        Map<DropReason, Long> d = new EnumMap<>(DropReason.class);
        drops.forEach((k, v) -> d.put(k, v.sum()));
        return new ServerStats(startedAt, connected, accepted.sum(), packetsIn.sum(), packetsOut.sum(), bytesIn.sum(),
                bytesOut.sum(), d, new FlowStats(sendersPaused.get(), pauses.sum(), budget.used(), budget.limit(), budget.peak()),
                new GuardStats(frameMemory.used(), frameMemory.peak(), frameMemory.limit(), authChecked.sum(),
                        authThrottled.sum(), authBans.sum(), logLinesSuppressed.sum(), functionCallsAdmitted.sum(),
                        functionCallsInFlight.get(), inflatedBytes.sum(), inflateDeferrals.sum(), meteredReplies.sum(),
                        meteredReplyBytes.sum()),
                new ExtensionStats(peerGoneSent.sum(), peerGoneRefused.sum()), network.get());
    }
}
