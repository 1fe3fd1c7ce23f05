package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode on a real nats-server (JetStream): three DoSP nodes in this JVM, raw clients over TCP. Each test
 * uses a cluster name of its own (its own buckets and subjects) on one NATS server for the class.
 */
class ClusterIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.7.0.0/16");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static NatsServers nats;

    @TempDir
    Path tmp;
    private final List<DospServer> servers = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeAll
    static void startNats() {
        nats = NatsServers.single();
    }

    @AfterAll
    static void stopNats() {
        if (nats != null) {
            nats.close();
        }
    }

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
        servers.forEach(DospServer::close);
    }

    /** {@code n} nodes of one new cluster. */
    private void startNodes(int n) {
        String name = "it" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        for (int i = 0; i < n; i++) {
            NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n" + i).build();
            ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE)
                    .limits(l -> l.maxConnectionsPerAddress(1000)).build();
            DospServer s = new DospServer(config, c).start();
            servers.add(s);
            clusters.add(c);
        }
    }

    private RawClient client(int node) {
        RawClient c = RawClient.connect(servers.get(node).port());
        c.send(Packets.ping()); // a valid first packet (the first-packet timeout)
        c.receive(PacketType.PING);
        clients.add(c);
        return c;
    }

    private static List<Vip> gcl(RawClient c) {
        c.send(Packets.gclRequest());
        SimplePacket reply = (SimplePacket) c.receive(PacketType.GCL);
        return Packets.parseVipList(reply.body());
    }

    @Test
    void concurrentConnectsOnThreeNodesGetDistinctVips() throws Exception {
        startNodes(3);
        int perNode = 200;
        Set<Vip> vips = new HashSet<>();
        ExecutorService pool = Executors.newFixedThreadPool(48);
        try {
            List<CompletableFuture<RawClient>> connects = new ArrayList<>();
            for (int i = 0; i < perNode; i++) {
                for (int node = 0; node < 3; node++) {
                    int port = servers.get(node).port();
                    // PING: a valid first packet, or the server ends an idle newcomer after its first-packet timeout
                    connects.add(CompletableFuture.supplyAsync(() -> RawClient.connect(port).send(Packets.ping()), pool));
                }
            }
            for (CompletableFuture<RawClient> f : connects) {
                RawClient c = f.get(120, TimeUnit.SECONDS);
                clients.add(c);
                assertThat(TEMPLATE.isAssignable(c.vip())).as("%s in %s", c.vip(), TEMPLATE).isTrue();
                vips.add(c.vip());
            }
            assertThat(vips).hasSize(3 * perNode);
        } finally {
            pool.shutdownNow();
        }
        long claims = clusters.stream().mapToLong(c -> c.stats().claims()).sum();
        assertThat(claims).isEqualTo(3 * perNode);
        // GCL from any node lists every client of the cluster, once the mirrors have caught up.
        List<RawClient> viewers = List.of(client(0), client(1), client(2));
        for (RawClient viewer : viewers) {
            await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(viewer)).hasSize(3 * perNode + 3)
                    .containsAll(vips));
        }
    }

    @Test
    void rqipOfAVipHeldOnAnotherNodeIsRefusedAndOneOfTwoRacingClaimsWins() {
        startNodes(2);
        RawClient a = client(0);
        RawClient b = client(1);
        // b asks for a's vIP: held on the other node.
        b.send(Packets.rqip(a.vip()));
        assertThat(rqipReply(b)).isEqualTo("E:" + RqipReply.IN_USE);
        // Both ask for the same free vIP at once: exactly one gets it.
        Vip wanted = Vip.parse("10.7.200.9");
        a.send(Packets.rqip(wanted));
        b.send(Packets.rqip(wanted));
        String ra = rqipReply(a);
        String rb = rqipReply(b);
        assertThat(List.of(ra, rb)).filteredOn(r -> r.startsWith("D:")).hasSize(1);
        assertThat(List.of(ra, rb)).filteredOn(r -> r.equals("E:" + RqipReply.IN_USE)).hasSize(1);
        RawClient winner = ra.startsWith("D:") ? a : b;
        RawClient loser = winner == a ? b : a;
        Vip old = winner.vip();
        assertThat(Packets.parseAip(((SimplePacket) winner.receive(PacketType.AIP)).body())).isEqualTo(wanted);
        winner.vip(wanted);
        // The winner's old vIP is free cluster-wide: the loser (on either node) can have it.
        await().atMost(AWAIT).untilAsserted(() -> {
            loser.send(Packets.rqip(old));
            assertThat(rqipReply(loser)).startsWith("D:");
        });
        loser.receive(PacketType.AIP);
        loser.vip(old);
        // And S2C reaches the moved clients across nodes under their new vIPs.
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(loser)).contains(wanted, old));
        loser.send(Packets.s2c(wanted, "hi".getBytes(StandardCharsets.UTF_8)));
        S2cPacket got = (S2cPacket) winner.receive(PacketType.S2C);
        assertThat(got.src()).isEqualTo(old);
        assertThat(new String(got.data(), StandardCharsets.UTF_8)).isEqualTo("hi");
    }

    private static String rqipReply(RawClient c) {
        return ((SimplePacket) c.receive(PacketType.RQIP)).bodyText();
    }

    @Test
    void s2cBetweenNodesArrivesExactlyOnceAndInOrderBothWays() throws Exception {
        startNodes(2);
        RawClient a = client(0);
        RawClient b = client(1);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(b.vip()));
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(b)).contains(a.vip()));
        int n = 3000;
        // All frames in one write: the node reads them in a few batches and publishes them batched.
        a.sendRaw(numbered(b.vip(), n));
        b.sendRaw(numbered(a.vip(), n));
        expectNumbered(b, a.vip(), n);
        expectNumbered(a, b.vip(), n);
        assertThat(clusters.get(0).stats().framesSent()).isEqualTo(n);
        assertThat(clusters.get(1).stats().framesReceived()).isEqualTo(n);
        assertThat(clusters.get(1).stats().framesSent()).isEqualTo(n);
        assertThat(clusters.get(0).stats().framesReceived()).isEqualTo(n);
        assertThat(clusters.get(0).stats().batchesSent()).isLessThan(n); // batched
        assertThat(clusters.get(0).stats().framesDiscarded()).isZero();
        assertThat(clusters.get(1).stats().incomingDropped()).isZero();
    }

    private static byte[] numbered(Vip dst, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] body = ByteBuffer.allocate(12).putInt(dst.value()).putInt(0).putInt(i).array();
            out.writeBytes(io.dosp.testkit.Frames.frame(PacketType.S2C.code(), body));
        }
        return out.toByteArray();
    }

    private static void expectNumbered(RawClient to, Vip from, int n) {
        for (int i = 0; i < n; i++) {
            Packet p = to.receive(Duration.ofSeconds(30));
            assertThat(p).isInstanceOf(S2cPacket.class);
            S2cPacket s = (S2cPacket) p;
            assertThat(s.src()).isEqualTo(from);
            assertThat(ByteBuffer.wrap(s.data()).getInt()).as("frame %d", i).isEqualTo(i);
        }
    }

    @Test
    void s2cToAVipNobodyHoldsIsAnsweredWithS2cfOnAnyNode() {
        startNodes(2);
        RawClient a = client(0);
        RawClient b = client(1);
        Vip nobody = Vip.parse("10.7.99.99");
        a.send(Packets.s2c(nobody, new byte[] {1}));
        assertS2cf(a, nobody);
        // b's vIP, once b has left: the mirror forgets it and a's node answers at once.
        Vip gone = b.vip();
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(gone));
        b.close();
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).doesNotContain(gone));
        a.send(Packets.s2c(gone, new byte[] {2}));
        assertS2cf(a, gone);
    }

    private static void assertS2cf(RawClient c, Vip dst) {
        SimplePacket err = (SimplePacket) c.receive(PacketType.ERR);
        assertThat(err.body()[0]).isEqualTo((byte) ErrCode.S2CF.code());
        assertThat(Vip.fromBytes(err.body(), 1)).isEqualTo(dst);
    }

    @Test
    void s2cToAVipWhoseOwnerNodeHasNoHolderIsAnsweredByTheOwnerOverNats() throws Exception {
        startNodes(2);
        RawClient a = client(0);
        // A claim of node 1 with nobody behind it (as in the moment after its holder left, before the release is
        // seen): written straight into the registry, so node 0 routes to node 1, which must answer for it.
        Vip orphan = Vip.parse("10.7.250.1");
        String bucket = "dosp_" + clusters.get(1).name() + "_vip";
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url(0))) {
            nc.keyValue(bucket).create("ip." + orphan, ("{\"node\":\"" + clusters.get(1).nodeId() + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(a)).contains(orphan));
        a.send(Packets.s2c(orphan, new byte[] {7}));
        assertS2cf(a, orphan);
        assertThat(clusters.get(0).stats().framesSent()).isEqualTo(1);
        assertThat(clusters.get(1).stats().framesReceived()).isEqualTo(1);
        assertThat(clusters.get(1).stats().failuresReturned()).isEqualTo(1);
        assertThat(clusters.get(0).stats().failuresReceived()).isEqualTo(1);
    }

    @Test
    void s2cToAVipOfANodeWhoseLivenessKeyIsGoneIsAnsweredAtOnce() throws Exception {
        startNodes(1);
        RawClient a = client(0);
        String cluster = clusters.get(0).name();
        String ghost = "ghost-1-abcd";
        Vip held = Vip.parse("10.7.250.2");
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url(0))) {
            // A node that registered and claimed a vIP, then vanished without leaving (its key expires, or goes).
            io.nats.client.KeyValue nodes = nc.keyValue("dosp_" + cluster + "_nodes");
            nodes.put("node." + ghost, "{}".getBytes(StandardCharsets.UTF_8));
            nc.keyValue("dosp_" + cluster + "_vip").create("ip." + held,
                    ("{\"node\":\"" + ghost + "\"}").getBytes(StandardCharsets.UTF_8));
            await().atMost(AWAIT).untilAsserted(() -> assertThat(clusters.get(0).stats().liveNodes()).isEqualTo(2));
            nodes.delete("node." + ghost);
            await().atMost(AWAIT).untilAsserted(() -> assertThat(clusters.get(0).stats().liveNodes()).isEqualTo(1));
        }
        assertThat(gcl(a)).contains(held); // still claimed: nobody reclaims it yet (no janitor)
        a.send(Packets.s2c(held, new byte[] {9}));
        assertS2cf(a, held);
        assertThat(clusters.get(0).stats().framesSent()).isZero();
    }
}
