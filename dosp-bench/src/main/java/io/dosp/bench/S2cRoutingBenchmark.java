package io.dosp.bench;

import io.dosp.protocol.Ext;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server's S2C routing path, per frame, with the S2C fast path on and off: a real
 * {@link DospServer} (one event loop) on Netty's in-process transport, a sender and a receiver
 * client. Each operation writes a batch of {@value #BATCH} S2C frames from the sender (one buffer,
 * as a client's write would arrive) and waits until the receiver has been given every byte of
 * them, so the time is the server's decode, dispatch, flow control, encode and flush plus the
 * in-process hand-off, without sockets or the kernel. Compare the two {@code fastPath} rows of
 * one run, and the two {@code peerGone} rows (the contact recording of the peer-gone notice); the figures are in
 * BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(1)
@OperationsPerInvocation(S2cRoutingBenchmark.BATCH)
public class S2cRoutingBenchmark {
    static final int BATCH = 2048;
    /** The server's switch for the fast path ({@code FAST_PATH_PROPERTY}, internal to the server). */
    private static final String FAST_PATH_PROPERTY = "dosp.s2cFastPath";

    /** DATA size of each S2C frame. */
    @Param({"64", "1024"})
    public int size;

    /** Whether the server routes S2C as bytes (true) or as packets (false). */
    @Param({"true", "false"})
    public boolean fastPath;

    /**
     * Whether both clients enable the peer-gone notice (EXT HELLO): then every frame also records the two as each
     * other's contacts. A reference client (false) skips that.
     */
    @Param({"false", "true"})
    public boolean peerGone;

    private DospServer server;
    private EventLoopGroup clients;
    private Channel sender;
    private Channel receiver;
    private ByteBuf batch;
    private final AtomicInteger receivedBytes = new AtomicInteger();
    private final Semaphore batchArrived = new Semaphore(0);
    private final Semaphore ready = new Semaphore(0);
    private volatile int expectBytes;
    private Vip senderVip;
    private Vip receiverVip;

    /** Starts the server and the two clients and builds the batch. */
    @Setup(Level.Trial)
    public void setup() throws Exception {
        System.setProperty(FAST_PATH_PROPERTY, Boolean.toString(fastPath));
        String name = "s2c-routing-" + System.nanoTime();
        // The receiver never sends: no first-packet deadline (it would be closed after 10 s).
        server = DospServer.start(ServerConfig.builder().tcp(false).localTransport(true, name).workerThreads(1)
                .template("10.7.x.x").limits(l -> l.firstPacketTimeout(Duration.ZERO)).build());
        System.clearProperty(FAST_PATH_PROPERTY);
        clients = new DefaultEventLoopGroup(1);
        Vip[] got = new Vip[1];
        Semaphore handshake = new Semaphore(0);
        sender = connect(server, vip -> {
            got[0] = vip;
            handshake.release();
        }, false);
        handshake.acquire();
        senderVip = got[0];
        receiver = connect(server, vip -> {
            got[0] = vip;
            handshake.release();
        }, true);
        handshake.acquire();
        receiverVip = got[0];
        if (peerGone) {
            byte[] hello = PacketCodec.encode(Ext.hello(List.of(Ext.FEATURE_PEER_GONE)));
            sender.writeAndFlush(Unpooled.wrappedBuffer(hello));
            receiver.writeAndFlush(Unpooled.wrappedBuffer(hello));
        }
        ready.acquire(2); // both have AIP, HSK (and WELCOME)
        int frame = PacketCodec.HEADER_BYTES + 2 * Vip.BYTES + size;
        batch = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * frame);
        byte[] data = new byte[size];
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer out = ByteBuffer.allocate(frame);
            PacketCodec.writeFrame(Packets.s2c(receiverVip, Vip.parse("0.0.0.0"), data), out);
            batch.writeBytes(out.array());
        }
    }

    private Channel connect(DospServer server, java.util.function.Consumer<Vip> onAip, boolean counting) {
        return new Bootstrap().group(clients).channel(LocalChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    private boolean gotAip;
                    /** AIP and HSK (and WELCOME), before the first S2C. */
                    private int handshakeBytes = PacketCodec.HEADER_BYTES + Vip.BYTES
                            + PacketCodec.encode(Packets.hsk(Handshake.standard(false))).length
                            + (peerGone ? PacketCodec.encode(Ext.welcome(List.of(Ext.FEATURE_PEER_GONE))).length : 0);

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        try {
                            if (!gotAip) {
                                // The server's first frame is AIP (type, length 4, the vIP); HSK follows.
                                gotAip = true;
                                onAip.accept(new Vip(b.getInt(b.readerIndex() + PacketCodec.HEADER_BYTES)));
                            }
                            int n = b.readableBytes();
                            int skip = Math.min(n, handshakeBytes);
                            if (skip > 0 && skip == handshakeBytes) {
                                ready.release();
                            }
                            handshakeBytes -= skip;
                            n -= skip;
                            if (counting && n > 0 && receivedBytes.addAndGet(n) >= expectBytes) {
                                receivedBytes.set(0);
                                batchArrived.release();
                            }
                        } finally {
                            b.release();
                        }
                    }
                });
            }
        }).connect(server.localTransportAddress()).syncUninterruptibly().channel();
    }

    /** One batch of {@value #BATCH} S2C frames from the sender to the receiver, through the server. */
    @Benchmark
    public void route() throws InterruptedException {
        expectBytes = batch.readableBytes();
        sender.writeAndFlush(batch.retainedDuplicate());
        batchArrived.acquire();
    }

    /** Stops everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        sender.close();
        receiver.close();
        server.close();
        clients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        batch.release();
    }
}
