package io.dosp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.PeerStatus;
import io.dosp.server.ServerListener;
import io.dosp.testkit.Mesh;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Several servers over real TCP: line, ring and full mesh; failover; tunnels across hops; misconfiguration. */
class FederationIT {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"line", "ring", "mesh"})
    void everyClientReachesEveryOtherExactlyOnceInOrder(String topology) {
        int n = topology.equals("line") ? 4 : topology.equals("ring") ? 5 : 4;
        try (Mesh mesh = new Mesh(tmp, n)) {
            for (int i = 0; i + 1 < n; i++) {
                mesh.link(i, i + 1);
            }
            if (topology.equals("ring")) {
                mesh.link(n - 1, 0);
            }
            if (topology.equals("mesh")) {
                for (int i = 0; i < n; i++) {
                    for (int j = i + 2; j < n; j++) {
                        mesh.link(i, j);
                    }
                }
            }
            mesh.awaitFullRoutes();
            if (topology.equals("line")) {
                mesh.awaitRoute(0, n - 1, n - 1);
            }
            List<DospClient> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(mesh.client(i));
                clients.add(mesh.client(i));
            }
            int perPair = 20;
            for (DospClient from : clients) {
                for (DospClient to : clients) {
                    if (from != to) {
                        for (int k = 0; k < perPair; k++) {
                            from.send(to.vip(), from.vip() + " " + k);
                        }
                    }
                }
            }
            for (DospClient to : clients) {
                Map<Vip, Integer> next = new HashMap<>();
                int expected = (clients.size() - 1) * perPair;
                for (int m = 0; m < expected; m++) {
                    Incoming in = to.receive(Duration.ofSeconds(10));
                    assertThat(in).as("message %d of %d at %s (%s)", m, expected, to.vip(), topology).isNotNull();
                    assertThat(in.isS2c()).isTrue();
                    Vip src = in.source().orElseThrow();
                    int k = Integer.parseInt(in.text().substring(in.text().indexOf(' ') + 1));
                    assertThat(in.text()).startsWith(src + " ");
                    assertThat(k).as("in order from %s", src).isEqualTo(next.getOrDefault(src, 0));
                    next.put(src, k + 1);
                }
                assertThat(to.receive(Duration.ofMillis(50))).as("no duplicates at %s", to.vip()).isNull();
            }
        }
    }

    @Test
    void tunnelAcrossThreeHopsAndTheMiddleServerSeesOnlyCiphertext() {
        try (Mesh mesh = new Mesh(tmp, 4)) {
            List<byte[]> seenInTheMiddle = new CopyOnWriteArrayList<>();
            for (int s = 1; s <= 2; s++) {
                mesh.server(s).addListener(new ServerListener() {
                    @Override
                    public boolean onPacket(ConnectedClient client, Packet packet) {
                        if (packet instanceof SimplePacket p && p.typeCode() == 0xF4) {
                            seenInTheMiddle.add(p.body());
                        }
                        return false;
                    }
                });
            }
            mesh.link(0, 1);
            mesh.link(1, 2);
            mesh.link(2, 3);
            mesh.awaitRoute(0, 3, 3);
            mesh.awaitRoute(3, 0, 3);
            DospClient a = mesh.client(0);
            DospClient d = mesh.client(3);
            a.openTunnel(d.vip());
            for (int i = 0; i < 100; i++) {
                a.send(d.vip(), "top secret " + i);
            }
            for (int i = 0; i < 100; i++) {
                Incoming in = d.receive(Duration.ofSeconds(5));
                assertThat(in.tunneled()).isTrue();
                assertThat(in.text()).isEqualTo("top secret " + i);
            }
            assertThat(seenInTheMiddle).hasSizeGreaterThan(100);
            byte[] marker = "top secret".getBytes(StandardCharsets.UTF_8);
            for (byte[] b : seenInTheMiddle) {
                assertThat(new String(b, StandardCharsets.ISO_8859_1))
                        .doesNotContain(new String(marker, StandardCharsets.ISO_8859_1));
            }
        }
    }

    @Test
    void ringFailsOverWhenALinkIsCutAndComesBackWhenRestored() throws Exception {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            mesh.link(0, 1);
            mesh.link(1, 2);
            mesh.link(2, 0);
            mesh.awaitFullRoutes();
            mesh.awaitRoute(0, 2, 1);
            DospClient a = mesh.client(0);
            DospClient c = mesh.client(2);
            AtomicInteger failures = new AtomicInteger();
            a.addListener(new ClientListener() {
                @Override
                public void onError(ErrorReply error) {
                    if (error.code() == ErrCode.S2CF) {
                        failures.incrementAndGet();
                    }
                }
            });
            // Traffic keeps flowing while the direct link A-C is cut and restored.
            int sent = 0;
            for (int phase = 0; phase < 3; phase++) {
                if (phase == 1) {
                    mesh.unlink(0, 2);
                    mesh.awaitRoute(0, 2, 2); // through B now
                    mesh.awaitRoute(2, 0, 2);
                }
                if (phase == 2) {
                    mesh.link(0, 2);
                    mesh.awaitRoute(0, 2, 1); // direct again
                    mesh.awaitRoute(2, 0, 1);
                }
                for (int i = 0; i < 200; i++) {
                    a.send(c.vip(), "m" + sent++);
                }
            }
            // Every message arrives exactly once unless its sender was told S2CF; none loops or repeats. (Order is
            // kept on a stable path; messages still in flight when the route changes may be overtaken by ones
            // sent on the new path, as README "Federation" says.)
            int received = 0;
            Set<Integer> seen = new HashSet<>();
            Incoming in;
            while ((in = c.receive(Duration.ofSeconds(2))) != null) {
                int k = Integer.parseInt(in.text().substring(1));
                assertThat(seen.add(k)).as("message m%d delivered twice", k).isTrue();
                received++;
            }
            int failed = failures.get();
            assertThat(received + failed).isEqualTo(sent);
            assertThat(received).as("delivered after failover and after restore").isGreaterThanOrEqualTo(400);
        }
    }

    @Test
    void misconfigurationsAreLoggedAndHarmless() throws Exception {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            // A peer pointing at the server itself (under two spellings): ignored.
            mesh.server(0).addPeer(PeerSpec.of("127.0.0.1", mesh.server(0).port()));
            mesh.server(0).addPeer(PeerSpec.of("localhost", mesh.server(0).port()));
            assertThat(mesh.server(0).peers()).isEmpty();
            // A peer pointing at a closed port: the link keeps retrying with backoff, nothing breaks.
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            mesh.server(0).addPeer(PeerSpec.of("127.0.0.1", closed));
            await().atMost(Duration.ofSeconds(5)).until(() -> mesh.server(0).peers().stream()
                    .anyMatch(p -> p.address().endsWith(":" + closed) && p.reconnects() >= 2
                            && p.lastError().contains("connect failed")));
            // Two servers claiming the same template: the first owner wins, the other is ignored.
            try (DospServer clash = DospServer.start(Mesh.config(tmp, 5)
                    .template(Mesh.template(1)).build())) {
                mesh.link(0, 1);
                mesh.awaitRoute(0, 1, 1);
                mesh.server(0).addPeer(PeerSpec.of("127.0.0.1", clash.port()));
                await().atMost(Duration.ofSeconds(5)).until(() -> mesh.server(0).peers().stream()
                        .filter(p -> p.address().endsWith(":" + clash.port())).anyMatch(p -> p.state().equals("UP")));
                String firstOwner = "127.0.0.1:" + mesh.server(1).port();
                // No routing storm: advertisements settle; the route stays with the first owner.
                for (int i = 0; i < 10; i++) {
                    assertThat(mesh.server(0).routes()).filteredOn(r -> r.template().equals(Mesh.template(1)))
                            .singleElement().satisfies(r -> assertThat(r.via()).isEqualTo(firstOwner));
                }
                DospClient a = mesh.client(0);
                DospClient b = mesh.client(1);
                a.send(b.vip(), "to the first owner");
                assertThat(b.receive(Duration.ofSeconds(5)).text()).isEqualTo("to the first owner");
            }
            PeerStatus up = mesh.server(0).peers().stream().filter(p -> p.state().equals("UP")).findFirst().orElseThrow();
            assertThat(up.extended()).isTrue();
        }
    }

    @Test
    void emptyReferenceAdvertisementIsAcceptedAndMalformedOneGetsSdf() {
        try (Mesh mesh = new Mesh(tmp, 1)) {
            DospClient c = mesh.client(0);
            c.send(Packets.of(PacketType.SD.code(), new byte[] {1, 0})); // the reference's always-empty SD
            assertThat(c.ping()).isPositive();
            assertThat(c.receive(Duration.ofMillis(100))).isNull();
            c.send(Packets.of(PacketType.SD.code(), new byte[] {1, 3, 9}));
            Incoming err = c.receive(Duration.ofSeconds(5));
            assertThat(ErrorReply.parse(((SimplePacket) err.packet()).body()).code()).isEqualTo(ErrCode.SDF);
            assertThat(c.ping()).isPositive();
        }
    }

    @Test
    void undeliverableAcrossServersGivesTheSenderS2cf() {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            mesh.link(0, 1);
            mesh.link(1, 2);
            mesh.awaitRoute(0, 2, 2);
            DospClient a = mesh.client(0);
            List<ErrorReply> errors = new CopyOnWriteArrayList<>();
            a.addListener(new ClientListener() {
                @Override
                public void onError(ErrorReply error) {
                    errors.add(error);
                }
            });
            Vip nobody = Vip.parse("10.3.0.77"); // in C's template, but nobody holds it
            a.send(nobody, "anyone?");
            await().atMost(Duration.ofSeconds(5)).until(() -> !errors.isEmpty());
            assertThat(errors.get(0).code()).isEqualTo(ErrCode.S2CF);
            assertThat(errors.get(0).failedDst()).contains(nobody);
            Vip noTemplate = Vip.parse("10.9.0.5"); // no server owns it
            a.send(noTemplate, "anyone?");
            await().atMost(Duration.ofSeconds(5)).until(() -> errors.size() == 2);
            assertThat(errors.get(1).failedDst()).contains(noTemplate);
        }
    }
}
