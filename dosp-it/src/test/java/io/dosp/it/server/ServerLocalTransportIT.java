package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.RawClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process transport: a Netty LocalChannel client gets AIP + HSK and talks to TCP clients. */
class ServerLocalTransportIT {
    @TempDir
    Path tmp;

    private EventLoopGroup group;

    @BeforeEach
    void setUp() {
        group = new DefaultEventLoopGroup(1);
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A LocalChannel client whose received packets land in {@link #received}. */
    private final class LocalClient implements AutoCloseable {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final Channel channel;

        LocalClient(LocalAddress address) {
            channel = new Bootstrap()
                    .group(group)
                    .channel(LocalChannel.class)
                    .handler(new ChannelInitializer<LocalChannel>() {
                        @Override
                        protected void initChannel(LocalChannel ch) {
                            ch.pipeline().addLast(DospCodec.forClient(1 << 20));
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<Object>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                    received.add(msg);
                                }
                            });
                        }
                    })
                    .connect(address).syncUninterruptibly().channel();
        }

        Packet receive() throws InterruptedException {
            Object o = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(o).as("packet on the local channel within %s", TIMEOUT).isInstanceOf(Packet.class);
            return (Packet) o;
        }

        SimplePacket receive(PacketType type) throws InterruptedException {
            Packet p = receive();
            assertThat(p.type()).isEqualTo(type);
            return (SimplePacket) p;
        }

        void send(Packet p) {
            channel.writeAndFlush(p).syncUninterruptibly();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    private static String uniqueName() {
        return "dosp-it-" + UUID.randomUUID();
    }

    @Test
    void localClientGetsAipAndHskAndExchangesS2cWithTcp() throws InterruptedException {
        String name = uniqueName();
        try (DospServer server = DospServer.start(config(tmp).localTransport(true, name).build());
             RawClient tcp = RawClient.connect(server.port());
             LocalClient local = new LocalClient(server.localTransportAddress())) {
            assertThat(server.localTransportAddress().id()).isEqualTo(name);

            SimplePacket aip = local.receive(PacketType.AIP);
            Vip localVip = Packets.parseAip(aip.body());
            assertThat(localVip).isEqualTo(Vip.parse("7.10.0.3"));
            Handshake hsk = Handshake.parse(local.receive(PacketType.HSK).body());
            assertThat(hsk).isEqualTo(Handshake.standard(false));

            // local -> tcp, with a forged SRC
            local.send(Packets.s2c(tcp.vip(), Vip.parse("7.10.0.200"), "from local".getBytes(StandardCharsets.UTF_8)));
            S2cPacket atTcp = (S2cPacket) tcp.receive(TIMEOUT);
            assertThat(atTcp.src()).isEqualTo(localVip);
            assertThat(atTcp.dataText()).isEqualTo("from local");

            // tcp -> local
            tcp.send(Packets.s2c(localVip, "from tcp".getBytes(StandardCharsets.UTF_8)));
            S2cPacket atLocal = (S2cPacket) local.receive();
            assertThat(atLocal.dst()).isEqualTo(localVip);
            assertThat(atLocal.src()).isEqualTo(tcp.vip());
            assertThat(atLocal.dataText()).isEqualTo("from tcp");

            // GCL from either side lists both transports' clients.
            local.send(Packets.gclRequest());
            assertThat(Packets.parseVipList(local.receive(PacketType.GCL).body())).containsExactly(tcp.vip(), localVip);
            local.send(Packets.ping("local ping".getBytes(StandardCharsets.UTF_8)));
            assertThat(local.receive(PacketType.PING).bodyText()).isEqualTo("local ping");
            assertPingRoundTrip(tcp);
        }
    }

    @Test
    void localClientWithCompressionFollowsTheHandshake() throws InterruptedException {
        try (DospServer server = DospServer.start(config(tmp).compression(true).localTransport(true, uniqueName()).build());
             LocalClient local = new LocalClient(server.localTransportAddress());
             RawClient tcp = RawClient.connect(server.port())) {
            Vip localVip = Packets.parseAip(local.receive(PacketType.AIP).body());
            assertThat(Handshake.parse(local.receive(PacketType.HSK).body()).compression()).isTrue();
            byte[] data = "z".repeat(5000).getBytes(StandardCharsets.UTF_8);
            tcp.send(Packets.s2c(localVip, data));
            assertThat(((S2cPacket) local.receive()).data()).isEqualTo(data);
            local.send(Packets.s2c(tcp.vip(), data));
            assertThat(((S2cPacket) tcp.receive(TIMEOUT)).data()).isEqualTo(data);
        }
    }

    @Test
    void localOnlyServerWithoutTcp() throws InterruptedException {
        try (DospServer server = DospServer.start(config(tmp).tcp(false).localTransport(true, uniqueName()).build());
             LocalClient a = new LocalClient(server.localTransportAddress());
             LocalClient b = new LocalClient(server.localTransportAddress())) {
            Vip va = Packets.parseAip(a.receive(PacketType.AIP).body());
            a.receive(PacketType.HSK);
            Vip vb = Packets.parseAip(b.receive(PacketType.AIP).body());
            b.receive(PacketType.HSK);
            assertThat(va).isNotEqualTo(vb);
            a.send(Packets.s2c(vb, new byte[] {42}));
            S2cPacket got = (S2cPacket) b.receive();
            assertThat(got.src()).isEqualTo(va);
            assertThat(got.data()).containsExactly(42);
        }
    }

    @Test
    void localClientGetsExitOnShutdown() throws InterruptedException {
        DospServer server = DospServer.start(config(tmp).localTransport(true, uniqueName()).build());
        try (LocalClient local = new LocalClient(server.localTransportAddress())) {
            local.receive(PacketType.AIP);
            local.receive(PacketType.HSK);
            server.close();
            assertThat(local.receive(PacketType.EXIT).bodyText()).isEqualTo("Server shutting down");
            assertThat(local.channel.closeFuture().awaitUninterruptibly(TIMEOUT.toMillis())).isTrue();
        } finally {
            server.close();
        }
    }
}
