package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /sendfile} and {@code --files} between two {@code dosp client} processes through a server (in-process):
 * the file arrives whole under its name, a second one of the same name does not overwrite it, one over
 * {@code --max-file-size} is refused, and a client without {@code --files} refuses files.
 */
class ClientFilesIT {
    @TempDir
    Path dir;

    @Test
    void filesAreSentWithProgressAndSavedSafely() throws Exception {
        try (DospServer server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).build())) {
            String address = "127.0.0.1:" + server.port();
            Path into = dir.resolve("received");
            Path file = dir.resolve("report.bin");
            byte[] bytes = new byte[3 * 1024 * 1024 + 5];
            new Random(7).nextBytes(bytes);
            Files.write(file, bytes);
            Files.write(dir.resolve("big.bin"), new byte[5 << 20]);
            try (CliProcess receiver = CliProcess.start(dir, Map.of(), "client", address, "--files", into.toString(),
                    "--max-file-size", "4MiB");
                 CliProcess plain = CliProcess.start(dir, Map.of(), "client", address)) {
                String receiverVip = receiver.awaitOut("Connected to .* as (\\S+) \\(").group(1);
                receiver.awaitOut("^Saving files peers send into " + Pattern.quote(into.toString()) + "\\.$");
                String plainVip = plain.awaitOut("Connected to .* as (\\S+) \\(").group(1);

                String send = "/sendfile " + receiverVip + " " + file + "\n";
                CliProcess sender = CliProcess.run(dir, Map.of(), send + send, "client", address);
                assertThat(sender.exitCode()).as(sender.output()).isZero();
                assertThat(sender.stdout()).containsPattern("sent report\\.bin to " + Pattern.quote(receiverVip)
                        + ": 3145733 bytes, sha256 [0-9a-f]{64}");
                String senderVip = sender.awaitOut("Connected to .* as (\\S+) \\(").group(1);
                receiver.awaitOut("^\\[file\\] saved report\\.bin \\(3145733 bytes\\) from " + Pattern.quote(senderVip)
                        + "$");
                receiver.awaitOut("^\\[file\\] saved report-1\\.bin \\(3145733 bytes\\) from ");
                assertThat(Files.readAllBytes(into.resolve("report.bin"))).isEqualTo(bytes);
                assertThat(Files.readAllBytes(into.resolve("report-1.bin"))).isEqualTo(bytes);

                // over the receiver's --max-file-size, and to a client without --files: refused, exit code 1
                CliProcess refused = CliProcess.run(dir, Map.of(), "/sendfile " + receiverVip + " "
                        + dir.resolve("big.bin") + "\n/sendfile " + plainVip + " " + file + "\n/sendfile "
                        + receiverVip + " " + dir.resolve("missing.bin") + "\n", "client", address);
                assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
                assertThat(refused.stderr()).contains("sending big.bin to " + receiverVip + " failed: ")
                        .contains("TOO_LARGE").contains("sending report.bin to " + plainVip + " failed: ")
                        .contains("NO_SUCH_METHOD").contains("not a readable file: ");
                try (var saved = Files.list(into)) {
                    assertThat(saved.map(p -> p.getFileName().toString()).sorted())
                            .containsExactly("report-1.bin", "report.bin");
                }
            }
        }
    }
}
