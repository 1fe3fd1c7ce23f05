package io.dosp.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Real servers on loopback for tests: 127.0.0.1, a free port (port 0), the admin token file under
 * the test's temporary directory; clients of the library connected to them; waiting on what a
 * server holds. The caller closes what it starts (try-with-resources), or uses
 * {@link LoopbackServer} as a JUnit extension. Stateless and thread-safe.
 */
public final class TestServers {
    /** The admin token of the servers {@link #start(Path)} starts. */
    public static final String TOKEN = "0123456789abcdef0123456789abcdef";
    /** How long a test waits for the server's state to settle. */
    public static final Duration AWAIT = Duration.ofSeconds(15);

    private TestServers() {
    }

    /**
     * A loopback server on a free port with its admin token file under {@code tmp}; no admin token
     * is configured, so a server built from it generates one into {@code tmp/admin.token}. Without
     * the vIP quarantine ({@code limits.vipQuarantine} 0: a freed vIP is free again at once, lowest
     * first), so tests count on which vIP a client gets; tests of the quarantine set it.
     */
    public static ServerConfig.Builder config(Path tmp) {
        return ServerConfig.builder().host("127.0.0.1").port(0).access(a -> a.adminTokenFile(tmp.resolve("admin.token")))
                .limits(l -> l.vipQuarantine(Duration.ZERO));
    }

    /** Starts a loopback server ({@link #config(Path)}) that accepts {@link #TOKEN} for ADMIN. */
    public static DospServer start(Path tmp) {
        return start(tmp, b -> { });
    }

    /**
     * Starts a loopback server ({@link #config(Path)}, admin token {@link #TOKEN}) after
     * {@code customizer} has changed its configuration.
     */
    public static DospServer start(Path tmp, Consumer<ServerConfig.Builder> customizer) {
        ServerConfig.Builder b = config(tmp).access(a -> a.adminToken(TOKEN));
        customizer.accept(b);
        return DospServer.start(b.build());
    }

    /** Options of a library client for {@code server} (TCP, a fixed machine hash). */
    public static ClientOptions.Builder options(DospServer server) {
        return ClientOptions.builder().server("127.0.0.1", server.port()).machineHash("ab".repeat(32));
    }

    /** Options of a library client for {@code server}'s WebSocket listener ({@link DospServer#webSocketUrl()}, a fixed machine hash). */
    public static ClientOptions.Builder webSocketOptions(DospServer server) {
        return ClientOptions.builder().server(server.webSocketUrl()).machineHash("cd".repeat(32));
    }

    /** A loopback server ({@link #config(Path)}) with its WebSocket listener on a free port as well. */
    public static ServerConfig.Builder webSocketConfig(Path tmp) {
        return config(tmp).webSocket(w -> w.enabled(true).port(0));
    }

    /** A library client connected to {@code server} with {@link #options(DospServer)}. */
    public static DospClient client(DospServer server) {
        return DospClient.connect(options(server).build());
    }

    /** Waits until the server holds exactly {@code vips} (by its client list and its connected count). */
    public static void awaitExactly(DospServer server, Vip... vips) {
        Set<Vip> want = Set.of(vips);
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(vipsOf(server.clients())).isEqualTo(want);
            assertThat(server.stats().clientsConnected()).isEqualTo(want.size());
        });
    }

    /** The vIPs of {@code clients}. */
    public static Set<Vip> vipsOf(List<ConnectedClient> clients) {
        return clients.stream().map(ConnectedClient::vip).collect(Collectors.toSet());
    }

    /** Shorthand for {@link Vip#parse(String)}. */
    public static Vip vip(String text) {
        return Vip.parse(text);
    }

    /** A 64-hex machine hash (CLIENT_INFO) made of {@code seed}. */
    public static String hash(char seed) {
        return String.valueOf(seed).repeat(64);
    }
}
