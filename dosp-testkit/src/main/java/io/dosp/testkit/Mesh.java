package io.dosp.testkit;

import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.protocol.PeerSpec;
import io.dosp.server.DospServer;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The federation fixture: N federated servers on loopback, template 10.{i+1}.0.x each, sharing a
 * mesh key, and the library clients connected to them. Closes everything. Used by one test thread
 * (the servers themselves are thread-safe).
 */
public final class Mesh implements AutoCloseable {
    /** The mesh key every server of the mesh shares. */
    public static final String KEY = "test-mesh-key-0123456789";
    private final List<DospServer> servers = new ArrayList<>();
    private final List<DospClient> clients = new ArrayList<>();

    /** Starts {@code n} servers (not linked yet), their token files under {@code tmp}. */
    public Mesh(Path tmp, int n) {
        this(tmp, n, b -> b);
    }

    /** Starts {@code n} servers like {@link #Mesh(Path, int)}, each configuration changed by {@code edit} first. */
    public Mesh(Path tmp, int n, java.util.function.UnaryOperator<ServerConfig.Builder> edit) {
        for (int i = 0; i < n; i++) {
            servers.add(DospServer.start(edit.apply(config(tmp, i)).build()));
        }
    }

    /** The configuration of server {@code i}: loopback, port 0, its template, the mesh key, fast peer timers. */
    public static ServerConfig.Builder config(Path tmp, int i) {
        return ServerConfig.builder().host("127.0.0.1").port(0).template(template(i))
                .access(a -> a.adminToken("admin-token-for-tests-0123").adminTokenFile(tmp.resolve("token" + i)))
                .federation(f -> f.meshKey(KEY).peerHeartbeat(Duration.ofSeconds(1), 5)
                        .peerReconnect(Duration.ofMillis(50), Duration.ofMillis(500)));
    }

    /** The vIP template of server {@code i}: {@code 10.{i+1}.0.x}. */
    public static String template(int i) {
        return "10." + (i + 1) + ".0.x";
    }

    /** Server {@code i}. */
    public DospServer server(int i) {
        return servers.get(i);
    }

    /** Server i links to server j (a two-way link once i proves the key: j needs no entry for i and does not link back). */
    public void link(int i, int j) {
        servers.get(i).addPeer(PeerSpec.of("127.0.0.1", servers.get(j).port()));
    }

    /** Removes the peer links between servers i and j, both ways. */
    public void unlink(int i, int j) {
        servers.get(i).removePeer("127.0.0.1:" + servers.get(j).port());
        servers.get(j).removePeer("127.0.0.1:" + servers.get(i).port());
    }

    /** Waits until server {@code at} has a route of {@code hops} hops to server {@code to}'s template. */
    public void awaitRoute(int at, int to, int hops) {
        String t = template(to);
        await().atMost(Duration.ofSeconds(15)).until(() -> servers.get(at).routes().stream()
                .anyMatch(r -> r.template().equals(t) && r.hops() == hops));
    }

    /** Waits until every server has a route to every other server's template. */
    public void awaitFullRoutes() {
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            for (int i = 0; i < servers.size(); i++) {
                List<String> have = servers.get(i).routes().stream().map(RouteInfo::template).toList();
                for (int j = 0; j < servers.size(); j++) {
                    if (i != j && !have.contains(template(j))) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    /** A library client connected to server {@code server}, with its own machine hash; closed with the mesh. */
    public DospClient client(int server) {
        DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", servers.get(server).port())
                .machineHash(String.format("%064x", clients.size() + 1)).build());
        clients.add(c);
        return c;
    }

    /** Closes the clients, then the servers. */
    @Override
    public void close() {
        clients.forEach(DospClient::close);
        servers.forEach(DospServer::close);
    }
}
