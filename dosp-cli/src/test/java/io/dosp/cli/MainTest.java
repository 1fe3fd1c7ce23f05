package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.cli.config.Settings;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in this JVM: help, usage errors, admin login. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheCommands() {
        assertThat(Main.run("--help")).isZero();
        assertThat(out()).contains("serve", "client", "admin", "gen-config", "version", "Exit codes");
    }

    @Test
    void serveHelpTeachesPrecedenceAndShowsEverySetting() {
        assertThat(Main.run("serve", "--help")).isZero();
        assertThat(out()).contains("highest precedence first", "DOSP_<KEY>", "dosp.yaml", "--[no-]compression",
                "Default: 7744. Env DOSP_PORT, key 'port'.", "Default: 300s. Env DOSP_SOCKET_TIMEOUT");
        for (var s : Settings.all()) {
            assertThat(out()).contains(s.flag().substring(2)).contains(s.envVar());
        }
        // A '%' in a help text is printed as it is (picocli formats descriptions: it must be escaped for it).
        assertThat(out().replaceAll("\\s+", " ")).contains("back under 90%.");
        assertThat(err()).doesNotContain("Could not format");
    }

    @Test
    void mistypedCommandsAndOptionsGetSuggestions() {
        assertThat(Main.run("serv")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("Unmatched argument", "serve", "Try 'dosp --help'");
        err.reset();
        assertThat(Main.run("serve", "--prot", "1")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("'--prot'", "--prot (did you mean '--port'?)", "Try 'dosp serve --help'");
        err.reset();
        assertThat(Main.run("client", "--timeout", "soon")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--timeout", "must be a duration");
        err.reset();
        assertThat(Main.run("client", "--heartbeat", "often")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--heartbeat", "must be a duration", "0 turns it off");
    }

    @Test
    void badFlagValuesNameTheFlag() {
        assertThat(Main.run("serve", "--check", "--port", "99999")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("configuration error: flag --port: must be an integer 0..65535, got 99999");
    }

    @Test
    void versionPrintsTheProtocol() {
        assertThat(Main.run("version")).isZero();
        assertThat(out()).contains("DoSP protocol 0.2", "Java ");
    }

    @Test
    void genConfigToStandardOutput() {
        assertThat(Main.run("gen-config", "-")).isZero();
        assertThat(out()).contains("port: 7744", "socket_timeout: 300", "[JVM only]");
    }

    @Test
    void adminLogsInWithTheSpecsSha256Rule(@TempDir Path dir) {
        assertThat(AdminToken.forLogin("alice", "secret"))
                .isEqualTo("3d11dc479c08e3b368773103d64766c2e420ce39727932fcf2d8f4d9d599be59");
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                .access(a -> a.adminToken(AdminToken.forLogin("alice", "secret")).adminTokenFile(dir.resolve("unused"))).build();
        try (DospServer server = DospServer.start(config)) {
            String address = "127.0.0.1:" + server.port();
            assertThat(Main.run("admin", address, "--login", "alice", "secret", "--exec", "stats")).as(err()).isZero();
            assertThat(out()).contains("clients: 1");
            assertThat(Main.run("admin", address, "--login", "alice", "wrong", "--exec", "stats")).isEqualTo(Main.EXIT_FAILURE);
            assertThat(err()).contains("refused the admin token from --login alice");
        }
    }

    @Test
    void adminWithoutAnyTokenSaysWhereToGetOne(@TempDir Path dir) throws Exception {
        assertThat(Main.run("admin", "127.0.0.1:1", "--token-file", dir.resolve("none.token").toString()))
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("no admin token", "none.token", "--token TOKEN", "--login USER PASS");
        Path file = dir.resolve("t.token");
        Files.writeString(file, "abcdef0123456789abcdef\n");
        assertThat(AdminToken.resolve(null, null, Map.of(), List.of(file))).isEqualTo(new AdminToken("abcdef0123456789abcdef",
                "token file " + file.toAbsolutePath()));
        assertThat(AdminToken.resolve(null, null, Map.of("DOSP_ADMIN_TOKEN", "fromenv0123456789"), List.of(file)).source())
                .isEqualTo("environment variable DOSP_ADMIN_TOKEN");
        assertThat(AdminToken.resolve("given0123456789abc", null, Map.of("DOSP_ADMIN_TOKEN", "x"), List.of(file)).source())
                .isEqualTo("--token");
        assertThat(AdminToken.resolve(null, List.of("bob", "pw"), Map.of("DOSP_ADMIN_TOKEN", "x"), List.of(file)).token())
                .isEqualTo(AdminToken.forLogin("bob", "pw"));
        // Of several candidate files (ours, then the Python server's name) the first that exists.
        Path reference = dir.resolve("dosp_admin.token");
        Files.writeString(reference, "0123456789abcdef0123\n");
        assertThat(AdminToken.resolve(null, null, Map.of(), List.of(dir.resolve("dosp-admin.token"), reference)))
                .isEqualTo(new AdminToken("0123456789abcdef0123", "token file " + reference.toAbsolutePath()));
        assertThat(AdminToken.resolve(null, null, Map.of(), List.of(file, reference)).token())
                .isEqualTo("abcdef0123456789abcdef");
    }

    @Test
    void clientThatCannotConnectSaysHowToStartAServer() {
        assertThat(Main.run("client", "127.0.0.1:1")).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err()).contains("127.0.0.1:1", "Is a server running there? Start one with:", "serve");
    }
}
