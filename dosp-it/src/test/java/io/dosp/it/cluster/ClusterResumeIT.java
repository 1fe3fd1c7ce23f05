package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Resume;
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
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resume feature on real nodes and a real nats-server: raw clients speak its frames byte for byte (HELLO with
 * {@code resume}, TOKEN, RESUME, OK/FAILED), and registry entries of a node that vanished are written straight into
 * the KV bucket, so each take-over rule (orphan, moving, held by a node that is not live; a bad secret; a live
 * holder) is checked without a kill ({@link ClusterNodeLossIT} kills).
 */
class ClusterResumeIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.8.0.0/16");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
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

    private void startNodes(int n) {
        String name = "rs" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        for (int i = 0; i < n; i++) {
            NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n" + i).build();
            ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE).build();
            servers.add(new DospServer(config, c).start());
            clusters.add(c);
        }
    }

    private KeyValue registry(Connection nc) throws Exception {
        return nc.keyValue("dosp_" + clusters.get(0).name() + "_vip");
    }

    /** A raw client of node {@code node} that enabled {@code resume}; returns it with the token it was given. */
    private RawClient resumable(int node, Resume.Token[] token) {
        RawClient c = RawClient.connect(servers.get(node).port());
        clients.add(c);
        c.send(Ext.hello(List.of(Ext.FEATURE_RESUME)));
        SimplePacket welcome = (SimplePacket) c.receive(PacketType.EXT);
        assertThat(Ext.features(welcome)).containsExactly(Ext.FEATURE_RESUME);
        token[0] = Resume.Token.parse((SimplePacket) c.receive(PacketType.EXT));
        assertThat(token[0].vip()).isEqualTo(c.vip());
        return c;
    }

    private static SimplePacket resume(RawClient c, Vip vip, byte[] secret) {
        c.send(new Resume.Token(vip, secret).toFrame(Resume.RESUME));
        return (SimplePacket) c.receive(PacketType.EXT);
    }

    private static JsonNode entry(KeyValue kv, Vip vip) throws Exception {
        KeyValueEntry e = kv.get("ip." + vip);
        return e == null || e.getValue() == null ? null : JSON.readTree(e.getValue());
    }

    @Test
    void aTokenIsGivenAfterHelloItsHashIsInTheEntryAndAnRqipGetsANewOne() throws Exception {
        startNodes(1);
        Resume.Token[] token = new Resume.Token[1];
        RawClient x = resumable(0, token);
        try (Connection nc = Nats.connect(nats.url(0))) {
            KeyValue kv = registry(nc);
            JsonNode e = entry(kv, x.vip());
            assertThat(e.get("node").asText()).isEqualTo(clusters.get(0).nodeId());
            assertThat(e.get("state").asText()).isEqualTo("held");
            assertThat(e.get("resume").asText()).isEqualTo(Resume.hashHex(token[0].secret()));
            Vip wanted = Vip.parse("10.8.44.44");
            x.send(Packets.rqip(wanted));
            assertThat(((SimplePacket) x.receive(PacketType.RQIP)).bodyText()).startsWith("D:");
            Resume.Token moved = Resume.Token.parse((SimplePacket) x.receive(PacketType.EXT));
            assertThat(moved.vip()).isEqualTo(wanted);
            assertThat(entry(kv, wanted).get("resume").asText()).isEqualTo(Resume.hashHex(moved.secret()));
        }
        // A client without HELLO (a reference client) never gets a resume frame: its next packet answers its request.
        RawClient ref = RawClient.connect(servers.get(0).port());
        clients.add(ref);
        ref.send(Packets.ping());
        assertThat(ref.receive().type()).isEqualTo(PacketType.PING);
    }

    @Test
    void aBadSecretOrALiveHolderIsRefusedAndTheRightSecretTakesOverOrphanMovingAndDeadHolders() throws Exception {
        startNodes(2);
        Resume.Token[] held = new Resume.Token[1];
        RawClient x = resumable(0, held);
        Resume.Token[] mine = new Resume.Token[1];
        RawClient y = resumable(1, mine);
        byte[] wrong = held[0].secret();
        wrong[0] ^= 1;
        Resume.Failed bad = Resume.Failed.parse(resume(y, x.vip(), wrong));
        assertThat(bad.reason()).isEqualTo(Resume.Failed.BAD_SECRET);
        Resume.Failed live = Resume.Failed.parse(resume(y, x.vip(), held[0].secret()));
        assertThat(live.reason()).isEqualTo(Resume.Failed.HELD);
        assertThat(live.retryable()).isTrue();

        // Entries of a node that is gone, each with the hash of a known secret: orphan, moving, held (no liveness key).
        byte[] secret = Resume.newSecret();
        String hash = Resume.hashHex(secret);
        List<Vip> vips = List.of(Vip.parse("10.8.250.1"), Vip.parse("10.8.250.2"), Vip.parse("10.8.250.3"));
        List<String> states = List.of("orphan", "moving", "held");
        try (Connection nc = Nats.connect(nats.url(0))) {
            KeyValue kv = registry(nc);
            for (int i = 0; i < 3; i++) {
                kv.create("ip." + vips.get(i), ("{\"node\":\"ghost-1-abcd\",\"epoch\":1,\"since\":1,\"state\":\""
                        + states.get(i) + "\",\"resume\":\"" + hash + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            Vip interim = y.vip();
            Vip last = interim;
            for (Vip v : vips) {
                RawClient z = resumable(1, new Resume.Token[1]);
                Vip before = z.vip();
                z.send(new Resume.Token(v, secret).toFrame(Resume.RESUME));
                Packet aip = z.receive(PacketType.AIP);
                assertThat(Packets.parseAip(((SimplePacket) aip).body())).isEqualTo(v);
                Resume.Token next = Resume.Token.parse((SimplePacket) z.receive(PacketType.EXT));
                assertThat(next.vip()).isEqualTo(v);
                assertThat(next.secret()).isNotEqualTo(secret);
                JsonNode e = entry(kv, v);
                assertThat(e.get("node").asText()).isEqualTo(clusters.get(1).nodeId());
                assertThat(e.get("state").asText()).isEqualTo("held");
                assertThat(e.get("resume").asText()).isEqualTo(Resume.hashHex(next.secret()));
                // The interim vIP is released cluster-wide.
                await().atMost(AWAIT).until(() -> kv.get("ip." + before) == null);
                last = v;
            }
            assertThat(last).isEqualTo(vips.get(2));
            assertThat(clusters.get(1).takeOvers()).isEqualTo(3);
            // A vIP another connection of this node holds: "held" (it may be the asker's own old connection).
            Resume.Failed again = Resume.Failed.parse(resume(y, vips.get(0), secret));
            assertThat(again.reason()).isEqualTo(Resume.Failed.HELD);
            // The old secret on another node: the entry's hash is the new one now.
            RawClient w = resumable(0, new Resume.Token[1]);
            assertThat(Resume.Failed.parse(resume(w, vips.get(0), secret)).reason()).isEqualTo(Resume.Failed.BAD_SECRET);
        }
    }

    @Test
    void aVipWhoseNodeLeftCleanlyIsClaimedAfreshWithTheSecret() throws Exception {
        startNodes(2);
        Resume.Token[] token = new Resume.Token[1];
        RawClient x = resumable(0, token);
        Vip old = x.vip();
        servers.get(0).close(); // a clean leave: its claims are deleted
        try (Connection nc = Nats.connect(nats.url(0))) {
            KeyValue kv = registry(nc);
            await().atMost(AWAIT).until(() -> kv.get("ip." + old) == null);
            RawClient y = resumable(1, new Resume.Token[1]);
            y.send(token[0].toFrame(Resume.RESUME));
            assertThat(Packets.parseAip(((SimplePacket) y.receive(PacketType.AIP)).body())).isEqualTo(old);
            Resume.Token next = Resume.Token.parse((SimplePacket) y.receive(PacketType.EXT));
            assertThat(entry(kv, old).get("resume").asText()).isEqualTo(Resume.hashHex(next.secret()));
        }
    }
}
