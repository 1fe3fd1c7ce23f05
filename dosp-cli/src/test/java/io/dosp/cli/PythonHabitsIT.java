package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python DoSP command-line habits, each run as a real process against a server started the
 * Python way ({@code dosp --serve ... --peers A B}): {@code --host}/{@code --port} on {@code client}
 * and {@code admin}, {@code --client}, {@code --admin}, {@code --admin-exec}, {@code --gen-config},
 * the reference's token file name, {@code --check} with secrets and a taken port, and
 * {@code admin --help} listing every command the server knows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonHabitsIT {
    private static final String MESH_KEY = "mesh-key-0123456789-secret";
    private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";

    private Path dir;
    private CliProcess server;
    private String port;

    @BeforeAll
    void startTheWayThePythonServerStarts(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        // Two reference-style peers that are not running: the links keep retrying, the server runs.
        server = CliProcess.start(dir, Map.of(), "--serve", "--host", "127.0.0.1", "--port", "0",
                "--peers", "127.0.0.1:1:7.20.0.x", "127.0.0.1:2:7.30.0.x");
        port = server.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
        server.awaitErr(Pattern.quote("dosp: note: '--serve' is the Python DoSP command line; here it is: ")
                + ".* serve --host 127\\.0\\.0\\.1 --port 0 --peers 127\\.0\\.0\\.1:1:7\\.20\\.0\\.x 127\\.0\\.0\\.1:2:7\\.30\\.0\\.x$");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void spaceSeparatedPeersAreAllLinked() throws Exception {
        CliProcess admin = CliProcess.run(dir, Map.of(), "", "admin", "--host", "127.0.0.1", "--port", port, "--exec", "peers");
        assertThat(admin.exitCode()).as(admin.output()).isZero();
        assertThat(admin.stdout()).startsWith("2 peer links\n").contains("127.0.0.1:1", "127.0.0.1:2");
    }

    @Test
    void clientTakesHostAndPortFlags() throws Exception {
        CliProcess c = CliProcess.run(dir, Map.of(), "/list\n", "client", "--host", "127.0.0.1", "--port", port);
        assertThat(c.exitCode()).as(c.output()).isZero();
        assertThat(c.stdout()).contains("Connected to 127.0.0.1:" + port + " as 7.10.0.");
        // 0.0.0.0, as the Python client takes it: this machine.
        CliProcess any = CliProcess.run(dir, Map.of(), "", "client", "--host", "0.0.0.0", "--port", port);
        assertThat(any.exitCode()).as(any.output()).isZero();
        assertThat(any.stdout()).contains("Connected to 127.0.0.1:" + port);
    }

    @Test
    void clientCallsFunctionsBareAndWithArgumentsAndListsThem() throws Exception {
        CliProcess c = CliProcess.run(dir, Map.of(), "/call version\n/call version []\n/call version [1]\n"
                + "/call nope [1]\n/call version 1\n/functions\n", "client", "--host", "127.0.0.1", "--port", port);
        assertThat(c.stdout()).as(c.output()).contains("version: dosp ") // bare FN, as always
                .containsPattern("version: \"dosp [^\"]+\"") // typed call of a bare function: a JSON string
                .contains("\"name\":\"get_time\",\"params\":[],\"result\":{\"type\":\"string\"}");
        assertThat(c.stderr()).contains("BAD_ARGUMENTS").contains("takes no arguments")
                .contains("NO_SUCH_METHOD").contains("the arguments of /call are a JSON array");
    }

    @Test
    void pythonClientForm() throws Exception {
        CliProcess c = CliProcess.run(dir, Map.of(), "", "--client", "--host", "127.0.0.1", "--port", port);
        assertThat(c.exitCode()).as(c.output()).isZero();
        assertThat(c.stdout()).contains("Connected to 127.0.0.1:" + port);
        assertThat(c.stderr()).contains("'--client' is the Python DoSP command line; here it is: ")
                .contains("client --host 127.0.0.1 --port " + port);
    }

    @Test
    void adminTakesHostAndPortFlagsAndCountsItselfApart() throws Exception {
        CliProcess admin = CliProcess.run(dir, Map.of(), "", "admin", "--host", "127.0.0.1", "--port", port,
                "--exec", "clients");
        assertThat(admin.exitCode()).as(admin.output()).isZero();
        assertThat(admin.stdout()).containsPattern("^\\d+ clients? and 1 admin connection");
    }

    @Test
    void pythonAdminExecAndAdminForms() throws Exception {
        CliProcess exec = CliProcess.run(dir, Map.of(), "", "--admin-exec", "stats", "--host", "127.0.0.1", "--port", port);
        assertThat(exec.exitCode()).as(exec.output()).isZero();
        assertThat(exec.stdout()).contains("max_clients: ", "draining: no");
        assertThat(exec.stderr()).contains("'--admin-exec' is the Python DoSP command line; here it is: ")
                .contains("admin --exec stats --host 127.0.0.1 --port " + port);

        CliProcess prompt = CliProcess.run(dir, Map.of(), "clients\n", "--admin", "--host", "127.0.0.1", "--port", port,
                "--token", ADMIN_TOKEN);
        assertThat(prompt.exitCode()).as("a wrong token").isEqualTo(Main.EXIT_FAILURE);
        assertThat(prompt.stderr()).contains("admin --host 127.0.0.1 --port " + port + " --token ****")
                .doesNotContain(ADMIN_TOKEN).contains("refused the admin token from --token");
        CliProcess ok = CliProcess.run(dir, Map.of(), "clients\n", "--admin", "--host", "127.0.0.1", "--port", port);
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        assertThat(ok.stdout()).contains("admin connection");
    }

    @Test
    void theReferenceTokenFileNameIsReadToo(@TempDir Path elsewhere) throws Exception {
        Files.copy(dir.resolve("dosp-admin.token"), elsewhere.resolve("dosp_admin.token"));
        CliProcess admin = CliProcess.run(elsewhere, Map.of(), "", "admin", "127.0.0.1:" + port, "--exec", "stats");
        assertThat(admin.exitCode()).as(admin.output()).isZero();
        assertThat(admin.stdout()).contains("max_clients: ");
    }

    @Test
    void pythonGenConfigForm(@TempDir Path empty) throws Exception {
        CliProcess gen = CliProcess.run(empty, Map.of(), "", "--gen-config");
        assertThat(gen.exitCode()).as(gen.output()).isZero();
        assertThat(empty.resolve("dosp.yaml")).exists();
        assertThat(Files.readString(empty.resolve("dosp.yaml"))).contains("max_clients", "drain_redirect");
        assertThat(gen.stderr()).contains("'--gen-config' is the Python DoSP command line; here it is: ")
                .contains(" gen-config");
    }

    @Test
    void checkMasksEverySecretAndFailsWhenThePortIsTaken(@TempDir Path other) throws Exception {
        Map<String, String> env = Map.of("DOSP_MESH_KEY", MESH_KEY, "DOSP_ADMIN_TOKENS", ADMIN_TOKEN);
        CliProcess free = CliProcess.run(other, env, "", "serve", "--check", "--host", "127.0.0.1", "--port", "0");
        assertThat(free.exitCode()).as(free.output()).isZero();
        assertThat(free.output()).doesNotContain(MESH_KEY).doesNotContain(ADMIN_TOKEN).doesNotContain("mesh-key-0");
        assertThat(free.stdout()).containsPattern("mesh_key: \"\\*\\*\\*\\*\" +# environment variable DOSP_MESH_KEY")
                .contains("admin_tokens: [\"****\"]").contains("# OK: the server can start");

        CliProcess taken = CliProcess.run(other, env, "", "serve", "--check", "--host", "127.0.0.1", "--port", port);
        assertThat(taken.exitCode()).as(taken.output()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(taken.stdout()).contains("# NOT OK: cannot listen on 127.0.0.1:" + port).doesNotContain("# OK:");
        assertThat(taken.stderr()).contains("is taken or not allowed");
        assertThat(taken.output()).doesNotContain(MESH_KEY).doesNotContain(ADMIN_TOKEN);
    }

    @Test
    void adminHelpListsEveryCommandTheServerKnows() throws Exception {
        CliProcess help = CliProcess.run(dir, Map.of(), "", "admin", "127.0.0.1:" + port, "--exec", "help");
        assertThat(help.exitCode()).as(help.output()).isZero();
        List<String> commands = new ArrayList<>();
        for (String line : help.stdout().split("\n")) {
            if (!line.isBlank()) {
                commands.add(line.strip().split("\\s+")[0]);
            }
        }
        assertThat(commands).contains("peers", "routes", "peer-add", "peer-remove", "reload", "drain").hasSizeGreaterThan(18);
        CliProcess usage = CliProcess.run(dir, Map.of(), "", "admin", "--help");
        assertThat(usage.exitCode()).isZero();
        for (String c : commands) {
            assertThat(usage.stdout()).as("admin --help names '" + c + "'").containsPattern("(?m)^\\s+" + Pattern.quote(c) + "\\b");
        }
    }
}
