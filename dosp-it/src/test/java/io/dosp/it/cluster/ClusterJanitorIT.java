package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.cluster.ClusterStats;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that dies without leaving, played by a raw NATS connection (it registers, claims a vIP, subscribes to its S2C
 * subject and then falls silent): a real DoSP node's frames to it are published (and counted as sent to a dead node)
 * until it has been silent for 2L/3, then answered with ERR S2CF at once; the janitor orphans its vIP after its key
 * expired plus L, and frees it after the grace, after which anyone can claim it.
 */
class ClusterJanitorIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.9.0.0/16");

    @TempDir
    Path tmp;

    @Test
    void aSilentNodeIsSuspectedThenItsVipIsOrphanedAndReclaimed() throws Exception {
        String name = "jan" + ProcessHandle.current().pid();
        String ghost = "ghost-1-beef";
        Vip held = Vip.parse("10.9.1.1");
        AtomicInteger dead = new AtomicInteger();
        try (NatsServers nats = NatsServers.single()) {
            NatsCluster cluster = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n0")
                    .reclaimGrace(Duration.ofSeconds(3)).build();
            ServerConfig config = TestServers.config(tmp.resolve("n0")).template(TEMPLATE).build();
            try (DospServer server = new DospServer(config, cluster).start();
                    Connection nc = Nats.connect(nats.url(0));
                    RawClient a = RawClient.connect(server.port())) {
                a.send(Packets.ping());
                a.receive(PacketType.PING);
                // The ghost registers, claims, and listens on its subject without ever answering: frames to it vanish.
                KeyValue nodes = nc.keyValue("dosp_" + name + "_nodes");
                nodes.put("node." + ghost, "{\"epoch\":1,\"addr\":null,\"draining\":false}".getBytes(StandardCharsets.UTF_8));
                nc.keyValue("dosp_" + name + "_vip").create("ip." + held, ("{\"node\":\"" + ghost
                        + "\",\"epoch\":1,\"since\":1,\"state\":\"held\"}").getBytes(StandardCharsets.UTF_8));
                nc.createDispatcher(m -> dead.incrementAndGet()).subscribe("dosp." + name + ".s2c." + ghost);
                await().atMost(AWAIT).until(() -> cluster.stats().liveNodes() == 2);
                await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(held));
                for (int i = 0; i < 5; i++) {
                    a.send(Packets.s2c(held, new byte[] {(byte) i}));
                }
                await().atMost(AWAIT).until(() -> cluster.stats().framesSent() >= 5);

                // Silent from now on. Within 2L/3 of its last put, its frames are refused at once.
                await().atMost(AWAIT).untilAsserted(() -> {
                    a.send(Packets.s2c(held, new byte[] {9}));
                    Packet p = a.receive(Duration.ofSeconds(2));
                    assertThat(p.type()).isEqualTo(PacketType.ERR);
                    assertThat(((SimplePacket) p).body()[0]).isEqualTo((byte) ErrCode.S2CF.code());
                });
                assertThat(cluster.stats().framesToGoneNode()).isGreaterThanOrEqualTo(1);
                // Its key expires (L after its last put); L later the janitor orphans its vIP, the grace later frees it.
                await().atMost(AWAIT).until(() -> cluster.stats().orphaned() == 1);
                await().atMost(AWAIT).until(() -> cluster.stats().reclaimed() == 1);
                ClusterStats s = cluster.stats();
                assertThat(cluster.janitor()).isTrue();
                assertThat(s.janitorRuns()).isPositive();
                // every frame published to the ghost went after its last put: all counted as sent to a dead node
                assertThat(s.framesSentToDeadNode()).isEqualTo(s.framesSent());
                await().atMost(AWAIT).until(() -> dead.get() >= 1); // they really went out to its subject
                await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).doesNotContain(held));
                a.send(Packets.rqip(held));
                assertThat(((SimplePacket) a.receive(PacketType.RQIP)).bodyText()).startsWith("D:");
                assertThat(cluster.stats().fenced()).isZero();
            }
        }
    }

    private static java.util.List<Vip> gcl(RawClient c) {
        c.send(Packets.gclRequest());
        return Packets.parseVipList(((SimplePacket) c.receive(PacketType.GCL)).body());
    }
}
