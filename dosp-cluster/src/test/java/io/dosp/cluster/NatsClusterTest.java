package io.dosp.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.InvalidConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatsClusterTest {

    @Test
    void settingsAreValidatedAndNamedByField() {
        NatsCluster c = NatsCluster.builder().servers(List.of("nats://127.0.0.1:4222")).name("east-1").build();
        assertThat(c.servers()).containsExactly("nats://127.0.0.1:4222");
        assertThat(c.name()).isEqualTo("east-1");
        assertThat(c.nodeId()).as("not joined").isNull();
        assertThat(c.stats().claims()).isZero();
        assertThatThrownBy(() -> NatsCluster.builder().name("x").build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("cluster.servers"));
        assertThatThrownBy(() -> NatsCluster.builder().servers(List.of("http://h:1")).name("x").build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("cluster.servers"));
        assertThatThrownBy(() -> NatsCluster.builder().servers(List.of("nats://h:1")).name("a.b").build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("cluster.name"));
        assertThatThrownBy(() -> NatsCluster.builder().servers(List.of("nats://h:1")).name("a").nodeName("n>").build())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("cluster.node"));
        assertThatThrownBy(() -> NatsCluster.builder().servers(List.of("nats://h:1")).name("a").outgoingQueue(1).build())
                .isInstanceOfSatisfying(InvalidConfigException.class,
                        e -> assertThat(e.field()).isEqualTo("cluster.outgoingQueue"));
    }

    @Test
    void theAdvertisedAddressIsHostPortAndTheHandoverGraceNotNegative() {
        NatsCluster.Builder b = NatsCluster.builder().servers(List.of("nats://h:1")).name("a");
        assertThat(b.advertise("10.0.0.2:7744").build().advertisedAddress()).isEqualTo("10.0.0.2:7744");
        assertThat(b.advertise("[2001:db8::2]:7744").build().advertisedAddress()).isEqualTo("[2001:db8::2]:7744");
        assertThat(NatsCluster.builder().servers(List.of("nats://h:1")).name("a").build().advertisedAddress()).isNull();
        assertThat(b.advertise(null).build().drainTargets()).as("not joined").isEmpty();
        for (String bad : List.of("10.0.0.2", "10.0.0.2:0", "h:70000", "a b:1", "2001:db8::2:7744x")) {
            assertThatThrownBy(() -> NatsCluster.builder().servers(List.of("nats://h:1")).name("a").advertise(bad).build())
                    .as(bad).isInstanceOfSatisfying(InvalidConfigException.class,
                            e -> assertThat(e.field()).isEqualTo("cluster.advertise"));
        }
        assertThatThrownBy(() -> NatsCluster.builder().servers(List.of("nats://h:1")).name("a")
                .handoverGrace(java.time.Duration.ofSeconds(-1)).build())
                .isInstanceOfSatisfying(InvalidConfigException.class,
                        e -> assertThat(e.field()).isEqualTo("cluster.handoverGrace"));
    }
}
