package io.dosp.server.internal.session;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.RouteResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's outbound side: queueing packets to its connection from any thread, batching
 * them into one buffer per flush, and the outbound counters. Whether a packet may be queued, the
 * senders it pauses and the slow-consumer check are its {@link OutboundFlow}; the S2C it accepted
 * but could not write are answered through its {@link WriteTracker}. An allocation failure while
 * queueing or encoding is caught here: the S2C is answered with ERR S2CF and counted, and the task
 * carries on.
 *
 * <p>Threading: {@link #deliver} may be called from any thread. On the channel's event loop the
 * packet is written at once; from another thread it waits in an MPSC inbox drained by one task
 * on the event loop. Everything else runs on the event loop. Owned by one {@link ClientSession}.
 */
final class OutboundQueue {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundQueue.class);
    private static final LogLimiter OOM_LOG = new LogLimiter(1, TimeUnit.SECONDS);
    private static final int BATCH_INITIAL_BYTES = 1024;
    private static final int INBOX_CHUNK = 64;
    private static final int INBOX_MAX_CAPACITY = 1 << 30;
    private static final AtomicReferenceFieldUpdater<OutboundQueue, Queue> INBOX =
            AtomicReferenceFieldUpdater.newUpdater(OutboundQueue.class, Queue.class, "inbox");
    /** A batch this large is handed to Netty at once, so one buffer never grows past ~64 KiB. */
    private static final int BATCH_MAX_BYTES = 64 << 10;

    private final OutboundFlow.Owner owner;
    private final Channel channel;
    private final EventLoop loop;
    private final SessionSettings settings;
    private final Counters counters;
    private final WriteTracker writes;
    private final OutboundFlow flow;
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

    OutboundQueue(OutboundFlow.Owner owner, Channel channel, SessionSettings settings, Counters counters, MemoryBudget budget,
            UndeliveredS2c undelivered) {
        this.owner = owner;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.settings = settings;
        this.counters = counters;
        this.coalesce = !settings.compression();
        this.writes = new WriteTracker(channel, counters, undelivered);
        this.flow = new OutboundFlow(owner, channel, settings, counters, budget, writes);
    }

    /** This session's flow control as a destination. */
    OutboundFlow flow() {
        return flow;
    }

    long packetsOut() {
        return packetsOut.get();
    }

    long bytesOut() {
        return bytesOut.get();
    }

    /**
     * Queues {@code packet} if {@link OutboundFlow#admit} lets it, pausing {@code sender} (null:
     * nobody to pause) when this client or the memory budget asks for it; never blocks. The owner
     * has checked that it is not closing.
     */
    RouteResult deliver(Packet packet, ReadPause sender) {
        if (!channel.isActive()) {
            return RouteResult.NO_ROUTE;
        }
        int size = PacketCodec.HEADER_BYTES + packet.bodyLength();
        RouteResult admitted = flow.admit(size, packet instanceof S2cPacket, sender);
        if (admitted != RouteResult.DELIVERED) {
            return admitted;
        }
        boolean offered = false;
        try {
            if (loop.inEventLoop()) {
                return writeNow(packet, size) ? RouteResult.DELIVERED : outOfMemory(packet);
            }
            offered = inbox().offer(packet);
            if (!offered) {
                loop.execute(() -> writeOrAnswer(packet, size)); // inbox at its (huge) capacity: still never lose it
            } else if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
                loop.execute(drainTask);
            }
            return RouteResult.DELIVERED;
        } catch (OutOfMemoryError e) {
            logOutOfMemory(e);
            if (offered) {
                drainScheduled.set(false); // it is queued: the next delivery's drain task takes it
                return RouteResult.DELIVERED;
            }
            flow.unqueue(size);
            return outOfMemory(packet);
        }
    }

    /**
     * Whether S2C frames can be appended as bytes ({@link #deliverS2cFrame}) by a sender on
     * {@code senderLoop}: this loop, no compression. Event loop only.
     */
    boolean takesFramesFrom(EventLoop senderLoop) {
        return coalesce && senderLoop == loop && channel.isActive();
    }

    /**
     * The S2C fast path's delivery: copies the S2C frame whose body ({@code length} bytes, at least
     * DST and SRC) starts at {@code in.getByte(bodyIndex)} into the batch, with SRC rewritten to
     * {@code src}, after the same {@link OutboundFlow#admit} as {@link #deliver}; no packet object.
     * Only when {@link #takesFramesFrom} the sender's loop; on this event loop.
     */
    RouteResult deliverS2cFrame(ByteBuf in, int bodyIndex, int length, int src, ReadPause sender) {
        int size = PacketCodec.HEADER_BYTES + length;
        RouteResult admitted = flow.admit(size, true, sender);
        if (admitted != RouteResult.DELIVERED) {
            return admitted;
        }
        try {
            if (outBatch == null) {
                outBatch = channel.alloc().ioBuffer(Math.max(BATCH_INITIAL_BYTES, size));
            }
            ByteBuf b = outBatch;
            b.ensureWritable(size);
            int w = b.writerIndex();
            // The same bytes PacketCodec.writeFrame writes for an S2cPacket (S2cFastPathTest compares them).
            b.setByte(w, PacketType.S2C.code());
            b.setInt(w + 1, length);
            b.setBytes(w + PacketCodec.HEADER_BYTES, in, bodyIndex, length);
            b.setInt(w + PacketCodec.HEADER_BYTES + Vip.BYTES, src);
            b.writerIndex(w + size);
            if (b.readableBytes() >= BATCH_MAX_BYTES) {
                writeBatch();
            }
        } catch (OutOfMemoryError e) {
            logOutOfMemory(e);
            flow.unqueue(size);
            return RouteResult.NO_MEMORY;
        }
        written(size);
        return RouteResult.DELIVERED;
    }

    /** A packet not queued for lack of memory: the caller answers an S2C; anything else is only counted here. */
    private RouteResult outOfMemory(Packet packet) {
        if (!(packet instanceof S2cPacket)) {
            counters.drop(DropReason.OUT_OF_MEMORY);
        }
        return RouteResult.NO_MEMORY;
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
            writeOrAnswer(p, PacketCodec.HEADER_BYTES + p.bodyLength());
        }
        flow.settle(); // a closed channel has no flush to do it
    }

    private void writeOrAnswer(Packet packet, int size) {
        if (!writeNow(packet, size)) {
            writes.unwritten(packet, DropReason.OUT_OF_MEMORY);
            if (!(packet instanceof S2cPacket)) {
                counters.drop(DropReason.OUT_OF_MEMORY);
            }
        }
    }

    /** Encodes or writes {@code packet}; false (nothing kept, nothing counted as queued) when memory ran out. */
    private boolean writeNow(Packet packet, int size) {
        if (!channel.isActive()) {
            flow.unqueue(size);
            writes.unwritten(packet, DropReason.QUEUED_AT_CLOSE);
            return true;
        }
        try {
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
                ChannelPromise promise = packet instanceof S2cPacket s ? writes.packet(s) : channel.voidPromise();
                channel.write(packet, promise); // before unqueue: see writeBatch
                flow.unqueue(size);
            }
        } catch (OutOfMemoryError e) {
            logOutOfMemory(e);
            flow.unqueue(size);
            return false;
        }
        written(size);
        return true;
    }

    /** Counts a frame handed to the batch or the channel and makes sure a flush follows. */
    private void written(int size) {
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
        try {
            writeBatch();
            publishOut();
            channel.flush();
        } catch (OutOfMemoryError e) {
            logOutOfMemory(e); // what is in Netty's buffer stays there; the slow-consumer check flushes again
        }
        flow.afterFlush();
    }

    /**
     * Hands the frames encoded so far to Netty (not yet flushed), with a promise that answers its
     * S2C if the write fails. Event loop only.
     */
    void writeBatch() {
        ByteBuf b = outBatch;
        if (b == null) {
            return;
        }
        outBatch = null;
        int size = b.readableBytes();
        if (!channel.isActive()) {
            flow.unqueue(size);
            writes.unwritten(b, DropReason.QUEUED_AT_CLOSE);
            b.release();
            return;
        }
        ChannelPromise promise;
        try {
            promise = writes.batch(b);
        } catch (OutOfMemoryError e) {
            logOutOfMemory(e);
            flow.unqueue(size);
            writes.unwritten(b, DropReason.OUT_OF_MEMORY); // untracked, a failure could not be answered: answer now
            b.release();
            return;
        }
        // Written before it leaves the queued count: senders on other loops read queued + Netty's pending
        // bytes, and in the other order they would see the batch nowhere for a moment and route on.
        channel.write(b, promise);
        flow.unqueue(size);
    }

    private void logOutOfMemory(OutOfMemoryError e) {
        if (OOM_LOG.allow()) {
            LOG.error("Out of memory queueing to {} ({}); the S2C affected are answered with ERR S2CF ({} more like this"
                    + " since the last line): {}", owner.vip(), owner.remoteAddress(), OOM_LOG.heldBack(), e.toString());
        }
    }

    private void publishOut() {
        if (unpublishedPacketsOut != 0) {
            counters.addOut(unpublishedPacketsOut, unpublishedBytesOut);
            unpublishedPacketsOut = 0;
            unpublishedBytesOut = 0;
        }
    }

    /** The channel turned writable or unwritable. Event loop only. */
    void onWritabilityChanged(boolean writable) {
        flow.onWritabilityChanged(writable);
    }

    /**
     * The connection is gone: publishes the counters, answers and frees frames that were never
     * written, resumes the senders waiting for it. Event loop only.
     */
    void onInactive() {
        publishOut();
        ByteBuf b = outBatch;
        outBatch = null;
        if (b != null) {
            flow.unqueue(b.readableBytes());
            writes.unwritten(b, DropReason.QUEUED_AT_CLOSE);
            b.release();
        }
        flow.onInactive();
    }
}
