package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dosp client --fallback}: a client process connected to server A reconnects to server B (both real
 * {@code dosp serve} processes) when A stops, says so on stderr ({@code [connection] lost ...},
 * {@code [connection] back on B as VIP ...}), and its commands work on B.
 */
class ClientReconnectIT {
    @Test
    void aClientWithFallbackMovesToTheNextServerWhenItsServerStops(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Path c = Files.createDirectories(dir.resolve("c"));
        try (CliProcess serverA = CliProcess.start(a, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--ws-port", "0");
                CliProcess serverB = CliProcess.start(b, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                        "--ws-port", "0");
                CliProcess serverC = CliProcess.start(c, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                        "--ws-port", "0")) {
            String addressA = "127.0.0.1:" + serverA.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            String addressB = "127.0.0.1:" + serverB.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            String addressC = "127.0.0.1:" + serverC.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            // A client already on B holds the vIP the moving client has on A: on B, the mover gets a new vIP.
            try (CliProcess occupant = CliProcess.start(home(dir, "occupant"), Map.of(), "client", addressB)) {
                String occupantVip = occupant.awaitOut("Connected to .* as (\\S+) \\(").group(1);
                try (CliProcess mover = CliProcess.start(home(dir, "mover"), Map.of(), "client", addressA, "--vip",
                        occupantVip, "--fallback", addressB)) {
                    String vip = mover.awaitOut("Connected to " + Pattern.quote(addressA) + " as (\\S+) \\(").group(1);
                    assertThat(vip).as("A grants the RQIP").isEqualTo(occupantVip);
                    mover.awaitOut("^Reconnecting when the connection is lost \\(then trying " + Pattern.quote(addressB)
                            + "\\)\\.$");
                    // C is empty: this one gets its vIP back there (RQIP of the previous vIP), after a dead fallback.
                    try (CliProcess keeper = CliProcess.start(home(dir, "keeper"), Map.of(), "client", addressA,
                            "--fallback", "127.0.0.1:1," + addressC)) {
                        String keeperVip = keeper.awaitOut("Connected to " + Pattern.quote(addressA) + " as (\\S+) \\(")
                                .group(1);
                        keeper.awaitOut("^Reconnecting when the connection is lost \\(then trying 127\\.0\\.0\\.1:1, "
                                + Pattern.quote(addressC) + "\\)\\.$");
                        moveBoth(serverA, addressB, addressC, occupant, occupantVip, mover, vip, keeper, keeperVip);
                    }
                }
            }
        }
    }

    private static void moveBoth(CliProcess serverA, String addressB, String addressC, CliProcess occupant,
            String occupantVip, CliProcess mover, String vip, CliProcess keeper, String keeperVip) throws Exception {
        serverA.terminate(); // a planned stop: EXIT "server shutting down", which a client may reconnect after
        assertThat(serverA.waitFor()).as(serverA.output()).isZero();

        mover.awaitErr("^\\[connection\\] lost \\(.+\\); reconnecting$");
        String vipOnB = mover.awaitErr("^\\[connection\\] back on " + Pattern.quote(addressB) + " as (\\S+) \\(")
                .group(1);
        assertThat(vipOnB).as("B gave the old vIP to the occupant").isNotEqualTo(vip);
        mover.awaitErr("^\\[connection\\] back on " + Pattern.quote(addressB) + " as " + Pattern.quote(vipOnB)
                + " \\(a new vIP: " + Pattern.quote(vip) + " was lost\\)$");
        assertThat(mover.isAlive()).as("the client keeps running").isTrue();
        keeper.awaitErr("^\\[connection\\] lost \\(.+\\); reconnecting$");
        keeper.awaitErr("^\\[connection\\] back on " + Pattern.quote(addressC) + " as " + Pattern.quote(keeperVip)
                + " \\(the same vIP as before\\)$");
        keeper.write("/exit\n");
        assertThat(keeper.waitFor()).as(keeper.output()).isZero();

        // The shell works on B: a message reaches the client that was there first.
        mover.write("/send " + occupantVip + " hello from the moved client\n");
        occupant.awaitOut(Pattern.quote(vipOnB) + ".*hello from the moved client");
        mover.write("/exit\n");
        assertThat(mover.waitFor()).as(mover.output()).isZero();
        assertThat(mover.stderr()).doesNotContain("\u001b");
    }

    /** Each client its own home: its own identity file, created on first use. */
    private static Path home(Path dir, String name) throws java.io.IOException {
        return Files.createDirectories(dir.resolve(name));
    }
}
