package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -HUP} on a {@code dosp serve} process: a limit and the ban list changed in its file take
 * effect without dropping anyone; a restart-only change is reported and not applied; an invalid file
 * changes nothing.
 */
class ReloadIT {
    private static final String HASH_A = "a".repeat(64);
    private static final String HASH_B = "b".repeat(64);
    private static final String BANNED = "c".repeat(64);
    private static final String HASH_D = "d".repeat(64);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static DospClient connect(String address, String hash) {
        return DospClient.connect(ClientOptions.builder().server(address).machineHash(hash).build());
    }

    /** The EXIT reason the server sends a client with {@code hash} away with (at connect or right after it). */
    private static String refusal(String address, String hash) {
        try (DospClient c = connect(address, hash)) {
            c.receive(WAIT);
            throw new AssertionError("the server sent a message instead of EXIT");
        } catch (DisconnectedException e) {
            return e.serverReason();
        }
    }

    @Test
    void sighupAppliesTheNewLimitAndBanListWithoutDroppingAnyone(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dosp.yaml");
        Files.writeString(file, "host: 127.0.0.1\nport: 0\nmax_clients: 10\nbanned_hashes: []\n");
        try (CliProcess server = CliProcess.start(dir, Map.of(), "serve", "--config", file.toString())) {
            String address = "127.0.0.1:" + server.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            try (DospClient a = connect(address, HASH_A); DospClient b = connect(address, HASH_B)) {
                a.send(b.vip(), "before");
                assertThat(b.receive(WAIT).text()).isEqualTo("before");

                Files.writeString(file, "host: 127.0.0.1\nport: 0\nmax_clients: 3\nbanned_hashes: [" + BANNED + "]\n"
                        + "allow_compression: true\nlog_level: warn\n");
                server.signal("HUP");
                server.awaitOut("^Log level: INFO -> WARN$");
                server.awaitOut("^Reloaded \\(SIGHUP\\): 2 changes applied, 1 not applied \\(restart needed\\)$");
                server.awaitOut("applied: limits.maxClients: 10 -> 3$");
                server.awaitOut("applied: access.bannedHashes: \\+\\[" + BANNED + "\\]$");
                server.awaitOut("not applied: compression: false -> true \\(needs a restart; still false\\)$");

                // Nobody was dropped: a and b still talk.
                assertThat(a.isConnected()).isTrue();
                assertThat(b.isConnected()).isTrue();
                b.send(a.vip(), "after the reload");
                assertThat(a.receive(WAIT).text()).isEqualTo("after the reload");

                // The new ban list: the banned hash is sent away.
                assertThat(refusal(address, BANNED)).isEqualTo("Your client hash is blocked");
                // The new limit: a third connection is admitted, a fourth refused.
                try (DospClient d = connect(address, HASH_D)) {
                    assertThat(d.isConnected()).isTrue();
                    assertThat(refusal(address, HASH_D)).isEqualTo("Server full");
                }

                // An invalid file changes nothing and says why.
                Files.writeString(file, "host: 127.0.0.1\nport: 0\nmax_clients: lots\n");
                server.signal("HUP");
                server.awaitOut("^Reload \\(SIGHUP\\) failed; nothing changed");
                server.awaitErr("reload failed, nothing changed: .*max_clients");
                assertThat(server.isAlive()).isTrue();
                a.send(b.vip(), "still here");
                assertThat(b.receive(WAIT).text()).isEqualTo("still here");
                try (DospClient d = connect(address, HASH_D)) {
                    assertThat(refusal(address, HASH_D)).as("max_clients is still 3").isEqualTo("Server full");
                }
            }
            server.terminate();
            assertThat(server.exitCode()).as(server.output()).isZero();
        }
    }

    @Test
    void sigusr2DrainsTheClientsToTheRedirectThenStops(@TempDir Path dir) throws Exception {
        try (CliProcess second = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--admin-token-file", dir.resolve("second.token").toString())) {
            String target = "127.0.0.1:" + second.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            try (CliProcess first = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                    "--drain-redirect", target, "--drain-timeout", "500ms")) {
                String address = "127.0.0.1:" + first.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
                ClientOptions.Builder o = ClientOptions.builder().server(address)
                        .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(20), Duration.ofMillis(200)));
                try (DospClient a = DospClient.connect(o.machineHash(HASH_A).build());
                     DospClient b = DospClient.connect(o.machineHash(HASH_B).build())) {
                    first.signal("USR2");
                    first.awaitOut("^Draining \\(SIGUSR2\\): 2 clients sent away over 500 ms, then stopping$");
                    assertThat(first.exitCode()).as(first.output()).isZero();
                    assertThat(first.stdout()).contains("Stopping (SIGUSR2, drained)");
                    await().atMost(WAIT).until(() -> a.isConnected() && b.isConnected()
                            && a.server().equals(target) && b.server().equals(target));
                    a.send(b.vip(), "on the second server");
                    assertThat(b.receive(WAIT).text()).isEqualTo("on the second server");
                }
            }
            second.terminate();
            assertThat(second.exitCode()).isZero();
        }
    }
}
