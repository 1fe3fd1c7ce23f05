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
        CliProcess sender = CliProcess.run(dir, Map.of(), "/id\n/tunnel " + receiverVip + "\n/send " + receiverVip
                + " secret\n/trust " + receiverVip + " SHA256:" + "A".repeat(43) + "\n", "client", address);
        assertThat(sender.exitCode()).as(sender.output()).isZero();
        String senderVip = sender.awaitOut("as (\\S+) \\(").group(1);
        String fingerprint = sender.awaitOut("^identity (SHA256:\\S{43})$").group(1);
        assertThat(sender.stdout()).contains("Tunnel identity " + fingerprint, "peers trusted: trust on first use")
                .contains("tunnel with " + receiverVip + " ready: ").contains("via tunnel (end-to-end encrypted)")
                .contains("pinned " + receiverVip + " on " + address + " to SHA256:" + "A".repeat(43));
        receiver.awaitOut("^\\[tunnel\\] " + Pattern.quote(senderVip) + " opened an end-to-end encrypted tunnel with you: "
                + Pattern.quote(fingerprint) + " \\(new, trusted on first use\\)$");
        receiver.awaitOut("^\\[from " + Pattern.quote(senderVip) + " via tunnel\\] secret$");
        // both processes keep their identity and pins under ~/.dosp (the test's directory here)
        assertThat(java.nio.file.Files.readString(dir.resolve(".dosp/known_peers")))
                .contains(receiverVip + " SHA256:" + "A".repeat(43));
        // The sender has exited: the server tells the receiver, which had a tunnel with it (peer-gone), in one line.
        receiver.awaitOut("^\\[peer\\] " + Pattern.quote(senderVip) + " is gone \\(left\\)");
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

    /** The service a library client offers the CLI's /rpc. */
    public static final class Adder {
        @io.dosp.messaging.Rpc
        public int add(int a, int b) {
            return a + b;
        }
    }

    @Test
    @Order(5)
    void rpcAndDiscoverReachALibraryClientsMessenger() throws Exception {
        try (DospClient lib = DospClient.connect(address);
             io.dosp.messaging.Messenger m = io.dosp.messaging.Messenger.attach(lib).register(new Adder())) {
            String vip = lib.vip().toString();
            CliProcess cli = CliProcess.run(dir, Map.of(), "/discover " + vip + "\n/rpc " + vip + " add [2,3]\n"
                    + "/rpc " + vip + " add [2]\n", "client", address);
            assertThat(cli.stdout()).contains(vip + " offers 1 method(s), 0 handler(s), 0 stream handler(s)")
                    .contains("  method add(a: integer, b: integer) -> integer")
                    .contains("add at " + vip + ": 5");
            assertThat(cli.stderr()).contains("BAD_ARGUMENTS", "(field b)");
            assertThat(cli.exitCode()).isEqualTo(Main.EXIT_FAILURE); // a piped client fails on an error
            // the CLI client answers $discover itself: it offers nothing
            io.dosp.messaging.Schema s = m.discover(io.dosp.protocol.Vip.parse(receiverVip));
            assertThat(s.methods()).isEmpty();
            assertThat(s.handlers()).isEmpty();
        }
    }

    @Test
    @Order(6)
    void adminExecListsTheClients() throws Exception {
        CliProcess admin = CliProcess.run(dir, Map.of(), "", "admin", address, "--exec", "clients");
        assertThat(admin.exitCode()).as(admin.output()).isZero();
        assertThat(admin.stdout()).containsPattern("^\\d+ clients? and 1 admin connection").contains(receiverVip + "  /127.0.0.1:");
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
