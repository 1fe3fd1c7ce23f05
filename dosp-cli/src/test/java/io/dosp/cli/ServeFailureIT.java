package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dosp serve} refusing to start, each failure with a message that says how to fix it and its exit code. */
class ServeFailureIT {
    @TempDir
    Path dir;

    @Test
    void unknownKeyInTheConfigFileNamesTheKey() throws Exception {
        Files.writeString(dir.resolve("dosp.yaml"), "port: 0\nprot: 7745\n");
        CliProcess p = CliProcess.run(dir, Map.of(), "", "serve");
        assertThat(p.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(p.stderr()).contains("configuration error", "dosp.yaml, line 2: unknown key 'prot' (did you mean 'port'?)");
        assertThat(p.stdout()).doesNotContain("listening");
    }

    @Test
    void portInUseFailsWithAClearMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            CliProcess p = CliProcess.run(dir, Map.of(), "", "serve", "--host", "127.0.0.1", "--port", Integer.toString(port));
            assertThat(p.exitCode()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(p.stderr()).contains("cannot listen on 127.0.0.1:" + port, "Address already in use",
                    "from flag --port", "choose another: --port N");
        }
    }

    @Test
    void clusterModeWithoutNatsFailsWithAClearMessage() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort(); // nothing listens there once it is closed
        }
        CliProcess p = CliProcess.run(dir, Map.of(), "", "serve", "--port", "0", "--cluster", "nats://127.0.0.1:" + free,
                "--cluster-name", "lonely");
        assertThat(p.exitCode()).as(p.output()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(p.stderr()).contains("cannot join cluster lonely on [nats://127.0.0.1:" + free + "]",
                "cannot connect to NATS");
        assertThat(p.stdout()).doesNotContain("listening");
        CliProcess badName = CliProcess.run(dir, Map.of(), "", "serve", "--cluster", "nats://127.0.0.1:4222",
                "--cluster-name", "a.b");
        assertThat(badName.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(badName.stderr()).contains("flag --cluster-name (cluster_name = a.b)");
    }

    @Test
    void badPeersAreRefusedWithTheirOrigin() throws Exception {
        CliProcess bad = CliProcess.run(dir, Map.of(), "", "serve", "--peers", "10.0.0.5");
        assertThat(bad.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(bad.stderr()).contains("flag --peers", "is not [tls://]HOST:PORT[:TEMPLATE]: the port is missing");
        CliProcess shortKey = CliProcess.run(dir, Map.of("DOSP_MESH_KEY", "short"), "", "serve", "--port", "0");
        assertThat(shortKey.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(shortKey.stderr()).contains("DOSP_MESH_KEY", "at least 16 characters");
    }

    @Test
    void checkShowsWhereEveryValueCameFrom() throws Exception {
        Files.writeString(dir.resolve("custom.yaml"), "port: 9001\nip_template: 10.7.x.x\nmax_clients: 50\n");
        CliProcess p = CliProcess.run(dir, Map.of("DOSP_MAX_CLIENTS", "60"), "", "serve", "--config", "custom.yaml",
                "--check", "--port", "9002");
        assertThat(p.exitCode()).as(p.output()).isZero();
        assertThat(p.stdout()).containsPattern("port: 9002 +# flag --port")
                .containsPattern("max_clients: 60 +# environment variable DOSP_MAX_CLIENTS")
                .containsPattern("ip_template: 10.7.x.x +# custom.yaml, line 2, key 'ip_template'")
                .containsPattern("compression_level: 6 +# default");
    }

    @Test
    void genConfigWritesAFileServeAcceptsAndRefusesToOverwriteIt() throws Exception {
        CliProcess gen = CliProcess.run(dir, Map.of(), "", "gen-config");
        assertThat(gen.exitCode()).as(gen.output()).isZero();
        String text = Files.readString(dir.resolve("dosp.yaml"));
        assertThat(text).contains("ip_template: 7.10.0.x", "admin_tokens: []");

        CliProcess again = CliProcess.run(dir, Map.of(), "", "gen-config");
        assertThat(again.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(again.stderr()).contains("already exists; it was left unchanged");
        assertThat(Files.readString(dir.resolve("dosp.yaml"))).isEqualTo(text);

        CliProcess check = CliProcess.run(dir, Map.of(), "", "serve", "--check");
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.stdout()).containsPattern("port: 7744 +# .*dosp.yaml, line \\d+, key 'port'");
    }

    @Test
    void jsonLogFormatWritesOneObjectPerLine() throws Exception {
        CliProcess p = CliProcess.start(dir, Map.of(), "serve", "--port", "0", "--log-format", "json");
        try {
            p.awaitOut("listening on");
            String line = p.awaitErr("^\\{.*\"message\":\"DoSP server listening.*\\}$").group();
            assertThat(line).contains("\"level\":\"INFO\"", "\"logger_name\":\"io.dosp.server.DospServer\"")
                    .containsPattern("\"@timestamp\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[.\\d]*Z\"")
                    .doesNotContain("\"context\"");
            p.terminate();
            assertThat(p.exitCode()).isZero();
        } finally {
            p.close();
        }
    }
}
