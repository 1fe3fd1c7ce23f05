package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Short s2c runs against a real nats-server on a random port, through the hand-written NATS
 * wire. Skipped unless {@code nats-server} is on the PATH. No timing is asserted.
 */
class NatsLoadIT {
    private static final Pattern LISTENING = Pattern.compile("Listening for client connections on [^\\s]+:(\\d+)");
    @TempDir
    static Path tmp;
    private static Process nats;
    private static int port;

    @BeforeAll
    static void startNats() throws IOException {
        Optional<Path> bin = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "nats-server")).filter(Files::isExecutable).findFirst();
        assumeTrue(bin.isPresent(), "nats-server is not on the PATH");
        Path log = tmp.resolve("nats.log");
        nats = new ProcessBuilder(bin.get().toString(), "-a", "127.0.0.1", "-p", "-1").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> listeningPort(log) > 0);
        port = listeningPort(log);
    }

    private static int listeningPort(Path log) throws IOException {
        Matcher m = LISTENING.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @AfterAll
    static void stopNats() throws InterruptedException {
        if (nats != null) {
            nats.destroy();
            if (!nats.waitFor(10, TimeUnit.SECONDS)) {
                nats.destroyForcibly();
            }
        }
    }

    @ParameterizedTest(name = "nats pairs={0} size={1} window={2} tunnel={3}")
    @CsvSource({
        "2, 64, 64, false",
        "2, 1024, 1, false",
        "1, 64, 64, true",
        "1, 100, 1, true",
    })
    void everyMessageArrivesExactlyOnce(int pairs, int size, int window, boolean tunnel) throws Exception {
        S2cResult r = S2cRun.run(spec(pairs, size, window, tunnel));
        assertThat(r.failure()).isNull();
        assertThat(r.drained()).isTrue();
        assertThat(r.sent()).isPositive();
        assertThat(r.delivered()).isEqualTo(r.sent());
        assertThat(r.lost()).isZero();
        assertThat(r.duplicated()).isZero();
        assertThat(r.reordered()).isZero();
        assertThat(r.rejected()).isZero();
        assertThat(r.errFrames()).isZero();
        assertThat(r.latency().getTotalCount()).isPositive();
        assertThat(r.cpuMicrosPerMessage()).isNotNaN();
        assertThat(r.clean()).isTrue();
        assertThat(r.toJson().toString()).contains("\"target\":\"nats\"", "\"lost\":0");
    }

    @ParameterizedTest(name = "nats flood pairs={0}")
    @CsvSource({"1", "2"})
    void floodCompletes(int pairs) throws Exception {
        S2cResult r = S2cRun.run(spec(pairs, 64, S2cSpec.FLOOD, false));
        assertThat(r.failure()).isNull();
        assertThat(r.sent()).isPositive();
        assertThat(r.delivered()).isPositive();
        assertThat(r.duplicated()).isZero();
        assertThat(r.reordered()).isZero();
        if (r.disconnects() == 0) { // nats-server drops a slow consumer; short of that nothing may be lost
            assertThat(r.lost()).isZero();
        }
    }

    private static S2cSpec spec(int pairs, int size, int window, boolean tunnel) {
        return new S2cSpec(S2cSpec.NATS, S2cSpec.NATS, "127.0.0.1", port, pairs, size, window, 16, 100, 300, 5_000, tunnel,
                2, nats.pid());
    }
}
