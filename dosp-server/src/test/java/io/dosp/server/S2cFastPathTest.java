package io.dosp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.dispatch.S2cFastPath;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The S2C fast path against the packet path: the same script of frames (S2C of many sizes with a
 * forged SRC, to nobody, outside the template, to oneself, too short, inside MPAK, a burst of 500,
 * PINGs between) through a real server with the fast path on and off must give both clients the
 * same bytes and the server the same counters; and the fast path must really have routed frames
 * when it may (no compression, no listener), and none when it must not.
 */
class S2cFastPathTest {
    private static final Vip FORGED = Vip.parse("1.2.3.4");
    private static final Vip NOBODY = Vip.parse("10.9.0.77");
    private static final Vip OUTSIDE = Vip.parse("10.10.0.5");
    private static EventLoopGroup group;

    enum Variant {
        PLAIN, COMPRESSION, LISTENER, RATE_LIMIT
    }

    @BeforeAll
    static void startGroup() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void sameBytesAndCountsWithTheFastPathOnAndOff(Variant variant) throws Exception {
        Run slow = run(variant, false);
        Run fast = run(variant, true);

        assertThat(slow.fastPathFrames).isZero();
        if (variant == Variant.PLAIN) {
            // 6 sized + self + 500 burst + END; MPAK's S2C, NOBODY, OUTSIDE and the short frame take the packet path
            assertThat(fast.fastPathFrames).isEqualTo(6 + 1 + 500 + 1);
        } else {
            assertThat(fast.fastPathFrames).as("the fast path must decline for %s", variant).isZero();
        }
        assertThat(fast.senderBytes).as("bytes to the sender").isEqualTo(slow.senderBytes);
        assertThat(fast.receiverBytes).as("bytes to the receiver").isEqualTo(slow.receiverBytes);
        assertThat(fast.stats).isEqualTo(slow.stats);

        // What the clients decoded is what the script asked for, SRC rewritten.
        List<S2cPacket> got = s2c(slow.receiverPackets);
        assertThat(got).hasSize(6 + 2 + 500 + 1);
        assertThat(got).allSatisfy(p -> assertThat(p.src()).isEqualTo(slow.sender));
        assertThat(got.get(5).dataLength()).isEqualTo(70_000);
        assertThat(s2c(slow.senderPackets)).extracting(S2cPacket::dataText).containsExactly("self");
        assertThat(slow.stats.drops(DropReason.NO_ROUTE)).isEqualTo(2);
        assertThat(slow.stats.drops(DropReason.MALFORMED_FRAME)).isEqualTo(1);
    }

    private static List<S2cPacket> s2c(List<Packet> packets) {
        List<S2cPacket> out = new ArrayList<>();
        for (Packet p : packets) {
            if (p instanceof S2cPacket s) {
                out.add(s);
            }
        }
        return out;
    }

    private record Run(Vip sender, byte[] senderBytes, byte[] receiverBytes, List<Packet> senderPackets,
            List<Packet> receiverPackets, ServerStatsView stats, long fastPathFrames) {}

    /** The counters compared between runs (not the start time). */
    private record ServerStatsView(long packetsIn, long packetsOut, long bytesIn, long bytesOut,
            java.util.Map<DropReason, Long> drops) {
        long drops(DropReason r) {
            return drops.getOrDefault(r, 0L);
        }

        static ServerStatsView of(ServerStats s) {
            return new ServerStatsView(s.packetsIn(), s.packetsOut(), s.bytesIn(), s.bytesOut(), s.drops());
        }
    }

