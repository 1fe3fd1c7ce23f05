package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Backoff;
import io.dosp.protocol.PeerSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FederationConfigTest {
    private static final String KEY = "a long shared secret";

    @Test
    void defaultsAreTheDocumentedConstantsAndFederationIsOff() {
        FederationConfig f = FederationConfig.defaults();
        assertThat(f.enabled()).isFalse();
        assertThat(f.peers()).isEmpty();
        assertThat(f.meshKey()).isNull();
        assertThat(f.advertisedHost()).isNull();
        assertThat(f.maxHops()).isEqualTo(FederationConfig.DEFAULT_MAX_HOPS).isEqualTo(16);
        assertThat(f.maxRoutes()).isEqualTo(FederationConfig.DEFAULT_MAX_ROUTES).isEqualTo(1024);
        assertThat(f.peerHeartbeat()).isEqualTo(FederationConfig.DEFAULT_PEER_HEARTBEAT).isEqualTo(Duration.ofSeconds(5));
        assertThat(f.peerHeartbeatMisses()).isEqualTo(FederationConfig.DEFAULT_PEER_HEARTBEAT_MISSES).isEqualTo(3);
        assertThat(f.peerReconnect()).isEqualTo(FederationConfig.DEFAULT_PEER_RECONNECT)
                .isEqualTo(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30)));
        assertThat(f.peerQueueBytes()).isEqualTo(FederationConfig.DEFAULT_PEER_QUEUE_BYTES).isEqualTo(16 << 20);
        assertThat(f.reachable()).isEqualTo(FederationConfig.DEFAULT_REACHABLE).isTrue();
        assertThat(f.maxIncomingLinks()).isEqualTo(FederationConfig.DEFAULT_MAX_INCOMING_LINKS).isEqualTo(64);
    }

    @Test
    void peersOrAMeshKeyTurnFederationOn() {
        assertThat(FederationConfig.builder().meshKey(KEY).build().enabled()).isTrue();
        assertThat(FederationConfig.builder().peer(PeerSpec.of("h", 1)).build().enabled()).isTrue();
    }

    @Test
    void everyRuleNamesItsField() {
        assertThat(fieldOf(() -> FederationConfig.builder().meshKey("short").build())).isEqualTo("federation.meshKey");
        assertThat(fieldOf(() -> FederationConfig.builder().maxHops(0).build())).isEqualTo("federation.maxHops");
        assertThat(fieldOf(() -> FederationConfig.builder().maxHops(256).build())).isEqualTo("federation.maxHops");
        assertThat(fieldOf(() -> FederationConfig.builder().maxRoutes(0).build())).isEqualTo("federation.maxRoutes");
        assertThat(fieldOf(() -> FederationConfig.builder().peerHeartbeat(Duration.ZERO, 3).build()))
                .isEqualTo("federation.peerHeartbeat");
        assertThat(fieldOf(() -> FederationConfig.builder().peerHeartbeat(Duration.ofSeconds(1), 0).build()))
                .isEqualTo("federation.peerHeartbeatMisses");
        assertThat(fieldOf(() -> FederationConfig.builder().peerReconnect(Duration.ZERO, Duration.ofSeconds(1)).build()))
                .isEqualTo("federation.peerReconnect");
        assertThat(fieldOf(() -> FederationConfig.builder().peerReconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)).build()))
                .isEqualTo("federation.peerReconnect");
        assertThat(fieldOf(() -> FederationConfig.builder().peerReconnect(Duration.ofSeconds(2), null).build()))
                .isEqualTo("federation.peerReconnect");
        assertThat(fieldOf(() -> FederationConfig.builder().maxIncomingLinks(-1).build()))
                .isEqualTo("federation.maxIncomingLinks");
        assertThat(fieldOf(() -> FederationConfig.builder().reachable(false).build())).isEqualTo("federation.reachable");
        assertThat(FederationConfig.builder().reachable(false).meshKey(KEY).build().reachable()).isFalse();
    }

    @Test
    void peersReplacesAndPeerAdds() {
        PeerSpec a = PeerSpec.of("a", 1);
        PeerSpec b = PeerSpec.of("b", 2);
        assertThat(FederationConfig.builder().peer(a).peers(List.of(b)).peer(a).build().peers()).containsExactly(b, a);
    }

    @Test
    void toBuilderRoundTrips() {
        FederationConfig f = FederationConfig.builder().peer(PeerSpec.parse("[::1]:7745")).meshKey(KEY).advertisedHost("me")
                .maxHops(3).maxRoutes(9).peerHeartbeat(Duration.ofSeconds(1), 5)
                .peerReconnect(new Backoff(Duration.ofMillis(50), Duration.ofMillis(500))).peerQueueBytes(1 << 21)
                .reachable(false).maxIncomingLinks(7).build();
        assertThat(f.toBuilder().build()).usingRecursiveComparison().isEqualTo(f);
        assertThat(f.toBuilder().peer(PeerSpec.of("b", 2)).build().peers()).hasSize(2);
        assertThat(f.peers()).hasSize(1);
    }
}
