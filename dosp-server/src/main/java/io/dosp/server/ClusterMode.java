package io.dosp.server;

/**
 * A cluster this server joins as one of its nodes: the nodes share one template and one vIP space, and S2C
 * crosses between them. A marker for {@link DospServer#DospServer(ServerConfig, ClusterMode)}; the one
 * implementation is the {@code dosp-cluster} module's {@code io.dosp.cluster.NatsCluster} (NATS core pub/sub
 * and JetStream KV). A server without one is a single server, as always.
 */
public interface ClusterMode {
}