    private static Run run(Variant variant, boolean fastPath) throws Exception {
        System.setProperty(S2cFastPath.PROPERTY, Boolean.toString(fastPath));
        ServerConfig.Builder cfg = ServerConfig.builder().host("127.0.0.1").port(0).workerThreads(1)
                .template("10.9.x.x").compression(variant == Variant.COMPRESSION);
        if (variant == Variant.RATE_LIMIT) {
            cfg.limits(l -> l.packetRateLimit(1_000_000));
        }
        DospServer server = DospServer.start(cfg.build());
        try {
            if (variant == Variant.LISTENER) {
                server.addListener(new ServerListener() {});
            }
            Client a = Client.connect(server.port());
            Client b = Client.connect(server.port());
            script(a, b);
            await().atMost(Duration.ofSeconds(20)).until(() -> b.has(p -> p instanceof S2cPacket s && s.dataText().equals("END"))
                    && a.has(p -> p.typeCode() == PacketType.PING.code() && ((SimplePacket) p).bodyText().equals("end")));
            // Counters are published at the end of each read batch: wait until they stop moving.
            ServerStatsView[] last = {null};
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                ServerStatsView now = ServerStatsView.of(server.stats());
                boolean same = now.equals(last[0]) && now.packetsOut() > 0;
                last[0] = now;
                return same;
            });
            long frames = server.runtime().counters().fastPathS2c();
            a.close();
            b.close();
            return new Run(a.vip, a.bytes(), b.bytes(), a.packets, b.packets, last[0], frames);
        } finally {
            server.close();
            System.clearProperty(S2cFastPath.PROPERTY);
        }
    }

    private static void script(Client a, Client b) {
        Channel ch = a.channel;
        for (int size : new int[] {0, 1, 63, 64, 1000, 70_000}) {
            byte[] data = new byte[size];
            Arrays.fill(data, (byte) size);
            ch.write(Packets.s2c(b.vip, FORGED, data));
        }
        ch.write(Packets.ping("p1".getBytes(StandardCharsets.UTF_8)));
        ch.write(Packets.s2c(NOBODY, "nobody".getBytes(StandardCharsets.UTF_8)));
        // An S2C body shorter than DST + SRC: ERR, connection kept.
        ch.write(Unpooled.wrappedBuffer(new byte[] {3, 0, 0, 0, 7, 10, 9, 0, 3, 1, 2, 3}));
        ch.write(Packets.s2c(a.vip, "self".getBytes(StandardCharsets.UTF_8)));
        ch.write(Packets.mpak(List.of(Packets.s2c(b.vip, "m1".getBytes(StandardCharsets.UTF_8)),
                Packets.ping("m2".getBytes(StandardCharsets.UTF_8)), Packets.s2c(b.vip, "m3".getBytes(StandardCharsets.UTF_8)))));
        for (int i = 0; i < 500; i++) {
            ch.write(Packets.s2c(b.vip, ("burst-" + i + "-0123456789abcdef").getBytes(StandardCharsets.UTF_8)));
        }
        ch.write(Packets.s2c(OUTSIDE, "outside".getBytes(StandardCharsets.UTF_8)));
        ch.write(Packets.s2c(b.vip, "END".getBytes(StandardCharsets.UTF_8)));
        ch.writeAndFlush(Packets.ping("end".getBytes(StandardCharsets.UTF_8)));
    }

    /** A client that records every byte it receives and every packet it decodes. */
    private static final class Client {
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        final List<Packet> packets = new CopyOnWriteArrayList<>();
        Channel channel;
        Vip vip;

        static Client connect(int port) {
            Client c = new Client();
            c.channel = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            byte[] bytes = new byte[buf.readableBytes()];
                            buf.getBytes(buf.readerIndex(), bytes);
                            synchronized (c.raw) {
                                c.raw.writeBytes(bytes);
                            }
                            ctx.fireChannelRead(msg);
                        }
                    });
                    ch.pipeline().addLast(DospCodec.forClient(1 << 20));
                    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            c.packets.add((Packet) msg);
                        }
                    });
                }
            }).connect("127.0.0.1", port).syncUninterruptibly().channel();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.has(p -> p.typeCode() == PacketType.HSK.code()));
            for (Packet p : c.packets) {
                if (p.typeCode() == PacketType.AIP.code()) {
                    c.vip = Packets.parseAip(((SimplePacket) p).body());
                }
            }
            assertThat(c.vip).isNotNull();
            return c;
        }

        boolean has(java.util.function.Predicate<Packet> p) {
            return packets.stream().anyMatch(p);
        }

        byte[] bytes() {
            synchronized (raw) {
                return raw.toByteArray();
            }
        }

        void close() {
            channel.close().syncUninterruptibly();
        }
    }
}
