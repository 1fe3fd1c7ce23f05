package io.dosp.it.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.PeerSpec;
import io.dosp.server.DospServer;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dosp.js against real servers from Node 20+ (its WebSocket): the node tests of {@code dosp-js/test/live/} run against
 * a server started here, and against two federated servers with the scripts' clients spread over both:
 * {@code network.live.mjs} (groups, names, presence, network views of docs/network.md) and {@code messaging.live.mjs}
 * (Messenger calls, errors, messages, a 2 MiB stream to a slow reader, PEER_GONE and DISCONNECTED; plain and
 * through tunnels). Skipped, with a message, without node 20.
 */
class DospJsNetworkIT {
    private static final Path LIVE = Path.of("..", "dosp-js", "test", "live").toAbsolutePath().normalize();
    private static final Path NETWORK = LIVE.resolve("network.live.mjs");
    private static final Path MESSAGING = LIVE.resolve("messaging.live.mjs");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsNode() throws Exception {
        String version;
        try {
            Process p = new ProcessBuilder("node", "-p", "process.versions.node.split('.')[0]").redirectErrorStream(true).start();
            version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            version = "";
        }
        boolean ok = version.matches("\\d+") && Integer.parseInt(version) >= 20;
        if (!ok) {
            System.out.println("[WARNING] node 20+ is not on the PATH: DospJsNetworkIT is SKIPPED");
        }
        Assumptions.assumeTrue(ok, "node 20+ is needed for the dosp.js network tests");
        assertThat(NETWORK).exists();
        assertThat(MESSAGING).exists();
    }

    /** Runs the node tests of {@code script} against {@code urls}; returns their TAP output, asserting they all passed. */
    private String runNodeTests(Path script, List<String> urls) throws Exception {
        Path out = tmp.resolve(script.getFileName() + "-" + urls.size() + ".tap");
        ProcessBuilder pb = new ProcessBuilder("node", "--experimental-websocket", "--test", "--test-reporter=tap", script.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("DOSP_WS_URLS", String.join(",", urls));
        Process p = pb.start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly();
        }
        String tap = Files.readString(out);
        System.out.println(tap.lines().filter(l -> l.startsWith("# ") || l.startsWith("not ok") || l.startsWith("ok"))
                .collect(Collectors.joining("\n")));
        assertThat(ended).as("node tests ended in 5 minutes").isTrue();
        assertThat(p.exitValue()).as("node tests passed:\n%s", tap).isZero();
        assertThat(tap).contains("# fail 0").containsPattern("# pass [1-9]");
        return tap;
    }

    private static String ws(DospServer s) {
        return "ws://127.0.0.1:" + s.webSocketPort() + "/";
    }

    @Test
    void groupsNamesPresenceAndViewsOnOneServer() throws Exception {
        try (DospServer server = TestServers.start(tmp, b -> b.webSocket(w -> w.enabled(true).port(0)))) {
            assertThat(runNodeTests(NETWORK, List.of(ws(server)))).contains("# pass 5");
            assertThat(runNodeTests(MESSAGING, List.of(ws(server)))).contains("# pass 5");
            await().atMost(Duration.ofSeconds(30)).until(() -> server.clients().isEmpty()); // every client said EXIT
        }
    }

    @Test
    void groupsNamesPresenceAndViewsAcrossTwoFederatedServers() throws Exception {
        try (DospServer s0 = DospServer.start(Mesh.config(tmp, 0).webSocket(w -> w.enabled(true).port(0)).build());
             DospServer s1 = DospServer.start(Mesh.config(tmp, 1).webSocket(w -> w.enabled(true).port(0)).build())) {
            s0.addPeer(PeerSpec.of("127.0.0.1", s1.port()));
            await().atMost(Duration.ofSeconds(30)).until(() -> s0.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(1)))
                    && s1.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(0))));
            assertThat(runNodeTests(NETWORK, List.of(ws(s0), ws(s1)))).contains("# pass 5");
            assertThat(runNodeTests(MESSAGING, List.of(ws(s0), ws(s1)))).contains("# pass 5");
        }
    }
}
