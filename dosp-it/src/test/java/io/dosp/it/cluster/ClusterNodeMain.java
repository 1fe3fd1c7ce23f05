package io.dosp.it.cluster;

import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.util.List;

/**
 * One cluster node in a JVM of its own, so that a test can SIGKILL it ({@link NodeProcess}): a loopback
 * {@link DospServer} on a free port with a {@link NatsCluster}. Arguments: {@code natsUrls(comma-separated)
 * clusterName nodeName template dataDir}. Prints {@value #READY} and the port on stdout once it listens, then
 * runs until stdin ends (a clean leave) or the process is killed.
 */
public final class ClusterNodeMain {
    /** The first word of the line the node prints once it listens: {@code READY <port>}. */
    public static final String READY = "READY";

    private ClusterNodeMain() {
    }

    /** Starts the node (see the class comment). */
    public static void main(String[] args) throws Exception {
        NatsCluster cluster = NatsCluster.builder().servers(List.of(args[0].split(","))).name(args[1]).nodeName(args[2])
                .build();
        ServerConfig config = TestServers.config(Path.of(args[4])).template(VipTemplate.parse(args[3]))
                .limits(l -> l.maxConnectionsPerAddress(1000)).build();
        DospServer server = new DospServer(config, cluster).start();
        System.out.println(READY + " " + server.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until stdin ends
        }
        server.close();
    }
}
