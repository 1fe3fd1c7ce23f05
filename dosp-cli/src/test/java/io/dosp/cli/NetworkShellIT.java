package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network commands of {@code dosp client} between two client processes on a {@code dosp serve} process: groups
 * ({@code /join}, {@code /group}, {@code /members}), names ({@code /name}, {@code /resolve}), presence
 * ({@code /watch}); group messages print as {@code [GROUP from VIP] TEXT}, with a peer's control characters never
 * reaching the terminal.
 */
class NetworkShellIT {
    @Test
    void groupsNamesAndPresenceFromTheShell(@TempDir Path dir) throws Exception {
        try (CliProcess server = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--ws-port", "0")) {
            String address = "127.0.0.1:" + server.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            try (CliProcess receiver = CliProcess.start(dir, Map.of(), "client", address)) {
                String receiverVip = receiver.awaitOut("Connected to .* as (\\S+) \\(").group(1);
                receiver.write("/join ops\n");
                receiver.awaitOut("^joined group ops ");
                receiver.write("/watch #ops\n");
                receiver.awaitOut("^watching group ops$");
                receiver.awaitOut("^\\[presence\\] group ops: " + Pattern.quote(receiverVip) + " joined$");

                CliProcess sender = CliProcess.run(dir, Map.of(), "/join ops\n/members ops\n/group ops hello all\n"
                        + "/group ops \u001b[31mred\n/name build-bot\n/resolve build-bot\n/resolve nobody\n/names\n"
                        + "/groups\n/join Bad\n", "client", address);
                String senderVip = sender.awaitOut("Connected to .* as (\\S+) \\(").group(1);
                assertThat(sender.stdout()).contains("joined group ops", "2 members of group ops:",
                        "  " + receiverVip, "  " + senderVip + "  (you)", "sent to group ops (1 other member)",
                        "registered name build-bot for " + senderVip, "build-bot is " + senderVip,
                        "nobody holds the name nobody", "1 name on the network:", "  build-bot  " + senderVip,
                        "1 group on the network:", "  ops  2 members");
                assertThat(sender.stderr()).contains("error: a group is 1 to 64 characters of a-z 0-9 . _ -");
                assertThat(sender.exitCode()).as("a failed command fails a piped client").isEqualTo(Main.EXIT_FAILURE);

                receiver.awaitOut("^\\[presence\\] group ops: " + Pattern.quote(senderVip) + " joined$");
                receiver.awaitOut("^\\[ops from " + Pattern.quote(senderVip) + "\\] hello all$");
                // The escape character makes it binary: shown as hex, never sent to the terminal raw.
                receiver.awaitOut("^\\[ops from " + Pattern.quote(senderVip) + "\\] <8 bytes> 1b5b33316d726564$");
                receiver.awaitOut("^\\[presence\\] group ops: " + Pattern.quote(senderVip) + " left \\(left\\)$");
                assertThat(receiver.stdout()).doesNotContain("\u001b");

                // The admin views of the network (the token from the file 'dosp serve' wrote).
                CliProcess admin = CliProcess.run(dir, Map.of(), "", "admin", address, "--exec", "groups", "--exec",
                        "clients --network");
                assertThat(admin.exitCode()).as(admin.output()).isZero();
                assertThat(admin.stdout()).contains("ops").contains(receiverVip);
            }
        }
    }
}
