package io.dosp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.protocol.PeerSpec;
import io.dosp.server.DospServer;
import io.dosp.server.PeerStatus;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.TestTls;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Peer links over TLS: two servers whose ports serve TLS link with {@code tls://} and route S2C; untrusted fails. */
class FederationTlsIT {
    @TempDir
    static Path keys;
    @TempDir
    Path tmp;

    static TestTls tls;

    @BeforeAll
    static void certificate() {
        tls = TestTls.create(keys);
    }

    /** Server i of a mesh, its port serving TLS, its links made over TLS trusting {@code trust}. */
    private ServerConfig.Builder tlsServer(int i, SSLContext trust) {
        return Mesh.config(tmp, i).tls(t -> t.context(tls.server()))
                .federation(f -> f.linkTls(true).linkTlsContext(trust));
    }

    private static DospClient tlsClient(DospServer server, int n) {
        return DospClient.connect(ClientOptions.builder().server("127.0.0.1", server.port())
                .machineHash(String.format("%064x", n)).tls(t -> t.context(tls.trusting())).build());
    }

    private static boolean up(DospServer s) {
        return s.peers().stream().anyMatch(p -> p.state().equals("UP"));
    }

    @Test
    void twoServersLinkedOverTlsRouteS2cBothWays() {
        try (DospServer a = DospServer.start(tlsServer(0, tls.trusting()).build());
             DospServer b = DospServer.start(tlsServer(1, tls.trusting()).build());
             DospClient onA = tlsClient(a, 1);
             DospClient onB = tlsClient(b, 2)) {
            a.addPeer(PeerSpec.parse("tls://127.0.0.1:" + b.port()));
            await().atMost(Duration.ofSeconds(15)).until(() -> up(a) && up(b)); // b links back over TLS (linkTls)
            assertThat(a.peers()).singleElement().satisfies(p -> {
                assertThat(p.extended()).isTrue();
                assertThat(p.mode()).isEqualTo("mesh key proven, over TLS");
            });
            assertThat(b.peers()).singleElement().satisfies(p -> assertThat(p.mode()).endsWith("over TLS"));
            await().atMost(Duration.ofSeconds(15)).until(() -> a.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(1)))
                    && b.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(0))));
            onA.send(onB.vip(), "over a TLS link");
            assertThat(onB.receive(Duration.ofSeconds(10)).text()).isEqualTo("over a TLS link");
            onB.send(onA.vip(), "and back");
            assertThat(onA.receive(Duration.ofSeconds(10)).text()).isEqualTo("and back");
        }
    }

    @Test
    void aLinkToACertificateItDoesNotTrustFailsWithAClearStatus() {
        try (DospServer a = DospServer.start(tlsServer(0, tls.untrusting()).build());
             DospServer b = DospServer.start(tlsServer(1, tls.trusting()).build())) {
            a.addPeer(PeerSpec.parse("tls://127.0.0.1:" + b.port()));
            await().atMost(Duration.ofSeconds(15)).until(() -> a.peers().stream()
                    .anyMatch(p -> p.lastError().startsWith("TLS handshake failed: ")));
            PeerStatus s = a.peers().get(0);
            assertThat(s.state()).isNotEqualTo("UP");
            assertThat(s.extended()).isFalse();
            assertThat(s.lastError()).contains("federation.linkTlsContext");
            assertThat(b.peers()).as("no link back to a server that never linked").isEmpty();
            assertThat(b.routes()).isEmpty();
        }
    }

    @Test
    void aTlsLinkToAPortWithoutTlsFailsWithAClearStatus() {
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0).federation(f -> f.linkTlsContext(tls.trusting())).build());
             DospServer plain = DospServer.start(Mesh.config(tmp, 1).build())) {
            a.addPeer(PeerSpec.parse("tls://127.0.0.1:" + plain.port()));
            await().atMost(Duration.ofSeconds(15)).until(() -> a.peers().stream()
                    .anyMatch(p -> p.lastError().startsWith("TLS handshake failed: ")));
            assertThat(a.peers().get(0).lastError()).contains("the peer does not serve TLS on port " + plain.port());
            assertThat(plain.peers()).isEmpty();
        }
    }
}
