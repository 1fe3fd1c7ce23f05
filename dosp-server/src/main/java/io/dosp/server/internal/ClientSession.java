package io.dosp.server.internal;

import io.dosp.codec.InvalidFrame;
import io.dosp.protocol.ExitReason;
import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ProtocolException;
import io.dosp.protocol.Vip;
import io.dosp.server.ClientStats;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DropReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.internal.PlatformDependent;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its vIP, flags, counters and outbound queueing. Packets are handled by
 * {@link PacketDispatcher}; this class owns the connection's lifecycle.
 *
 * <p>Threading: inbound handling runs on the channel's event loop. {@link #deliver} may be called
 * from any thread: from another thread the packet waits in an MPSC inbox drained by one task on
 * the event loop; frames are encoded into one buffer and flushed once per batch of writes.
 */
public final class ClientSession implements ConnectedClient {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
    private static final long EXIT_GRACE_MILLIS = 2_000;
    private static final int BATCH_INITIAL_BYTES = 1024;
    private static final int INBOX_CHUNK = 64;
    private static final int INBOX_MAX_CAPACITY = 1 << 30;
    private static final AtomicReferenceFieldUpdater<ClientSession, Queue> INBOX =
            AtomicReferenceFieldUpdater.newUpdater(ClientSession.class, Queue.class, "inbox");
    /** A batch this large is handed to Netty at once, so one buffer never grows past ~64 KiB. */
    private static final int BATCH_MAX_BYTES = 64 << 10;

    final ServerCore core;
    final Channel channel;
    private final EventLoop loop;
    private final Instant connectedSince = Instant.now();
    private final SocketAddress remote;
    private volatile Vip vip;
    private volatile boolean admin;
    private volatile String machineHash;
    private volatile boolean closing;
    private volatile Disconnect disconnect;
    int authFailures;
    private volatile String peerAddress;
    private volatile boolean peerAuthenticated;
    private volatile Object linkState;

    // Written only on the event loop (lazySet: no fence per packet), read from anywhere.
    private final AtomicLong packetsIn = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong packetsOut = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    /**
     * Counts not yet added to the server-wide counters; event loop only. They are added once per
     * read batch and once per flush: a LongAdder update per packet, shared by every event loop,
     * cost ~17% of the server's CPU when routing small S2C frames.
     */
    private long unpublishedPacketsIn;
    private long unpublishedBytesIn;
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
    private TokenBucket packetBucket;
    private TokenBucket byteBucket;
    private final PacketDispatcher dispatcher;

    ClientSession(ServerCore core, Channel channel, Vip vip) {
        this.core = core;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.remote = channel.remoteAddress();
        this.vip = vip;
        long now = System.nanoTime();
        if (core.config.limits().packetRateLimit() > 0) {
            packetBucket = new TokenBucket(core.config.limits().packetRateLimit(), now);
        }
        if (core.config.limits().byteRateLimit() > 0) {
            byteBucket = new TokenBucket(core.config.limits().byteRateLimit(), now);
        }
        this.dispatcher = new PacketDispatcher(core, this);
        this.coalesce = !core.config.compression();
    }

    @Override
    public Vip vip() {
        return vip;
    }

