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
 * Partitions of a cluster on real nats-servers: NATS servers killed under a 3-server NATS cluster (1 of 3: nothing
 * changes for clients; 2 of 3: the nodes keep their sessions and route, refuse new clients; back: admitted again, and
 * nothing orphaned by the outage), and one DoSP node cut off alone behind a {@link TcpProxy} (its vIPs orphaned by the
 * janitor on the other side, then reclaimed; the cut node refuses new clients; healed, it registers again and fences
 * the sessions whose vIPs were taken, keeping the one it could claim again).
 */
class ClusterPartitionIT {
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
        return "part" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
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
    void oneOfThreeNatsServersDownChangesNothingTwoDownRefusesNewClientsButKeepsRoutingAndBackAdmitsAgain() {
        NatsServers nats = NatsServers.cluster(3);
        closing.add(nats::close);
        String name = clusterName();
        for (int i = 0; i < 3; i++) {
            // each node on its own NATS server (the others found by discovery), buckets on all three
            node(name, i, NatsCluster.builder().servers(List.of(nats.url(i))).replicas(3));
        }
        RawClient a = client(0);
        RawClient b = client(1);
        RawClient c = client(2);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(b.vip(), c.vip()));
        s2cArrives(a, c);

        // 1 of 3 down: node 2's server. Node 2 reconnects to another; KV keeps its quorum.
        nats.kill(2);
        s2cArrives(a, b);
        s2cArrives(a, c);
        s2cArrives(c, a);
        await().atMost(AWAIT).ignoreExceptions().until(() -> client(2).vip() != null);
        assertThat(clusters).allMatch(NatsCluster::available);

        // 2 of 3 down: only node 0's server is left; KV has no quorum, core pub/sub still works.
        nats.kill(1);
        await().atMost(AWAIT).until(() -> clusters.stream().noneMatch(NatsCluster::available));
        assertThat(refusal(0)).isEqualTo("cluster unavailable");
        assertThat(refusal(1)).isEqualTo("cluster unavailable");
        s2cArrives(a, b); // existing sessions keep routing from the mirrors
        s2cArrives(b, c);
        s2cArrives(c, a);
        assertThat(sum(io.dosp.cluster.ClusterStats::refusedUnavailable)).isGreaterThanOrEqualTo(2);

        // Back: writable again, admitted again, and nobody's vIP orphaned by the outage.
        nats.restart(1);
        nats.restart(2);
        await().atMost(AWAIT).until(() -> clusters.stream().allMatch(NatsCluster::available));
        RawClient d = await().atMost(AWAIT).ignoreExceptions().until(() -> client(1), x -> x.vip() != null);
        long runs = sum(io.dosp.cluster.ClusterStats::janitorRuns);
        // the janitor has looked at the registry again after its quiet period (a full L after regaining quorum)
        await().atMost(AWAIT).until(() -> sum(io.dosp.cluster.ClusterStats::janitorRuns) >= runs + 3);
        assertThat(sum(io.dosp.cluster.ClusterStats::orphaned)).isZero();
        assertThat(sum(io.dosp.cluster.ClusterStats::fenced)).isZero();
        assertThat(gcl(d)).contains(a.vip(), b.vip(), c.vip());
        s2cArrives(d, a);
        s2cArrives(a, c);
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
