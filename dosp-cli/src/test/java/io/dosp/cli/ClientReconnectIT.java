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
        try (CliProcess serverA = CliProcess.start(a, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--ws-port", "0");
                CliProcess serverB = CliProcess.start(b, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                        "--ws-port", "0")) {
            String addressA = "127.0.0.1:" + serverA.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            String addressB = "127.0.0.1:" + serverB.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            // A client already on B: if it holds the vIP the moving client had on A, that one gets a new vIP.
            try (CliProcess occupant = CliProcess.start(dir, Map.of(), "client", addressB);
                    CliProcess mover = CliProcess.start(dir, Map.of(), "client", addressA, "--fallback", addressB)) {
                String occupantVip = occupant.awaitOut("Connected to .* as (\\S+) \\(").group(1);
                String vip = mover.awaitOut("Connected to " + Pattern.quote(addressA) + " as (\\S+) \\(").group(1);
                mover.awaitOut("^Reconnecting when the connection is lost \\(then trying " + Pattern.quote(addressB)
                        + "\\)\\.$");

                serverA.terminate(); // a planned stop: EXIT "server shutting down", which a client may reconnect after
                assertThat(serverA.waitFor()).as(serverA.output()).isZero();

                mover.awaitErr("^\\[connection\\] lost \\(.+\\); reconnecting$");
                String line = mover.awaitErr("^\\[connection\\] back on " + Pattern.quote(addressB) + " as (\\S+) \\(")
                        .group(0);
                String vipOnB = line.replaceFirst("^\\[connection\\] back on \\S+ as (\\S+) .*$", "$1");
                if (vip.equals(occupantVip)) {
                    assertThat(vipOnB).isNotEqualTo(vip);
                    mover.awaitErr("^\\[connection\\] back on " + Pattern.quote(addressB) + " as " + Pattern.quote(vipOnB)
                            + " \\(a new vIP: " + Pattern.quote(vip) + " was lost\\)$");
                } else {
                    assertThat(vipOnB).isEqualTo(vip);
                    mover.awaitErr("^\\[connection\\] back on " + Pattern.quote(addressB) + " as " + Pattern.quote(vip)
                            + " \\(the same vIP as before\\)$");
                }
                assertThat(mover.isAlive()).as("the client keeps running").isTrue();

                // The shell works on B: a message reaches the client that was there first.
                mover.write("/send " + occupantVip + " hello from the moved client\n");
                occupant.awaitOut(Pattern.quote(vipOnB) + ".*hello from the moved client");
                mover.write("/exit\n");
                assertThat(mover.waitFor()).as(mover.output()).isZero();
                assertThat(mover.stderr()).doesNotContain("\u001b");
            }
        }
    }
}