    void vip(Vip newVip) {
        vip = newVip;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public Instant connectedSince() {
        return connectedSince;
    }

    @Override
    public boolean isAdmin() {
        return admin;
    }

    void admin(boolean on) {
        admin = on;
    }

    @Override
    public Optional<String> machineHash() {
        return Optional.ofNullable(machineHash);
    }

    void machineHash(String hash) {
        machineHash = hash;
    }

    @Override
    public boolean compression() {
        return core.config.compression();
    }

    @Override
    public ClientStats stats() {
        return new ClientStats(packetsIn.get(), packetsOut.get(), bytesIn.get(), bytesOut.get(), connectedSince);
    }

    @Override
    public boolean send(Packet packet) {
        if (packet.bodyLength() > core.config.limits().maxFrameSize()) {
            throw new IllegalArgumentException(new FrameTooLargeException(packet.typeCode(), packet.bodyLength(),
                    core.config.limits().maxFrameSize()).getMessage() + " (client " + vip + ")");
        }
        return deliver(packet) == RouteResult.DELIVERED;
    }

    @Override
    public void disconnect(String reason) {
        close(reason, Disconnect.Initiator.SERVER, true);
    }

    /** The peer server this session is a link from ({@code ip:port}), or null for a client. */
    public String peerAddress() {
        return peerAddress;
    }

    /** Whether it is an authenticated peer link of this project (mesh key proven). */
    public boolean peerAuthenticated() {
        return peerAuthenticated;
    }

    /** Marks this session as a peer server's link. */
    public void markPeer(String address, boolean authenticated) {
        peerAddress = address;
        peerAuthenticated = authenticated;
    }

    /** Link handshake state kept between its frames (federation only). */
    public Object linkState() {
        return linkState;
    }

    /** Sets the link handshake state. */
    public void linkState(Object state) {
        linkState = state;
    }

    boolean isClosing() {
        return closing;
    }

    Disconnect disconnectInfo() {
        Disconnect d = disconnect;
        return d != null ? d : new Disconnect(Disconnect.Initiator.NETWORK, null, "connection lost");
    }

    // ---- inbound (event loop) ----

    void onMessage(Object msg) {
        if (closing) {
            return;
        }
        if (msg instanceof InvalidFrame f) {
            onInvalidFrame(f);
            return;
        }
        Packet p = (Packet) msg;
        int size = PacketCodec.HEADER_BYTES + p.bodyLength();
        bytesIn.lazySet(bytesIn.get() + size);
        unpublishedBytesIn += size;
        throttle(p, size);
        if (p instanceof MpakPacket m) {
            // Sub-packets and bad sub-frames are answered in wire order, each as if it had arrived alone (spec 7).
            m.forEachInOrder(sub -> {
                if (closing) {
                    // An EXIT, kick or ban earlier in this MPAK ended the connection: nothing after it is handled.
                    return false;
                }
                countIn();
                dispatcher.dispatch(sub);
                return true;
            }, e -> {
                core.counters.drop(DropReason.MALFORMED_FRAME);
                deliver(Packets.err(e.errCode(), e.getMessage()));
            });
        } else {
            countIn();
            dispatcher.dispatch(p);
        }
    }

    private void countIn() {
        packetsIn.lazySet(packetsIn.get() + 1);
        unpublishedPacketsIn++;
    }

    /** End of a read batch: adds what came in to the server-wide counters. Event loop only. */
    void onReadComplete() {
        if (unpublishedPacketsIn != 0 || unpublishedBytesIn != 0) {
            core.counters.packetsIn.add(unpublishedPacketsIn);
            core.counters.bytesIn.add(unpublishedBytesIn);
            unpublishedPacketsIn = 0;
            unpublishedBytesIn = 0;
        }
    }

    private void publishOut() {
        if (unpublishedPacketsOut != 0) {
            core.counters.packetsOut.add(unpublishedPacketsOut);
            core.counters.bytesOut.add(unpublishedBytesOut);
            unpublishedPacketsOut = 0;
            unpublishedBytesOut = 0;
        }
    }

    private void onInvalidFrame(InvalidFrame f) {
        if (f.fatal()) {
            core.counters.drop(DropReason.FRAME_TOO_LARGE);
            LOG.warn("Closing {} ({}): {}", vip, remote, f.error().getMessage());
            close(FrameTooLargeException.EXIT_REASON, Disconnect.Initiator.SERVER, true);
            return;
        }
        core.counters.drop(DropReason.MALFORMED_FRAME);
        LOG.debug("Malformed frame from {}: {}", vip, f.error().getMessage());
        deliver(Packets.err(f.error().errCode(), f.error().getMessage()));
    }

    /** Rate limits slow the client down by not reading from it, so nothing it sent is lost. */
    private void throttle(Packet p, int size) {
        if (packetBucket == null && byteBucket == null) {
            return;
        }
        long now = System.nanoTime();
        long wait = 0;
        if (packetBucket != null) {
            wait = packetBucket.take(p instanceof MpakPacket m ? Math.max(1, m.packets().size()) : 1, now);
        }
        if (byteBucket != null) {
            wait = Math.max(wait, byteBucket.take(size, now));
        }
        if (wait > 0 && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
            loop.schedule(this::resumeReading, wait, TimeUnit.NANOSECONDS);
        }
    }

    /** Ends a rate-limit pause. The idle clock restarts: the client's packets were waiting unread, not missing. */
    private void resumeReading() {
        if (channel.pipeline().get("idle") instanceof IdleStateHandler idle) {
            idle.resetReadTimeout();
        }
        channel.config().setAutoRead(true);
    }

    void onIdle() {
        if (!channel.config().isAutoRead()) {
            return; // paused by the rate limit: we are not reading from it, so it is not idle
        }
        core.counters.drop(DropReason.IDLE_TIMEOUT);
        LOG.info("Closing idle client {} ({})", vip, remote);
        close("Idle timeout", Disconnect.Initiator.SERVER, true);
    }

    void onClientExit(ExitReason reason) {
        disconnect = new Disconnect(Disconnect.Initiator.CLIENT, reason.code(), reason.reason());
        closing = true;
        channel.close();
    }

    void onWritabilityChanged(boolean writable) {
        if (writable) {
            if (slowConsumerTimer != null) {
                slowConsumerTimer.cancel(false);
                slowConsumerTimer = null;
            }
        } else if (slowConsumerTimer == null) {
            slowConsumerTimer = loop.schedule(() -> {
                slowConsumerTimer = null;
                if (!channel.isWritable() && !closing && slowConsumerDropped.compareAndSet(false, true)) {
                    core.counters.drop(DropReason.SLOW_CONSUMER_TIMEOUT);
                    LOG.warn("Dropping slow consumer {} ({}): unwritable for {}", vip, remote,
                            core.config.limits().slowConsumerTimeout());
                    close("Too slow: not reading", Disconnect.Initiator.SERVER, false);
                }
            }, core.config.limits().slowConsumerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    // ---- outbound (any thread) ----

    /** Queues {@code packet}; never blocks; a client past its hard outbound limit is dropped instead. */
    RouteResult deliver(Packet packet) {
        if (closing || !channel.isActive()) {
            return RouteResult.NO_ROUTE;
        }
        if (slowConsumerDropped.get()) {
            return RouteResult.OVERLOADED; // being dropped: its close may not have run on its event loop yet
        }
        int size = PacketCodec.HEADER_BYTES + packet.bodyLength();
        long queued = queuedBytes.addAndGet(size);
        long inNetty = channel.isWritable() ? 0 : channel.bytesBeforeWritable() + core.config.limits().outboundLowWaterMark();
        if (queued + inNetty > core.config.limits().maxOutboundBytes()) {
            queuedBytes.addAndGet(-size);
            if (slowConsumerDropped.compareAndSet(false, true)) {
                core.counters.drop(DropReason.OUTBOUND_LIMIT);
                LOG.warn("Dropping slow consumer {} ({}): more than {} bytes pending", vip, remote,
                        core.config.limits().maxOutboundBytes());
                close("Too slow: outbound buffer limit exceeded", Disconnect.Initiator.SERVER, false);
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
        if (coalesce && packet.bodyLength() <= core.config.limits().maxFrameSize()) {
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
    private void writeBatch() {
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

    /** The connection is gone: frees frames that were never written. Event loop only. */
    void onInactive() {
        onReadComplete();
        publishOut();
        ByteBuf b = outBatch;
        outBatch = null;
        if (b != null) {
            b.release();
        }
    }

    /**
     * Ends the connection from the server side, once. With {@code graceful}, EXIT is flushed first
     * (bounded by a grace period); otherwise the connection is closed at once (slow consumers).
     */
    void close(String reason, Disconnect.Initiator initiator, boolean graceful) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> close(reason, initiator, graceful));
            return;
        }
        if (closing) {
            return;
        }
        closing = true;
        disconnect = new Disconnect(initiator, null, reason);
        if (!graceful || !channel.isActive()) {
            channel.close();
            return;
        }
        writeBatch(); // frames queued before the EXIT go out before it
        channel.writeAndFlush(Packets.serverExit(reason)).addListener(ChannelFutureListener.CLOSE);
        loop.schedule(() -> {
            channel.close();
        }, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "client " + vip + " (" + remote + ")";
    }
}
