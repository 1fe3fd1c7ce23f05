package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planned shutdown of a cluster node on a real nats-server: three DoSP nodes in this JVM, node A drains. Clients of
 * this project that only know A's address follow the reconnect hint to B or C (the other nodes' advertised
 * addresses, read from liveness), take their old vIPs back there with their resume secret and talk there; raw
 * (reference-like) clients get the drain EXIT; the draining node refuses newcomers; each drained vIP is marked
 * {@code moving} in the registry before its client's EXIT, and when A leaves none of its claims is left behind.
 */
class ClusterDrainIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.9.0.0/16");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static NatsServers nats;

    @TempDir
    Path tmp;
    private String name;
    private final List<DospServer> servers = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final List<String> resumeFailures = new java.util.concurrent.CopyOnWriteArrayList<>();

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
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        servers.forEach(DospServer::close);
    }

    private void startNodes(int n) {
        name = "drain" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        for (int i = 0; i < n; i++) {
            NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n" + i)
                    .handoverGrace(Duration.ofSeconds(2)).build();
            ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE)
                    .access(a -> a.adminToken(TestServers.TOKEN)).build();
            servers.add(new DospServer(config, c).start());
            clusters.add(c);
        }
    }

    private String addr(int node) {
        return "127.0.0.1:" + servers.get(node).port();
    }

    private DospClient javaClient(int node, int i) {
        ClientOptions options = TestServers.options(servers.get(node)).machineHash(String.format("%02x", 16 + i).repeat(32))
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(20), Duration.ofMillis(200))).build();
        DospClient c = DospClient.connect(options);
        c.addListener(new io.dosp.client.ClientListener() {
            @Override
            public void onResumeFailed(Vip previous, String reason) {
                resumeFailures.add(previous + ": " + reason);
            }
        });
        clients.add(c);
        return c;
    }

    private RawClient rawClient(int node) {
        RawClient c = RawClient.connect(servers.get(node).port());
        c.send(Packets.ping()); // a valid first packet (the first-packet timeout)
        c.receive(PacketType.PING);
        clients.add(c);
        return c;
    }

    private static String entryText(KeyValue kv, Vip vip) {
        try {
            KeyValueEntry e = kv.get("ip." + vip);
            return e == null || e.getValue() == null ? "no entry" : new String(e.getValue(), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static List<Vip> gcl(RawClient c) {
        c.send(Packets.gclRequest());
        return Packets.parseVipList(((SimplePacket) c.receive(PacketType.GCL)).body());
    }

    @Test
    void aDrainedNodeSendsItsClientsToTheOtherNodesAndLeavesNoClaimBehind() throws Exception {
        startNodes(3);
        DospServer a = servers.get(0);
        // Every node advertises its listener; A knows B and C as places to send its clients.
        assertThat(clusters.get(0).advertisedAddress()).isEqualTo(addr(0));
        await().atMost(AWAIT).untilAsserted(() -> assertThat(clusters.get(0).drainTargets())
                .containsExactlyInAnyOrder(addr(1), addr(2)));

        int n = 6;
        List<DospClient> movers = new ArrayList<>();
        Map<DospClient, Vip> before = new HashMap<>();
        for (int i = 0; i < n; i++) {
            DospClient c = javaClient(0, i);
            movers.add(c);
            before.put(c, c.vip());
        }
        RawClient reference = rawClient(0);
        Vip referenceVip = reference.vip();
        RawClient watcher = rawClient(1); // a client of B that talks to A's clients before and after
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(watcher)).containsAll(before.values()).contains(referenceVip));
        watcher.send(Packets.s2c(movers.get(0).vip(), "before".getBytes(StandardCharsets.UTF_8)));
        assertThat(movers.get(0).receive(Duration.ofSeconds(10)).text()).isEqualTo("before");

        // A client can resume only once it holds its resume token, which its node sends after storing the token's
        // hash in the vIP's entry: wait for every hash (the token then precedes the drain's EXIT on the same channel).
        try (Connection nc = Nats.connect(nats.urls().get(0))) {
            KeyValue vips = nc.keyValue("dosp_" + name + "_vip");
            await().atMost(AWAIT).until(() -> movers.stream().allMatch(c -> hasResumeHash(vips, before.get(c))));
        }

        int told = a.drain(Duration.ofMillis(600));
        assertThat(told).isEqualTo(n + 1);
        assertThat(a.draining()).isTrue();

        // A reference client reads the drain EXIT, whose hint names the other nodes only.
        String exit = reference.expectExit();
        assertThat(ServerExitReason.of(exit)).isEqualTo(ServerExitReason.DRAINING);
        assertThat(ServerExitReason.redirects(exit)).containsExactlyInAnyOrder(addr(1), addr(2));
        assertThat(reference.closedWithin(AWAIT)).isTrue();

        // A is marked draining in liveness (the contract's value), and the other nodes stop hinting to it.
        try (Connection nc = Nats.connect(nats.urls().get(0))) {
            KeyValue nodes = nc.keyValue("dosp_" + name + "_nodes");
            String aKey = "node." + clusters.get(0).nodeId();
            await().atMost(AWAIT).untilAsserted(() -> {
                JsonNode v = JSON.readTree(nodes.get(aKey).getValue());
                assertThat(v.get("draining").asBoolean()).isTrue();
                assertThat(v.get("addr").asText()).isEqualTo(addr(0));
                assertThat(v.get("epoch").asLong()).isPositive();
            });
            await().atMost(AWAIT).untilAsserted(() -> assertThat(clusters.get(1).drainTargets()).containsExactly(addr(2)));

            // Every client of this project follows the hint to B or C, both get some (the hint is rotated).
            Set<String> others = Set.of(addr(1), addr(2));
            await().atMost(AWAIT).until(() -> movers.stream().allMatch(c -> c.isConnected() && others.contains(c.server())));
            assertThat(movers.stream().map(DospClient::server).distinct()).containsExactlyInAnyOrderElementsOf(others);
            await().atMost(AWAIT).until(() -> a.clients().isEmpty());
            a.drained().get(30, java.util.concurrent.TimeUnit.SECONDS);

            // Each client of this project takes its old vIP back on its new node: A marked it moving before the
            // client's EXIT, the client proved its resume secret there, that node took the entry over (CAS).
            KeyValue vips = nc.keyValue("dosp_" + name + "_vip");
            String aId = clusters.get(0).nodeId();
            Set<String> otherIds = Set.of(clusters.get(1).nodeId(), clusters.get(2).nodeId());
            await().atMost(AWAIT).untilAsserted(() -> assertThat(clusters.get(0).handedOver())
                    .isEqualTo(movers.stream().filter(c -> c.vip().equals(before.get(c))).count()));
            int resumed = 0;
            for (DospClient c : movers) {
                Vip old = before.get(c);
                JsonNode v = JSON.readTree(vips.get("ip." + old).getValue());
                if (c.vip().equals(old)) {
                    resumed++;
                    assertThat(v.get("node").asText()).as("owner of %s", old).isIn(otherIds);
                    assertThat(v.get("state").asText()).isEqualTo("held");
                    assertThat(v.get("resume").asText()).as("a new resume hash").hasSize(64);
                } else {
                    assertThat(v.get("node").asText()).as("owner of %s (%s)", old, entryText(vips, old)).isEqualTo(aId);
                    assertThat(v.get("state").asText()).isEqualTo("moving");
                }
            }
            assertThat(resumed).as("clients back under their old vIP; resume failures %s", resumeFailures)
                    .isEqualTo(n);
            assertThat(movers.stream().map(DospClient::vip).distinct()).hasSize(n);
            // The reference client has no secret: its entry stays moving, owned by A, until A leaves.
            JsonNode ref = JSON.readTree(vips.get("ip." + referenceVip).getValue());
            assertThat(ref.get("node").asText()).isEqualTo(aId);
            assertThat(ref.get("state").asText()).isEqualTo("moving");

            // Newcomers are refused with the drain EXIT and counted.
            try (RawClient late = RawClient.connectRaw(a.port())) {
                String refusal = late.expectExit();
                assertThat(ServerExitReason.of(refusal)).isEqualTo(ServerExitReason.DRAINING);
                assertThat(ServerExitReason.redirects(refusal)).containsExactlyInAnyOrder(addr(1), addr(2));
            }
            assertThat(a.stats().drops(DropReason.DRAINING)).isGreaterThanOrEqualTo(1);

            // A drained vIP nobody holds any more is answered with S2CF, not swallowed.
            watcher.send(Packets.s2c(referenceVip, new byte[] {7}));
            SimplePacket err = (SimplePacket) watcher.receive(PacketType.ERR);
            assertThat(err.body()[0]).isEqualTo((byte) ErrCode.S2CF.code());
            assertThat(Vip.fromBytes(err.body(), 1)).isEqualTo(referenceVip);

            // Traffic to the moved clients works from another node and between them.
            await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(watcher))
                    .containsAll(movers.stream().map(DospClient::vip).toList()));
            for (DospClient c : movers) {
                watcher.send(Packets.s2c(c.vip(), ("after " + c.vip()).getBytes(StandardCharsets.UTF_8)));
            }
            for (DospClient c : movers) {
                Incoming in = c.receive(Duration.ofSeconds(10));
                assertThat(in.text()).isEqualTo("after " + c.vip());
                assertThat(in.source()).contains(watcher.vip());
            }
            DospClient x = movers.get(0);
            DospClient y = movers.get(n - 1);
            x.send(y.vip(), "between moved clients");
            assertThat(y.receive(Duration.ofSeconds(10)).text()).isEqualTo("between moved clients");

            // A leaves: none of its claims is left in the registry (moving ones it did not hand over are deleted).
            a.close();
            Set<String> owners = new HashSet<>();
            List<String> claimKeys = vips.keys().stream().filter(k -> k.startsWith("ip.")).toList(); // not cluster.id
            for (String key : claimKeys) {
                KeyValueEntry e = vips.get(key);
                if (e != null && e.getValue() != null) {
                    owners.add(JSON.readTree(e.getValue()).get("node").asText());
                }
            }
            assertThat(owners).doesNotContain(aId)
                    .allMatch(o -> o.equals(clusters.get(1).nodeId()) || o.equals(clusters.get(2).nodeId()));
            assertThat(claimKeys).hasSize(n + 1); // the moved clients and the watcher
        }

        // The reference client, reconnecting to the hinted node, gets a vIP there and is reachable.
        RawClient back = rawClient(1);
        assertThat(TEMPLATE.isAssignable(back.vip())).isTrue();
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(watcher)).contains(back.vip()));
        movers.get(1).send(back.vip(), "welcome back");
        S2cPacket got = (S2cPacket) back.receive(PacketType.S2C);
        assertThat(new String(got.data(), StandardCharsets.UTF_8)).isEqualTo("welcome back");
    }

    @Test
    void aPlannedShutdownWithoutDrainAlsoHintsTheOtherNodesAndTheClientKeepsItsVip() throws Exception {
        startNodes(2);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(clusters.get(0).drainTargets()).containsExactly(addr(1)));
        DospClient c = javaClient(0, 1);
        Vip old = c.vip();
        RawClient reference = rawClient(0);
        try (Connection nc = Nats.connect(nats.urls().get(0))) { // c holds its resume token (see the drain case)
            KeyValue vips = nc.keyValue("dosp_" + name + "_vip");
            await().atMost(AWAIT).until(() -> hasResumeHash(vips, old));
        }
        servers.get(0).close();
        assertThat(reference.expectExit()).isEqualTo(ServerExitReason.SHUTTING_DOWN.withRedirect(List.of(addr(1))));
        await().atMost(AWAIT).until(() -> c.isConnected() && c.server().equals(addr(1)) && c.vip().equals(old));
        RawClient other = rawClient(1);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(other)).contains(c.vip()));
        other.send(Packets.s2c(c.vip(), "still here".getBytes(StandardCharsets.UTF_8)));
        assertThat(c.receive(Duration.ofSeconds(10)).text()).isEqualTo("still here");
    }

    /** Whether the registry entry of {@code vip} holds a resume hash (its client was sent a resume token). */
    private static boolean hasResumeHash(KeyValue vips, Vip vip) {
        try {
            io.nats.client.api.KeyValueEntry e = vips.get("ip." + vip);
            return e != null && e.getValue() != null && JSON.readTree(e.getValue()).path("resume").asText().length() == 64;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the entry of " + vip, e);
        }
    }
}
