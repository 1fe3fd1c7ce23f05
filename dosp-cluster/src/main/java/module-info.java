/**
 * DoSP cluster mode: {@code io.dosp.cluster} is its API ({@code NatsCluster}, {@code ClusterStats}); N servers
 * share one template and one vIP space through NATS (JetStream KV for the vIP registry, core pub/sub for S2C
 * between nodes). {@code io.dosp.cluster.internal} stays inside the module.
 */
module io.dosp.cluster {
    requires transitive io.dosp.server;
    requires io.nats.jnats;
    requires com.fasterxml.jackson.databind;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;
    requires org.slf4j;

    exports io.dosp.cluster;
}
