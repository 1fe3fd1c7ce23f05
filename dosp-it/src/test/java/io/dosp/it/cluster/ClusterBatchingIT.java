package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.cluster.ClusterStats;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Frames;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batching switch ({@code NatsCluster.Builder.batching}): with it on, frames a client writes at once cross in
 * fewer NATS messages than frames; with it off, in exactly one message each; either way every frame arrives once and
 * in order, both ways.
 */
class ClusterBatchingIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final int FRAMES = 3_000;

    @TempDir
    Path tmp;
    private NatsServers nats;
    private final List<DospServer> servers = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();
    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
        servers.forEach(DospServer::close);
        if (nats != null) {
            nats.close();
        }
    }

    private RawClient client(int node) {
        RawClient c = RawClient.connect(servers.get(node).port());
        c.send(Packets.ping());
        c.receive(PacketType.PING);
        clients.add(c);
        return c;
    }

    private static List<Vip> gcl(RawClient c) {
        c.send(Packets.gclRequest());
        return Packets.parseVipList(((SimplePacket) c.receive(PacketType.GCL)).body());
    }

    private static byte[] numbered(Vip dst, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            out.writeBytes(Frames.frame(PacketType.S2C.code(),
                    ByteBuffer.allocate(12).putInt(dst.value()).putInt(0).putInt(i).array()));
        }
        return out.toByteArray();
    }

    private static void expectNumbered(RawClient to, Vip from, int n) {
        for (int i = 0; i < n; i++) {
            Packet p = to.receive(Duration.ofSeconds(30));
            assertThat(p).isInstanceOf(S2cPacket.class);
            assertThat(((S2cPacket) p).src()).isEqualTo(from);
            assertThat(ByteBuffer.wrap(((S2cPacket) p).data()).getInt()).as("frame %d", i).isEqualTo(i);
        }
    }

    @ParameterizedTest(name = "batching {0}")
    @ValueSource(booleans = {true, false})
    void everyFrameArrivesOnceInOrderAndBatchingDecidesTheMessages(boolean batching) {
        nats = NatsServers.single();
        String name = "batch" + batching + ProcessHandle.current().pid();
        for (int i = 0; i < 2; i++) {
            NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n" + i).batching(batching)
                    .build();
            assertThat(c.batching()).isEqualTo(batching);
            ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(VipTemplate.parse("10.7.0.0/16"))
                    .build();
            servers.add(new DospServer(config, c).start());
            clusters.add(c);
        }
        RawClient a = client(0);
        RawClient b = client(1);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(b.vip()));
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(b)).contains(a.vip()));
        a.sendRaw(numbered(b.vip(), FRAMES));
        b.sendRaw(numbered(a.vip(), FRAMES));
        expectNumbered(b, a.vip(), FRAMES);
        expectNumbered(a, b.vip(), FRAMES);
        for (NatsCluster c : clusters) {
            ClusterStats s = c.stats();
            assertThat(s.framesSent()).isEqualTo(FRAMES);
            assertThat(s.framesReceived()).isEqualTo(FRAMES);
            assertThat(s.framesDiscarded()).isZero();
            if (batching) {
                assertThat(s.batchesSent()).isLessThan(FRAMES);
            } else {
                assertThat(s.batchesSent()).isEqualTo(FRAMES);
            }
        }
    }
}
