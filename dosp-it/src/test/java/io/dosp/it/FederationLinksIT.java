package io.dosp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Mesh;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Link setup: reference-style static peers, mesh key refusal, admin views. */
class FederationLinksIT {
    @TempDir
    Path tmp;

    @Test
    void aStaticPlainPeerWorksBothWays() {
        // B plays a reference peer: it has no mesh key, so it answers our HELLO with ERR UKNP (as the Python
        // server does for an unknown type), forwards plain S2C, and both sides know each other's template
        // only from configuration (host, port, template).
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0).build());
             DospServer b = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).template("10.3.0.x")
                     .access(access -> access.adminToken("admin-token-for-tests-0123").adminTokenFile(tmp.resolve("tb")))
                     .federation(f -> f.peer(PeerSpec.of("127.0.0.1", a.port(), VipTemplate.parse("10.1.0.x")))).build())) {
            a.addPeer(PeerSpec.of("127.0.0.1", b.port(), VipTemplate.parse("10.3.0.x")));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.peers().stream().anyMatch(p -> p.state().equals("UP")));
            await().atMost(Duration.ofSeconds(10)).until(() -> b.peers().stream().anyMatch(p -> p.state().equals("UP")));
            assertThat(a.peers()).singleElement().satisfies(p -> assertThat(p.extended()).isFalse());
            try (DospClient onA = client(a); DospClient onB = client(b)) {
                onA.send(onB.vip(), "a to b");
                Incoming in = onB.receive(Duration.ofSeconds(5));
                assertThat(in.text()).isEqualTo("a to b");
                assertThat(in.source()).contains(onA.vip()); // SRC kept across the plain link
                onB.send(onA.vip(), "b to a");
                Incoming back = onA.receive(Duration.ofSeconds(5));
                assertThat(back.text()).isEqualTo("b to a");
                assertThat(back.source()).contains(onB.vip());
            }
        }
    }

    @Test
    void aPeerWithTheWrongMeshKeyIsRefused() {
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0).build());
             DospServer intruder = DospServer.start(Mesh.config(tmp, 1).federation(f -> f.meshKey("a-different-mesh-key-999")).build())) {
            intruder.addPeer(PeerSpec.of("127.0.0.1", a.port()));
            await().atMost(Duration.ofSeconds(5)).until(() -> intruder.peers().stream()
                    .anyMatch(p -> p.lastError().contains("Peer authentication failed")
                            || p.lastError().contains("mesh key")));
            assertThat(a.peers()).isEmpty(); // no link back to it
            assertThat(a.routes()).isEmpty();
        }
    }

    @Test
    void adminSeesPeersAndRoutes() {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            mesh.link(0, 1);
            mesh.link(1, 2);
            mesh.awaitRoute(0, 2, 2);
            DospClient admin = mesh.client(0);
            admin.admin().authenticate("admin-token-for-tests-0123");
            String peers = admin.admin().command("peers");
            assertThat(peers).startsWith("1 peer link\n").contains("127.0.0.1:" + mesh.server(1).port())
                    .contains("UP").contains("mesh");
            String routes = admin.admin().command("routes");
            assertThat(routes).contains("own 10.1.0.x").contains("10.2.0.x  hops=1").contains("10.3.0.x  hops=2");
            assertThat(admin.admin().command("peer-add 127.0.0.1:" + mesh.server(2).port()))
                    .startsWith("Linking to peer");
            mesh.awaitRoute(0, 2, 1);
            assertThat(admin.admin().command("peer-remove 127.0.0.1:" + mesh.server(2).port()))
                    .startsWith("Removed peer");
        }
    }

    private static DospClient client(DospServer s) {
        return DospClient.connect(ClientOptions.builder().server("127.0.0.1", s.port()).machineHash("ab".repeat(32)).build());
    }
}
