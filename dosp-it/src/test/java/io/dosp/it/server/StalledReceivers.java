package io.dosp.it.server;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Receivers that read their greeting (AIP, HSK) and then nothing, until the test lets them drain.
 * They are Netty epoll clients with a small receive buffer and a small MSS ({@code TCP_MAXSEG}):
 * on loopback (64 KiB MSS) the server's kernel would otherwise take a few MiB per connection before
 * the server itself held anything. Each checks that the S2C of every sender arrive in order
 * ({@link FloodSender}'s sequence numbers) and counts them.
 *
 * <p>Thread-safe counters; the receivers run on one event loop of their own.
 */
final class StalledReceivers implements AutoCloseable {
    /** {@code setsockopt(IPPROTO_TCP, TCP_MAXSEG)} on Linux. */
    private static final IntegerUnixChannelOption TCP_MAXSEG = new IntegerUnixChannelOption("TCP_MAXSEG", 6, 2);

    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final List<Receiver> receivers = new ArrayList<>();

    /** One stalled receiver. */
    static final class Receiver extends SimpleChannelInboundHandler<Packet> {
        private final CompletableFuture<Vip> greeted = new CompletableFuture<>();
        private final Map<Vip, Integer> next = new ConcurrentHashMap<>();
        private final AtomicLong received = new AtomicLong();
        private final AtomicLong outOfOrder = new AtomicLong();
        private volatile Channel channel;
        private volatile Vip vip;

        Vip vip() {
            return vip;
        }

        long received() {
            return received.get();
        }

        long outOfOrder() {
            return outOfOrder.get();
        }

        boolean open() {
            return channel.isActive();
        }

        /** Starts reading everything the server sent or still sends. */
        void drain() {
            channel.config().setAutoRead(true);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Packet p) {
            if (p.type() == PacketType.AIP) {
                vip = Packets.parseAip(((SimplePacket) p).body());
            } else if (p.type() == PacketType.HSK) {
                ctx.channel().config().setAutoRead(false); // from now on, nothing is read
                greeted.complete(vip);
            } else if (p instanceof S2cPacket s) {
                int seq = ByteBuffer.wrap(s.data()).getInt();
                int expected = next.getOrDefault(s.src(), 0);
                if (seq != expected) {
                    outOfOrder.incrementAndGet();
                }
                next.put(s.src(), seq + 1);
                received.incrementAndGet();
            }
        }
    }

    /** Connects a receiver to 127.0.0.1:{@code port} and waits for its greeting. */
    Receiver connect(int port) throws Exception {
        Receiver r = new Receiver();
        Channel ch = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4096)
                .option(TCP_MAXSEG, 1024)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(DospCodec.forClient(1 << 20), r);
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        r.channel = ch;
        r.greeted.get(10, TimeUnit.SECONDS);
        receivers.add(r);
        return r;
    }

    List<Receiver> all() {
        return receivers;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
