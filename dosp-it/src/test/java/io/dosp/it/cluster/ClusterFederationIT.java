package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.PeerStatus;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.NatsServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Federation with a cluster (docs/cluster.md "Federation with a cluster"): a 2-node cluster A (nodes A1, A2, template
 * 10.1.0.x, one nats-server) and an independent server B of this project (10.2.0.x) linked to both nodes. B sees one
 * server behind two links: one route, no template clash; its clients reach the clients of both nodes by vIP both ways,
 * exactly once and in order, S2CF comes back across NATS and the links, and when one node's link goes the other node's
 * carries the cluster's template both ways (the linkless node's frames for B cross NATS to it), as it does when the node
 * B's route went through stops.
 */
class ClusterFederationIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final String A = "10.1.0.x";
    private static final String B = "10.2.0.x";
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static NatsServers nats;

    @TempDir
    Path tmp;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();
    private String clusterName;
    private DospServer a1;
    private DospServer a2;
    private DospServer b;

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
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A1 and A2 (one cluster, template 10.1.0.x, the mesh key) and B (10.2.0.x), B linked to both nodes. */
    private void startAndLink() {
        clusterName = "fed" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        a1 = node(0);
        a2 = node(1);
        b = DospServer.start(Mesh.config(tmp, 1).build()); // 10.2.0.x
        open.add(b);
        b.addPeer(at(a1));
        b.addPeer(at(a2));
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(b.peers()).hasSize(2).allSatisfy(p -> {
                assertThat(p.state()).isEqualTo("UP");
                assertThat(p.twoWay()).isTrue();
                assertThat(p.mode()).contains("node of cluster " + clusterName);
            });
            assertThat(routesTo(b, A)).hasSize(1);
            assertThat(routesTo(a1, B)).singleElement().satisfies(r -> assertThat(r.hops()).isEqualTo(1));
            assertThat(routesTo(a2, B)).singleElement().satisfies(r -> assertThat(r.hops()).isEqualTo(1));
        });
    }

    private DospServer node(int i) {
        NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(clusterName).nodeName("a" + (i + 1)).build();
        DospServer s = new DospServer(Mesh.config(tmp, 10 + i).template(A).build(), c).start();
        open.add(s);
        clusters.add(c);
        return s;
    }

    private static PeerSpec at(DospServer s) {
        return PeerSpec.of("127.0.0.1", s.port());
    }

    private static String key(DospServer s) {
        return "127.0.0.1:" + s.port();
    }

    private static List<RouteInfo> routesTo(DospServer s, String template) {
        return s.routes().stream().filter(r -> r.template().equals(template)).toList();
    }

    private DospClient client(DospServer s) {
        DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", s.port())
                .machineHash(String.format("%064x", open.size() + 1)).build());
        open.add(c);
        return c;
    }

    /** Waits until {@code viewer}'s node lists {@code vips} (the cluster's mirror on it caught up). */
    private static void awaitListed(DospClient viewer, Vip... vips) {
        await().atMost(AWAIT).untilAsserted(() -> assertThat(viewer.clients()).contains(vips));
    }

    /** {@code n} messages from {@code from} to {@code to} arrive once each, in order, with their SRC. */
    private static void exchange(DospClient from, DospClient to, int n) {
        for (int k = 0; k < n; k++) {
            from.send(to.vip(), from.vip() + " " + k);
        }
        for (int k = 0; k < n; k++) {
            Incoming in = to.receive(AWAIT);
            assertThat(in).as("message %d from %s at %s", k, from.vip(), to.vip()).isNotNull();
            assertThat(in.isS2c()).isTrue();
            assertThat(in.source()).contains(from.vip());
            assertThat(in.text()).isEqualTo(from.vip() + " " + k);
        }
        assertThat(to.receive(Duration.ofMillis(200))).as("no duplicates at %s", to.vip()).isNull();
    }

    private static List<ErrorReply> errors(DospClient c) {
        List<ErrorReply> errors = new CopyOnWriteArrayList<>();
        c.addListener(new ClientListener() {
            @Override
            public void onError(ErrorReply error) {
                errors.add(error);
            }
        });
        return errors;
    }

    private static void awaitS2cf(List<ErrorReply> errors, Vip dst) {
        await().atMost(AWAIT).untilAsserted(() -> assertThat(errors).anySatisfy(e -> {
            assertThat(e.code()).isEqualTo(ErrCode.S2CF);
            assertThat(e.failedDst()).contains(dst);
        }));
    }

    @Test
    void aServerLinkedToTwoNodesSeesOneServerAndReachesBothNodesClientsBothWaysExactlyOnceInOrder() {
        startAndLink();
        // One server behind two links: one route (through either node), both links listed as nodes of the cluster,
        // and the cluster's template is not advertised back into the cluster.
        RouteInfo route = routesTo(b, A).get(0);
        assertThat(route.hops()).isEqualTo(1);
        assertThat(route.via()).isIn(key(a1), key(a2));
        assertThat(b.peers()).extracting(PeerStatus::address).containsExactlyInAnyOrder(key(a1), key(a2));
        assertThat(routesTo(a1, A)).isEmpty();
        assertThat(routesTo(a2, A)).isEmpty();
        DospClient onA1 = client(a1);
        DospClient onA2 = client(a2);
        DospClient onB = client(b);
        awaitListed(onA1, onA2.vip());
        awaitListed(onA2, onA1.vip());
        int n = 200;
        exchange(onB, onA1, n); // one of these crosses NATS after the link (B's route goes through one node)
        exchange(onB, onA2, n);
        exchange(onA1, onB, n); // each node sends over its own link to B
        exchange(onA2, onB, n);
        exchange(onA1, onA2, 20); // and the cluster itself still works
        long crossed = clusters.stream().mapToLong(c -> c.stats().framesReceived()).sum();
        assertThat(crossed).as("B's frames for the node its route does not go through, and A1<->A2").isEqualTo(n + 20);
        assertThat(clusters).allSatisfy(c -> assertThat(c.stats().framesDiscarded()).isZero());
    }

    @Test
    void failuresComeBackAcrossTheLinksAndNats() throws Exception {
        startAndLink();
        DospClient onA1 = client(a1);
        DospClient onA2 = client(a2);
        DospClient onB = client(b);
        awaitListed(onA1, onA2.vip());
        awaitListed(onA2, onA1.vip());
        List<ErrorReply> atB = errors(onB);
        // Nobody holds it anywhere in the cluster: the node B's route goes through answers FWD_FAIL.
        Vip nobody = Vip.parse("10.1.0.200");
        onB.send(nobody, "to nobody");
        awaitS2cf(atB, nobody);
        // Claimed by a node in the registry with nobody behind it: the claim's node answers over NATS, the node the
        // route goes through passes it on as FWD_FAIL.
        boolean viaA1 = routesTo(b, A).get(0).via().equals(key(a1));
        NatsCluster far = clusters.get(viaA1 ? 1 : 0);
        Vip orphan = Vip.parse("10.1.0.201");
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url(0))) {
            nc.keyValue("dosp_" + clusterName + "_vip").create("ip." + orphan,
                    ("{\"node\":\"" + far.nodeId() + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        awaitListed(viaA1 ? onA1 : onA2, orphan);
        long returned = far.stats().failuresReturned();
        onB.send(orphan, "to an empty claim");
        awaitS2cf(atB, orphan);
        assertThat(far.stats().failuresReturned()).isEqualTo(returned + 1);
        // A client of the node B's route does not go through sends to nobody at B: B's FWD_FAIL for it goes back
        // through the route's node, which passes it to the client's node over NATS.
        DospClient sender = viaA1 ? onA2 : onA1;
        List<ErrorReply> atSender = errors(sender);
        Vip nobodyAtB = Vip.parse("10.2.0.222");
        sender.send(nobodyAtB, "to nobody at B");
        awaitS2cf(atSender, nobodyAtB);
        // Each failure was reported once, and nothing else reached B's client.
        assertThat(atB).extracting(e -> e.failedDst().orElseThrow()).containsExactlyInAnyOrder(nobody, orphan);
        assertThat(atSender).extracting(e -> e.failedDst().orElseThrow()).containsExactly(nobodyAtB);
        assertThat(onB.receive(AWAIT).type()).isEqualTo(PacketType.ERR);
        assertThat(onB.receive(AWAIT).type()).isEqualTo(PacketType.ERR);
        assertThat(onB.receive(Duration.ofMillis(200))).isNull();
    }

    @Test
    void whenOneNodesLinkGoesTheOtherNodeCarriesTrafficBothWays() {
        startAndLink();
        DospClient onA1 = client(a1);
        DospClient onA2 = client(a2);
        DospClient onB = client(b);
        awaitListed(onA1, onA2.vip());
        awaitListed(onA2, onA1.vip());
        exchange(onB, onA1, 20);
        // A1's link goes (B's route to the cluster may have gone through it): A2's carries the template now.
        assertThat(b.removePeer(key(a1))).isTrue();
        await().atMost(AWAIT).untilAsserted(() -> assertThat(routesTo(b, A)).singleElement()
                .satisfies(r -> assertThat(r.via()).isEqualTo(key(a2))));
        await().atMost(AWAIT).untilAsserted(() -> assertThat(routesTo(a1, B)).isEmpty());
        // B still reaches both nodes' clients: through A2, and from A2 over NATS to A1.
        exchange(onB, onA1, 50);
        exchange(onB, onA2, 50);
        exchange(onA2, onB, 50);
        // A1 has no link to B now: its client's frames for B cross NATS to A2, which has one.
        long atA2 = clusters.get(1).stats().framesReceived();
        exchange(onA1, onB, 50);
        assertThat(clusters.get(1).stats().framesReceived()).isGreaterThanOrEqualTo(atA2 + 50);
        // A template no node has a route to: S2CF at once.
        List<ErrorReply> atA1 = errors(onA1);
        Vip nowhere = Vip.parse("10.9.0.1");
        onA1.send(nowhere, "no route anywhere");
        awaitS2cf(atA1, nowhere);
        assertThat(onA1.receive(AWAIT).type()).isEqualTo(PacketType.ERR); // the same S2CF, as received
        // The link comes back: both nodes route to B again, B keeps one route.
        b.addPeer(at(a1));
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(routesTo(a1, B)).hasSize(1);
            assertThat(routesTo(b, A)).hasSize(1);
        });
        exchange(onA1, onB, 20);
        exchange(onB, onA1, 20);
    }

    @Test
    void aReferenceStylePeerConfiguredWithOneNodeReachesTheWholeCluster() {
        // B has no mesh key (as a reference server): it names one node with the cluster's template, and that node
        // names B with B's template. Plain S2C both ways over those links; the other node reaches B through it.
        clusterName = "ref" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        a1 = node(0);
        a2 = node(1);
        b = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).template(B)
                .access(x -> x.adminToken("admin-token-for-tests-0123").adminTokenFile(tmp.resolve("tb")))
                .federation(f -> f.peer(PeerSpec.of("127.0.0.1", a1.port(), VipTemplate.parse(A)))
                        .peerReconnect(Duration.ofMillis(50), Duration.ofMillis(500)))
                .build());
        open.add(b);
        a1.addPeer(PeerSpec.of("127.0.0.1", b.port(), VipTemplate.parse(B)));
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(b.peers()).singleElement().satisfies(p -> assertThat(p.state()).isEqualTo("UP"));
            assertThat(a1.peers()).anySatisfy(p -> {
                assertThat(p.state()).isEqualTo("UP");
                assertThat(p.extended()).isFalse();
            });
        });
        DospClient onA1 = client(a1);
        DospClient onA2 = client(a2);
        DospClient onB = client(b);
        awaitListed(onA1, onA2.vip());
        awaitListed(onA2, onA1.vip());
        exchange(onB, onA1, 20);
        exchange(onA1, onB, 20);
        exchange(onB, onA2, 20); // into A1, then over NATS to A2
        // A2 has no link: its frames for B cross NATS to A1 once A1's route list reached it.
        await().atMost(AWAIT).untilAsserted(() -> {
            onA2.send(onB.vip(), "probe");
            Incoming in = onB.receive(Duration.ofSeconds(1));
            assertThat(in).isNotNull();
            assertThat(in.text()).isEqualTo("probe");
        });
        while (onA2.receive(Duration.ofMillis(200)) != null) {
            // S2CF of probes sent before A1's list arrived
        }
        while (onB.receive(Duration.ofMillis(200)) != null) {
            // probes that arrived after the await's last look
        }
        exchange(onA2, onB, 20);
    }

    @Test
    void whenTheNodeBsRouteGoesThroughStopsTheOtherNodeCarriesTheTemplate() {
        startAndLink();
        DospServer first = routesTo(b, A).get(0).via().equals(key(a1)) ? a1 : a2;
        DospServer other = first == a1 ? a2 : a1;
        DospClient onOther = client(other);
        DospClient onB = client(b);
        exchange(onB, onOther, 10);
        first.close(); // its links go with it
        await().atMost(AWAIT).untilAsserted(() -> assertThat(routesTo(b, A)).singleElement()
                .satisfies(r -> assertThat(r.via()).isEqualTo(key(other))));
        exchange(onB, onOther, 50);
        exchange(onOther, onB, 50);
    }
}
