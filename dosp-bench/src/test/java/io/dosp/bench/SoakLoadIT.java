package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A three-second soak against an in-process server (this JVM is the "server process" whose memory
 * is sampled): the CSV has its header and a row per sample, the churn connections all completed,
 * S2C flowed. No timing is asserted.
 */
class SoakLoadIT {
    @TempDir
    Path tmp;

    @Test
    void aShortSoakWritesItsSamplesAndEveryChurnConnectionCompletes() throws Exception {
        try (DospServer server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).template("10.7.x.x")
                .access(a -> a.adminToken("0123456789abcdef0123456789abcdef").adminTokenFile(tmp.resolve("token"))).build())) {
            Path csv = tmp.resolve("soak.csv");
            int code = new CommandLine(new LoadGenerator()).execute("soak", "--port", String.valueOf(server.port()),
                    "--duration", "3", "--sample", "1", "--pairs", "2", "--rate", "100", "--churn", "5",
                    "--server-pid", String.valueOf(ProcessHandle.current().pid()), "--csv", csv.toString());
            assertThat(code).isZero();
            List<String> lines = Files.readAllLines(csv);
            assertThat(lines.get(0)).startsWith("elapsed_s,server_rss_kib,server_heap_after_gc_kib,");
            // At least one sample row: how many fit in 3 s depends on the machine (a heap-after-GC sample on a loaded
            // machine took over a second), and no timing is asserted.
            assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
            String[] last = lines.get(lines.size() - 1).split(",");
            assertThat(Long.parseLong(last[1])).as("RSS sampled").isPositive();
            assertThat(Long.parseLong(last[2])).as("heap after GC sampled").isPositive();
            assertThat(Long.parseLong(last[3])).as("churn connections").isPositive();
            assertThat(Long.parseLong(last[5])).as("churn failures").isZero();
            assertThat(Long.parseLong(last[7])).as("S2C received").isPositive();
        }
    }
}
