package io.dosp.cli.config;

import io.dosp.cluster.NatsCluster;
import io.dosp.monitor.MonitorConfig;
import io.dosp.protocol.PeerSpec;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code dosp serve} runs with: the server configuration, the federation peers (typed, kept
 * for when federation exists), every resolved setting with its origin, and the config file read.
 *
 * @param config     the validated server configuration
 * @param peers      configured peers (none is supported yet)
 * @param resolved   every setting and where it came from
 * @param configFile the file read, if any
 * @param monitor    the monitoring listener's configuration, when {@code http_port} turns it on
 * @param cluster    cluster mode's settings, when {@code cluster} names NATS servers
 */
public record ServeSettings(ServerConfig config, List<PeerSpec> peers, ResolvedSettings resolved, Optional<Path> configFile,
        Optional<MonitorConfig> monitor, Optional<NatsCluster> cluster) {

    /** Without cluster mode. */
    public ServeSettings(ServerConfig config, List<PeerSpec> peers, ResolvedSettings resolved, Optional<Path> configFile,
            Optional<MonitorConfig> monitor) {
        this(config, peers, resolved, configFile, monitor, Optional.empty());
    }
}
