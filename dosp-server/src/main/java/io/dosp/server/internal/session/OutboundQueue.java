package io.dosp.server.internal.session;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.RouteResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import java.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's outbound side: queueing packets to its connection from any thread, batching
 * them into one buffer per flush, the outbound counters, and slow-consumer handling (the hard
 * outbound limit and the unwritable timeout).
 *
 * <p>Threading: {@link #deliver} may be called from any thread. On the channel's event loop the
 * packet is written at once; from another thread it waits in an MPSC inbox drained by one task
 * on the event loop. Everything else runs on the event loop. Owned by one {@link ClientSession}.
 */
final class OutboundQueue {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundQueue.class);
    private static final int BATCH_INITIAL_BYTES = 1024;
    private static final int INBOX_CHUNK = 64;
    private static final int INBOX_MAX_CAPACITY = 1 << 30;
    private static final AtomicReferenceFieldUpdater<OutboundQueue, Queue> INBOX =
            AtomicReferenceFieldUpdater.newUpdater(OutboundQueue.class, Queue.class, "inbox");
    /** A batch this large is handed to Netty at once, so one buffer never grows past ~64 KiB. */
    private static final int BATCH_MAX_BYTES = 64 << 10;

    /** What the queue needs from the session that owns it. */
    interface Owner {
        /** For log lines. */
        Vip vip();

        /** For log lines. */
        SocketAddress remoteAddress();

        /** Whether the session is already ending. */
        boolean isClosing();

        /** Ends the connection at once (no EXIT flush): it is a slow consumer, already counted and logged. */
        void dropSlowConsumer(ServerExitReason reason);
    }

    private final Owner owner;
    private final Channel channel;
    private final EventLoop loop;
    private final SessionSettings settings;
    private final Counters counters;
    // Written only on the event loop (lazySet: no fence per packet), read from anywhere.
    private final AtomicLong packetsOut = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    /**
     * Counts not yet added to the server-wide counters; event loop only. They are added once per
     * flush: a LongAdder update per packet, shared by every event loop, cost ~17% of the server's
     * CPU when routing small S2C frames.
     */
    private long unpublishedPacketsOut;
    private long unpublishedBytesOut;
    /** Bytes handed to {@link #deliver} but not yet in Netty's outbound buffer. */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Set once, by whichever thread first decides to drop this client as a slow consumer. */
    private final AtomicBoolean slowConsumerDropped = new AtomicBoolean();
    private volatile Queue<Packet> inbox;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainInbox;
    private boolean flushPending;
    /**
     * Without compression, outgoing frames are encoded straight into one buffer per flush instead
     * of one pooled buffer per packet (which cost a pooled allocation, release and outbound-buffer
     * entry per frame). With compression, packets go through the codec's encoder.
     */
    private final boolean coalesce;
    /** Frames encoded since the last write to the channel; event loop only. */
    private ByteBuf outBatch;
    private final Runnable flushTask = this::flushNow;
    private ScheduledFuture<?> slowConsumerTimer;

    OutboundQueue(Owner owner, Channel channel, SessionSettings settings, Counters counters) {
        this.owner = owner;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.settings = settings;
        this.counters = counters;
        this.coalesce = !settings.compression();
    }

    long packetsOut() {
        return packetsOut.get();
    }

    long bytesOut() {
        return bytesOut.get();
    }

    /**
     * Queues {@code packet}; never blocks; a client past its hard outbound limit is dropped instead.
     * The owner has checked that it is not closing.
     */
    RouteResult deliver(Packet packet) {
        if (!channel.isActive()) {
            return RouteResult.NO_ROUTE;
        }
        if (slowConsumerDropped.get()) {
            return RouteResult.OVERLOADED; // being dropped: its close may not have run on its event loop yet
        }
        int size = PacketCodec.HEADER_BYTES + packet.bodyLength();
        long queued = queuedBytes.addAndGet(size);
        long inNetty = channel.isWritable() ? 0 : channel.bytesBeforeWritable() + settings.outboundLowWaterMark();
        if (queued + inNetty > settings.maxOutboundBytes()) {
            queuedBytes.addAndGet(-size);
            if (slowConsumerDropped.compareAndSet(false, true)) {
                counters.drop(DropReason.OUTBOUND_LIMIT);
                LOG.warn("Dropping slow consumer {} ({}): more than {} bytes pending", owner.vip(),
                        owner.remoteAddress(), settings.maxOutboundBytes());
                owner.dropSlowConsumer(ServerExitReason.OUTBOUND_LIMIT);
            }
            return RouteResult.OVERLOADED;
        }
        if (loop.inEventLoop()) {
            writeNow(packet, size);
        } else if (inbox().offer(packet)) {
            if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
                loop.execute(drainTask);
            }
        } else {
            loop.execute(() -> writeNow(packet, size)); // inbox at its (huge) capacity: still never lose it
        }
        return RouteResult.DELIVERED;
    }

    /**
     * Packets from other threads wait in an MPSC queue that one task drains, instead of one task
     * per packet: routing between clients on different event loops then costs a queue offer,
     * not a task allocation, a task-queue offer and possibly a wake-up. Created on first use, so
     * clients that never receive from another loop pay nothing.
     */
    private Queue<Packet> inbox() {
        Queue<Packet> q = inbox;
        if (q == null) {
            q = PlatformDependent.newMpscQueue(INBOX_CHUNK, INBOX_MAX_CAPACITY);
            if (!INBOX.compareAndSet(this, null, q)) {
                q = inbox;
            }
        }
        return q;
    }

    private void drainInbox() {
        drainScheduled.set(false);
        Queue<Packet> q = inbox;
        Packet p;
        while ((p = q.poll()) != null) {
            writeNow(p, PacketCodec.HEADER_BYTES + p.bodyLength());
        }
    }

    private void writeNow(Packet packet, int size) {
        if (!channel.isActive()) {
            queuedBytes.addAndGet(-size);
            return;
        }
        if (coalesce && packet.bodyLength() <= settings.maxFrameSize()) {
            if (outBatch == null) {
                outBatch = channel.alloc().ioBuffer(Math.max(BATCH_INITIAL_BYTES, size));
            }
            ByteBuf b = outBatch;
            b.ensureWritable(size);
            PacketCodec.writeFrame(packet, b.internalNioBuffer(b.writerIndex(), size));
            b.writerIndex(b.writerIndex() + size);
            if (b.readableBytes() >= BATCH_MAX_BYTES) {
                writeBatch();
            }
        } else {
            writeBatch(); // keeps the order of frames
            queuedBytes.addAndGet(-size);
            channel.write(packet, channel.voidPromise());
        }
        packetsOut.lazySet(packetsOut.get() + 1);
        bytesOut.lazySet(bytesOut.get() + size);
        unpublishedPacketsOut++;
        unpublishedBytesOut += size;
        if (!flushPending) {
            // One flush per batch: it runs after the reads and writes already queued on this loop.
            flushPending = true;
            loop.execute(flushTask);
        }
    }

    private void flushNow() {
        flushPending = false;
        writeBatch();
        publishOut();
        channel.flush();
    }

    /** Hands the frames encoded so far to Netty (not yet flushed). Event loop only. */
    void writeBatch() {
        ByteBuf b = outBatch;
        if (b == null) {
            return;
        }
        outBatch = null;
        queuedBytes.addAndGet(-b.readableBytes());
        if (channel.isActive()) {
            channel.write(b, channel.voidPromise());
        } else {
            b.release();
        }
    }

    private void publishOut() {
        if (unpublishedPacketsOut != 0) {
            counters.addOut(unpublishedPacketsOut, unpublishedBytesOut);
            unpublishedPacketsOut = 0;
            unpublishedBytesOut = 0;
        }
    }

    /** Starts or stops the slow-consumer timer as the channel turns unwritable or writable. Event loop only. */
    void onWritabilityChanged(boolean writable) {
        if (writable) {
            if (slowConsumerTimer != null) {
                slowConsumerTimer.cancel(false);
                slowConsumerTimer = null;
            }
        } else if (slowConsumerTimer == null) {
            slowConsumerTimer = loop.schedule(() -> {
                slowConsumerTimer = null;
                if (!channel.isWritable() && !owner.isClosing() && slowConsumerDropped.compareAndSet(false, true)) {
                    counters.drop(DropReason.SLOW_CONSUMER_TIMEOUT);
                    LOG.warn("Dropping slow consumer {} ({}): unwritable for {}", owner.vip(), owner.remoteAddress(),
                            settings.slowConsumerTimeout());
                    owner.dropSlowConsumer(ServerExitReason.SLOW_CONSUMER);
                }
            }, settings.slowConsumerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The connection is gone: publishes the counters and frees frames that were never written. Event loop only. */
    void onInactive() {
        publishOut();
        ByteBuf b = outBatch;
        outBatch = null;
        if (b != null) {
            b.release();
        }
    }
}
