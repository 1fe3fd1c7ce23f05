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
}
