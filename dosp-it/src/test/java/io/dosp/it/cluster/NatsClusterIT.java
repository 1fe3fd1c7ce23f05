package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode on a NATS cluster of three servers (clustered JetStream, the registry replicated three times): two
 * DoSP nodes, each on a different NATS server, share one vIP space.
 */
class NatsClusterIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void nodesOnDifferentNatsServersShareOneVipSpace() throws Exception {
        try (NatsServers nats = NatsServers.cluster(3)) {
            List<DospServer> servers = new ArrayList<>();
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    NatsCluster c = NatsCluster.builder().servers(List.of(nats.url(i), nats.url(2))).name("three")
                            .nodeName("n" + i).connectTimeout(Duration.ofSeconds(30)).build();
                    servers.add(new DospServer(TestServers.config(tmp.resolve("n" + i)).template("10.9.0.0/16").build(), c)
                            .start());
                }
                RawClient a = RawClient.connect(servers.get(0).port());
                clients.add(a);
                RawClient b = RawClient.connect(servers.get(1).port());
                clients.add(b);
                assertThat(a.vip()).isNotEqualTo(b.vip());
                b.send(Packets.rqip(a.vip()));
                assertThat(((SimplePacket) b.receive(PacketType.RQIP)).bodyText()).isEqualTo("E:" + RqipReply.IN_USE);
                await().atMost(AWAIT).untilAsserted(() -> {
                    a.send(Packets.gclRequest());
                    assertThat(Packets.parseVipList(((SimplePacket) a.receive(PacketType.GCL)).body()))
                            .contains(a.vip(), b.vip());
                });
                a.send(Packets.s2c(b.vip(), "over three".getBytes(StandardCharsets.UTF_8)));
                S2cPacket got = (S2cPacket) b.receive(PacketType.S2C);
                assertThat(got.src()).isEqualTo(a.vip());
                assertThat(new String(got.data(), StandardCharsets.UTF_8)).isEqualTo("over three");
            } finally {
                clients.forEach(RawClient::close);
                servers.forEach(DospServer::close);
            }
        }
    }
}
