package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.client.DospClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@code dosp serve} process on a free port, used in turn by the library client, two
 * {@code dosp client} processes (one fed through a pipe), {@code dosp admin}, and finally stopped
 * with SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeIT {
    private Path dir;
    private CliProcess server;
    private CliProcess receiver;
    private String address;
    private String receiverVip;
    private String webSocketUrl;

    @BeforeAll
    void startServer(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        server = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0", "--ws-port", "0");
        Matcher m = server.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)");
        address = "127.0.0.1:" + m.group(1);
        webSocketUrl = server.awaitOut("websocket +(ws://127\\.0\\.0\\.1:\\d+/) ").group(1);
    }

    @AfterAll
    void stopAll() {
        if (receiver != null) {
            receiver.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void serveStartsAndAcceptsAClient() throws Exception {
        server.awaitOut("vIP template +7\\.10\\.0\\.x \\(server 7\\.10\\.0\\.1, room for 253 clients\\)");
        Path token = dir.resolve("dosp-admin.token").toAbsolutePath();
        server.awaitOut("admin token +" + Pattern.quote(token.toString()));
        assertThat(Files.readString(token).strip()).hasSize(64);
        try (DospClient c = DospClient.connect(address)) {
            assertThat(c.vip().toString()).startsWith("7.10.0.");
        }
    }

    @Test
    @Order(2)
    void pipedClientSendsAMessageThatAnotherClientPrints() throws Exception {
        receiver = CliProcess.start(dir, Map.of(), "client", address);
        receiverVip = receiver.awaitOut("Connected to .* as (\\S+) \\(").group(1);

        CliProcess sender = CliProcess.run(dir, Map.of(), "/send " + receiverVip + " hello from a pipe\n", "client", address);
        assertThat(sender.exitCode()).as(sender.output()).isZero();
        String senderVip = sender.awaitOut("Connected to .* as (\\S+) \\(").group(1);
        assertThat(sender.stdout()).contains("sent to " + receiverVip + " (plain");

        receiver.awaitOut("^\\[from " + Pattern.quote(senderVip) + "\\] hello from a pipe$");
    }

    @Test
    @Order(3)
    void tunneledMessagesAreMarked() throws Exception {
        CliProcess sender = CliProcess.run(dir, Map.of(), "/tunnel " + receiverVip + "\n/send " + receiverVip + " secret\n",
                "client", address);
        assertThat(sender.exitCode()).as(sender.output()).isZero();
        String senderVip = sender.awaitOut("as (\\S+) \\(").group(1);
        assertThat(sender.stdout()).contains("tunnel with " + receiverVip + " ready", "via tunnel (end-to-end encrypted)");
        receiver.awaitOut("^\\[from " + Pattern.quote(senderVip) + " via tunnel\\] secret$");
    }

    @Test
    @Order(4)
    void aClientOverWebSocketTalksToOneOverTcp() throws Exception {
        CliProcess sender = CliProcess.run(dir, Map.of(), "/send " + receiverVip + " hello over websocket\n", "client",
                webSocketUrl);
        assertThat(sender.exitCode()).as(sender.output()).isZero();
        String senderVip = sender.awaitOut("Connected to " + Pattern.quote(webSocketUrl) + " as (\\S+) \\(").group(1);
        receiver.awaitOut("^\\[from " + Pattern.quote(senderVip) + "\\] hello over websocket$");
    }

    @Test
    @Order(5)
    void pipedClientFailsOnAnErrorFromTheServer() throws Exception {
        CliProcess sender = CliProcess.run(dir, Map.of(), "/send 7.10.0.200 anyone?\n/nope\n", "client", address);
        assertThat(sender.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(sender.stderr()).contains("[server error] S2CF", "7.10.0.200", "unknown command /nope");
    }

    @Test
    @Order(6)
    void adminExecListsTheClients() throws Exception {
        CliProcess admin = CliProcess.run(dir, Map.of(), "", "admin", address, "--exec", "clients");
        assertThat(admin.exitCode()).as(admin.output()).isZero();
        assertThat(admin.stdout()).containsPattern("^\\d+ clients").contains(receiverVip + "  /127.0.0.1:");
    }

    @Test
    @Order(7)
    void adminExecFailsOnErr() throws Exception {
        CliProcess admin = CliProcess.run(dir, Map.of(), "", "admin", address, "--exec", "kick 7.10.0.250");
        assertThat(admin.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(admin.stderr()).contains("ERR:No client with vIP 7.10.0.250");

        CliProcess wrong = CliProcess.run(dir, Map.of("DOSP_ADMIN_TOKEN", "0123456789abcdef0123"), "", "admin", address,
                "--exec", "clients");
        assertThat(wrong.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(wrong.stderr()).contains("refused the admin token from environment variable DOSP_ADMIN_TOKEN");
    }

    @Test
    @Order(8)
    void sigtermStopsTheServerCleanly() throws Exception {
        server.terminate();
        assertThat(server.exitCode()).as(server.output()).isZero();
        assertThat(server.stdout()).as(server.output()).containsPattern("Stopping \\(SIGTERM\\): sending EXIT to \\d+ clients?").contains("Stopped.");
        receiver.awaitErr("ended the connection: Server shutting down");
        assertThat(receiver.exitCode()).isEqualTo(Main.EXIT_FAILURE);
    }
}
