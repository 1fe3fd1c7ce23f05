package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Short runs of the load generator against an in-process server and in direct mode: every
 * message sent must arrive exactly once, in order. No timing is asserted.
 */
class LoadGeneratorIT {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    @TempDir
    static Path tmp;
    private static DospServer server;

    @BeforeAll
    static void start() {
        // All load from one address, idle clients never send: no per-address limit, no first-packet deadline.
        server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).template("10.7.x.x")
                .limits(l -> l.maxConnectionsPerAddress(0).firstPacketTimeout(Duration.ZERO))
                .access(a -> a.adminToken(TOKEN).adminTokenFile(tmp.resolve("token"))).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0} pairs={1} size={2} window={3} tunnel={4}")
    @CsvSource({
        "server, 2, 64, 64, false",
        "server, 2, 1024, 1, false",
        "server, 2, 64, 64, true",
        "server, 1, 100, 1, true",
        "direct, 2, 64, 64, false",
        "direct, 1, 64, 1, true",
    })
    void everyMessageArrivesExactlyOnce(String target, int pairs, int size, int window, boolean tunnel) throws Exception {
        S2cSpec spec = new S2cSpec(target, target, "127.0.0.1", server.port(), pairs, size, window, 16, 100, 300, 5_000,
                tunnel, 2);
        S2cResult r = S2cRun.run(spec);
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
        assertThat(r.clean()).isTrue();
        assertThat(r.toJson().toString()).contains("\"lost\":0");
    }

    @ParameterizedTest(name = "flood {0} pairs={1} size={2} tunnel={3}")
    @CsvSource({
        "server, 2, 64, false",
        "server, 1, 64, true",
        "direct, 2, 64, false",
    })
    void floodAccountsForEveryMessage(String target, int pairs, int size, boolean tunnel) throws Exception {
        S2cSpec spec = new S2cSpec(target, target, "127.0.0.1", server.port(), pairs, size, S2cSpec.FLOOD, 16, 100, 300,
                5_000, tunnel, 2);
        S2cResult r = S2cRun.run(spec);
        assertThat(r.failure()).isNull();
        assertThat(r.sent()).isPositive();
        assertThat(r.delivered()).isPositive();
        assertThat(r.duplicated()).isZero();
        assertThat(r.reordered()).isZero();
        // Every message arrived or was answered with ERR S2CF, unless the server dropped its receiver as too slow.
        if (r.disconnects() == 0) {
            assertThat(r.lost()).isZero();
            assertThat(r.delivered() + r.refused()).isEqualTo(r.sent());
        }
        assertThat(r.toJson().toString()).contains("\"loop\":\"flood\"", "\"s2cf_refused\":");
    }

    @Test
    void fanoutReachesEveryClient() {
        int code = new CommandLine(new LoadGenerator()).execute("fanout", "--port", String.valueOf(server.port()), "-n", "50",
                "--rounds", "2", "--admin-token", TOKEN, "--json");
        assertThat(code).isZero();
    }

    @Test
    void idleHoldsEveryClient() {
        int code = new CommandLine(new LoadGenerator()).execute("idle", "--port", String.valueOf(server.port()), "-n", "50",
                "--hold", "0", "--json");
        assertThat(code).isZero();
    }
}
