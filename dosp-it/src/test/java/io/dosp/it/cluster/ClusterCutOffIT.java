package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TcpProxy;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One DoSP node cut off alone from NATS behind a {@link TcpProxy} while the others keep theirs: its vIPs are orphaned
 * by the janitor on the other side, then reclaimed; the cut node refuses new clients; healed, it registers again with
 * a new epoch and fences the session whose vIP was taken (EXIT "moved"), keeping the one it could claim again.
 */
class ClusterCutOffIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.9.0.0/16");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final AtomicInteger TAGS = new AtomicInteger();

    @TempDir
    Path tmp;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<DospServer> servers = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private static String clusterName() {
        return "cut" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
    }

    private void node(String name, int i, NatsCluster.Builder b) {
        NatsCluster c = b.name(name).nodeName("n" + i).reclaimGrace(Duration.ofSeconds(3)).build();
        ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE)
                .limits(l -> l.maxConnectionsPerAddress(1000)).build();
        DospServer s = new DospServer(config, c).start();
        closing.add(s::close);
        servers.add(s);
        clusters.add(c);
    }

    private RawClient client(int node) {
        RawClient c = RawClient.connect(servers.get(node).port());
        closing.add(c::close);
        c.send(Packets.ping()); // a valid first packet (the first-packet timeout)
        c.receive(PacketType.PING);
        return c;
    }

    private String refusal(int node) {
        RawClient c = RawClient.connectRaw(servers.get(node).port());
        closing.add(c::close);
        return c.expectExit();
    }

    private static List<Vip> gcl(RawClient c) {
        c.send(Packets.gclRequest());
        return Packets.parseVipList(((SimplePacket) c.receive(PacketType.GCL)).body());
    }

    /** Sends tagged S2C from {@code from} to {@code to} until one arrives (earlier ones may be lost or refused). */
    private static void s2cArrives(RawClient from, RawClient to) {
        await().atMost(AWAIT).ignoreExceptions().untilAsserted(() -> {
            byte[] tag = ("tag" + TAGS.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            from.send(Packets.s2c(to.vip(), tag));
            while (true) {
                Packet p = to.receive(Duration.ofSeconds(3));
                if (p instanceof S2cPacket s && Arrays.equals(s.data(), tag)) {
                    assertThat(s.src()).isEqualTo(from.vip());
                    return;
                }
            }
        });
    }

    private long sum(java.util.function.ToLongFunction<io.dosp.cluster.ClusterStats> f) {
        return clusters.stream().mapToLong(c -> f.applyAsLong(c.stats())).sum();
    }

    @Test
    void aNodeCutOffAloneLosesItsVipsToTheJanitorRefusesClientsAndFencesOnHeal() {
        NatsServers nats = NatsServers.single();
        closing.add(nats::close);
        TcpProxy proxy = TcpProxy.toUrl(nats.url(0));
        closing.add(proxy);
        String name = clusterName();
        node(name, 0, NatsCluster.builder().servers(nats.urls()));
        node(name, 1, NatsCluster.builder().servers(nats.urls()));
        node(name, 2, NatsCluster.builder().servers(List.of(proxy.natsUrl())).discoveredServers(false));
        RawClient a = client(0);
        RawClient taken = client(2);
        RawClient kept = client(2);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(taken.vip(), kept.vip()));
        s2cArrives(a, taken);

        proxy.cut();
        // The cut node stops admitting once its puts have failed for 2L/3 ...
        await().atMost(AWAIT).until(() -> !clusters.get(2).available());
        assertThat(refusal(2)).isEqualTo("cluster unavailable");
        // ... and the other side's janitor orphans its two vIPs after L, then frees them after the grace G.
        await().atMost(AWAIT).until(() -> sum(io.dosp.cluster.ClusterStats::orphaned) == 2);
        await().atMost(AWAIT).until(() -> sum(io.dosp.cluster.ClusterStats::reclaimed) == 2);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).doesNotContain(taken.vip(), kept.vip()));
        // A frame for a freed vIP is answered at once.
        a.send(Packets.s2c(kept.vip(), new byte[] {1}));
        SimplePacket err = (SimplePacket) a.receive(PacketType.ERR);
        assertThat(err.body()[0]).isEqualTo((byte) ErrCode.S2CF.code());
        // Another client takes one of them.
        RawClient thief = client(1);
        thief.send(Packets.rqip(taken.vip()));
        assertThat(((SimplePacket) thief.receive(PacketType.RQIP)).bodyText()).startsWith("D:");
        thief.receive(PacketType.AIP);
        thief.vip(taken.vip());

        proxy.heal();
        // The cut node registers again with a new epoch and fences the session whose vIP is someone else's now ...
        await().atMost(AWAIT).ignoreExceptions().until(() -> taken.expectExit().equals("moved"));
        await().atMost(AWAIT).until(() -> clusters.get(2).available());
        io.dosp.cluster.ClusterStats cut = clusters.get(2).stats();
        assertThat(cut.reRegistrations()).isGreaterThanOrEqualTo(1);
        assertThat(cut.fenced()).isEqualTo(1);
        // ... and claims the other one again (nobody took it), which keeps its session and its traffic.
        await().atMost(AWAIT).until(() -> clusters.get(2).stats().reclaimedOwn() == 1);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(kept.vip(), thief.vip()));
        s2cArrives(a, kept);
        s2cArrives(kept, thief);
        s2cArrives(a, thief);
        // and admits again
        assertThat(await().atMost(AWAIT).ignoreExceptions().until(() -> client(2), x -> x.vip() != null).vip())
                .isNotIn(kept.vip(), thief.vip());
    }
}
