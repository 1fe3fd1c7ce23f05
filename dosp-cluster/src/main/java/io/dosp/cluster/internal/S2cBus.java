package io.dosp.cluster.internal;

import io.dosp.codec.Compression;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.codec.DospFrameEncoder;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * S2C between nodes over NATS core pub/sub. Each node subscribes to {@code dosp.<cluster>.s2c.<node>} (frames for
 * its clients) and {@code dosp.<cluster>.ctl.<node>} (failures of frames it sent). A message on the S2C subject is
 * a batch: DoSP S2C frames (type, length, DST, SRC, DATA, SRC already the sender's vIP) back to back, with the
 * sending node's control subject as its reply subject. A message on the control subject lists the frames the
 * receiving node could not deliver: 8 bytes each, SRC then DST (big-endian), each answered to the local holder of
 * SRC with ERR S2CF for DST.
 *
 * <p>Batching: frames a client sends on its event loop go into one buffer per (event loop, destination node),
 * published when the loop ends its current round of work (a task queued on the loop after the read batch: the
 * frames of one read go in one message) or once the buffer reaches {@link #BATCH_BYTES}. One sender's frames
 * leave from one loop through one connection, so NATS keeps them in order per (SRC, DST). Frames with no local sender
 * that arrive on an event loop (over a peer link) are batched on that loop the same way; frames from other threads go
 * one per message, and so does every frame when batching is off ({@code NatsCluster.Builder.batching(false)}: the
 * baseline the benchmarks compare with). The "~1 ms" limit of the design is met by the end-of-round flush: a buffer
 * never outlives the loop round that filled it (no timer needed). Never blocks: the connection's outgoing queue is
 * bounded and discards when full; a
 * discarded batch (or one refused because the connection is gone) is answered frame by frame with ERR S2CF to
 * its senders, and counted.
 *
 * <p>Receiving runs on one jnats dispatcher thread: each frame is handed to its holder's {@code deliver} (the
 * holder's MPSC inbox: the dispatcher never waits for a slow client; past its limits the frame is refused and
 * reported back).
 *
 * <p>With federation (docs/cluster.md "Federation with a cluster"): a received frame whose DST lies outside the
 * template was handed here because this node has a peer link routing it; it goes out through
 * {@link #outboundRoute} (federation's forwarder, never back onto NATS), and is reported back like any other when it
 * cannot. A failure (reported back, or a discard) for a SRC outside the template is a peer server's client's: it goes
 * to {@link #remoteSenderFailures} (FWD_FAIL towards that server). {@link #sendFailure} passes a FWD_FAIL that
 * arrived here to the node holding its SRC, in the control subject's format.
 */
final class S2cBus {
    /** A batch is published once it holds this many bytes. */
    static final int BATCH_BYTES = 64 * 1024;
    /** Messages from other nodes waiting for the dispatcher at most; past it NATS drops them (slow consumer). */
    static final int PENDING_MESSAGES = 65_536;
    /** Bytes of those messages at most. */
    static final long PENDING_BYTES = 64L << 20;

    private final Connection nc;
    private final String s2cPrefix;
    private final String ctlPrefix;
    private final String myCtl;
    /** This node's id: the S2C subject it subscribes to ends with it. */
    private final String subscribedAs;
    private final VipTable<ClientSession> vips;
    private final Predicate<ClientSession> routable;
    private final Counters counters;
    private final int maxFrameSize;
    private final DospFrameEncoder encoder;
    /** Whether frames sent on an event loop are batched per (loop, destination node); false: one message each. */
    private final boolean batching;
    private final Map<EventLoop, LoopBatches> loops = new ConcurrentHashMap<>();
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder batchesSent = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final LongAdder framesDiscarded = new LongAdder();
    private final LongAdder failuresReturned = new LongAdder();
    private final LongAdder failuresReceived = new LongAdder();
    private volatile Dispatcher dispatcher;
    /** Failures of frames whose SRC is no local client (a peer server's, carried in from a peer link): federation's. */
    private volatile java.util.function.BiConsumer<Vip, Vip> remoteSenders = (dst, src) -> { };
    /** Frames for a DST outside the template (another node had no route for it): sent on over federation. */
    private volatile java.util.function.Function<S2cPacket, RouteResult> outbound = p -> RouteResult.NO_ROUTE;

    S2cBus(Connection nc, String cluster, String nodeId, VipTable<ClientSession> vips, Predicate<ClientSession> routable,
            Counters counters, int maxFrameSize, boolean batching) {
        this.batching = batching;
        this.nc = nc;
        this.s2cPrefix = "dosp." + cluster + ".s2c.";
        this.ctlPrefix = "dosp." + cluster + ".ctl.";
        this.myCtl = ctlPrefix + nodeId;
        this.vips = vips;
        this.routable = routable;
        this.counters = counters;
        this.maxFrameSize = maxFrameSize;
        this.encoder = new DospFrameEncoder(maxFrameSize, Compression.fixed(false, 0)); // stateless uncompressed
        this.subscribedAs = nodeId;
    }

    /** Handles control-subject requests (messages with a {@link ClusterOps#KIND} header); null: none yet. */
    private volatile java.util.function.Consumer<Message> control;

    /** Hands this node's control-subject requests to {@code handler} (called on the dispatcher: must not block). */
    void control(java.util.function.Consumer<Message> handler) {
        this.control = handler;
    }

    /** Subscribes to this node's subjects. */
    void start() {
        dispatcher = nc.createDispatcher(this::onMessage);
        dispatcher.setPendingLimits(PENDING_MESSAGES, PENDING_BYTES);
        dispatcher.subscribe(s2cPrefix + subscribedAs);
        dispatcher.subscribe(myCtl);
    }

    private void onMessage(Message m) {
        if (m.getSubject().startsWith(ctlPrefix)) {
            if (m.hasHeaders() && m.getHeaders().getFirst(ClusterOps.KIND) != null) {
                java.util.function.Consumer<Message> c = control;
                if (c != null) {
                    c.accept(m); // a request (helper ops), not an S2CF list
                } // else: still joining; the asking node times out
                return;
            }
            onFailures(m.getData());
        } else {
            onBatch(m);
        }
    }

    // ---- sending ----

    /** Sends {@code packet} to node {@code node}: batched on {@code sender}'s loop when called there. */
    void send(String node, S2cPacket packet, ClientSession sender) {
        EventLoop loop = sender == null ? currentLoop() : sender.eventLoop();
        if (batching && loop != null && loop.inEventLoop()) {
            loops.computeIfAbsent(loop, LoopBatches::new).append(node, packet);
            return;
        }
        ByteBuf one = Unpooled.buffer(packet.bodyLength() + 5);
        encoder.encode(packet, one);
        publish(node, ByteBufUtil.getBytes(one), 1);
    }

    /**
     * The event loop running this thread, or null: frames with no local sender (arriving over a peer link) are
     * batched on the link's loop like a client's on its own.
     */
    private static EventLoop currentLoop() {
        return io.netty.util.internal.ThreadExecutorMap.currentExecutor() instanceof EventLoop l ? l : null;
    }

    private void publish(String node, byte[] batch, int frames) {
        try {
            nc.publish(s2cPrefix + node, myCtl, batch);
            framesSent.add(frames);
            batchesSent.increment();
        } catch (RuntimeException e) {
            // closed, or the reconnect buffer is full: NATS did not take it
            discarded(batch);
        }
    }

    /** A batch of ours NATS did not take (queue full, connection gone): ERR S2CF to each frame's local sender. */
    void discarded(byte[] batch) {
        forEachFrame(batch, p -> {
            framesDiscarded.increment();
            counters.drop(RouteResult.OVERLOADED.dropReason());
            ClientSession src = vips.holder(p.srcValue());
            if (src != null) {
                src.deliver(Packets.errS2cFailed(p.dst(), "the cluster link to its node is overloaded"));
            } else {
                failedForNonLocal(p.srcValue(), p.dst());
            }
        });
    }

    /** Frames for a DST outside the template go on through {@code route} (this node's federation links). */
    void outboundRoute(java.util.function.Function<S2cPacket, RouteResult> route) {
        this.outbound = java.util.Objects.requireNonNull(route, "route");
    }

    /** Failures of frames with a SRC outside the template go to {@code handler} ({@code dst}, {@code src}). */
    void remoteSenderFailures(java.util.function.BiConsumer<Vip, Vip> handler) {
        this.remoteSenders = java.util.Objects.requireNonNull(handler, "handler");
    }

    /**
     * Tells node {@code node} that {@code dst} could not be reached for its client {@code src} (a FWD_FAIL that
     * arrived here from a peer): one 8-byte entry on its control subject. Never blocks; lost (counted as a discard)
     * when NATS does not take it.
     */
    void sendFailure(String node, Vip src, Vip dst) {
        byte[] entry = ByteBuffer.allocate(8).putInt(src.value()).putInt(dst.value()).array();
        try {
            nc.publish(ctlPrefix + node, entry);
            failuresReturned.increment();
        } catch (RuntimeException e) {
            framesDiscarded.increment();
        }
    }

    /** A failure for {@code src}, which has no holder here: a peer server's client is told through federation. */
    private void failedForNonLocal(int src, Vip dst) {
        if (!vips.contains(src)) {
            remoteSenders.accept(dst, new Vip(src));
        }
    }

    /** Whether {@code subject} is one of S2C batches (for the discard listener). */
    boolean isS2cSubject(String subject) {
        return subject != null && subject.startsWith(s2cPrefix);
    }

    /** One event loop's batches, one per destination node; used on that loop only. */
    private final class LoopBatches {
        private final EventLoop loop;
        private final Map<String, Batch> byNode = new HashMap<>();
        private boolean flushQueued;

        LoopBatches(EventLoop loop) {
            this.loop = loop;
        }

        void append(String node, S2cPacket packet) {
            Batch b = byNode.computeIfAbsent(node, n -> new Batch());
            int frameBytes = packet.bodyLength() + 5;
            if (b.frames > 0 && b.buf.readableBytes() + frameBytes > BATCH_BYTES) {
                b.publish(node);
            }
            encoder.encode(packet, b.buf);
            b.frames++;
            if (b.buf.readableBytes() >= BATCH_BYTES) {
                b.publish(node);
            } else if (!flushQueued) {
                flushQueued = true;
                loop.execute(this::flush); // after this round of the loop's work: the read batch ends first
            }
        }

        void flush() {
            flushQueued = false;
            for (Map.Entry<String, Batch> e : byNode.entrySet()) {
                if (e.getValue().frames > 0) {
                    e.getValue().publish(e.getKey());
                }
            }
        }
    }

    private final class Batch {
        final ByteBuf buf = Unpooled.buffer(4096);
        int frames;

        void publish(String node) {
            byte[] data = ByteBufUtil.getBytes(buf);
            int n = frames;
            buf.clear();
            frames = 0;
            if (buf.capacity() > 2 * BATCH_BYTES) {
                buf.capacity(BATCH_BYTES); // a very large frame went through: give the memory back
            }
            S2cBus.this.publish(node, data, n);
        }
    }

    // ---- receiving (the dispatcher thread) ----

    private void onBatch(Message m) {
        List<int[]> failed = new ArrayList<>();
        forEachFrame(m.getData(), p -> {
            framesReceived.increment();
            RouteResult r;
            if (!vips.contains(p.dstValue())) {
                r = outbound.apply(p); // another server's vIP: through this node's peer link, never back to NATS
            } else {
                ClientSession h = vips.holder(p.dstValue());
                r = h == null ? RouteResult.NO_ROUTE : !routable.test(h) ? RouteResult.NOT_ALLOWED : h.deliver(p, null);
            }
            if (r != RouteResult.DELIVERED) {
                counters.drop(r.dropReason());
                failed.add(new int[] {p.srcValue(), p.dstValue()});
            }
        });
        String reply = m.getReplyTo();
        if (!failed.isEmpty() && reply != null && reply.startsWith(ctlPrefix)) {
            ByteBuf out = Unpooled.buffer(failed.size() * 8);
            for (int[] f : failed) {
                out.writeInt(f[0]).writeInt(f[1]);
            }
            try {
                nc.publish(reply, ByteBufUtil.getBytes(out));
                failuresReturned.add(failed.size());
            } catch (RuntimeException e) {
                // the sender's node will not hear of them: counted as drops above
            }
        }
    }

    private void onFailures(byte[] data) {
        ByteBuf in = Unpooled.wrappedBuffer(data);
        while (in.readableBytes() >= 8) {
            int src = in.readInt();
            int dst = in.readInt();
            failuresReceived.increment();
            ClientSession s = vips.holder(src);
            if (s != null) {
                s.deliver(Packets.errS2cFailed(new Vip(dst)));
            } else {
                failedForNonLocal(src, new Vip(dst));
            }
        }
    }

    /** Decodes the S2C frames of a batch (bytes stop at the codec); anything else in it is ignored. */
    private void forEachFrame(byte[] batch, java.util.function.Consumer<S2cPacket> each) {
        ByteBuf in = Unpooled.wrappedBuffer(batch);
        DospFrameDecoder decoder = new DospFrameDecoder(maxFrameSize, Compression.fixed(false, 0));
        List<Object> out = new ArrayList<>(1);
        while (in.isReadable()) {
            int before = in.readerIndex();
            decoder.decode(in, out);
            for (Object o : out) {
                if (o instanceof S2cPacket p) {
                    each.accept(p);
                }
            }
            out.clear();
            if (in.readerIndex() == before) {
                break; // a truncated frame: nothing more to read
            }
        }
    }

    ClusterCounts counts() {
        Dispatcher d = dispatcher;
        return new ClusterCounts(framesSent.sum(), batchesSent.sum(), framesReceived.sum(), framesDiscarded.sum(),
                failuresReturned.sum(), failuresReceived.sum(), d == null ? 0 : d.getDroppedCount());
    }

    /** The bus's counts. */
    record ClusterCounts(long framesSent, long batchesSent, long framesReceived, long framesDiscarded,
            long failuresReturned, long failuresReceived, long incomingDropped) {
    }

    /** Unsubscribes. */
    void close() {
        if (dispatcher != null) {
            try {
                nc.closeDispatcher(dispatcher);
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
    }
}
