package io.dosp.it.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerListener;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web chat and dosp.js in a real browser (headless Debian chromium through Selenium), against a real
 * server started here, with a JVM client on TCP on the other end: messages both ways in plain and through a
 * tunnel, what the server saw of them, errors shown to the person, compression, and a browser-to-browser
 * tunnel across two federated servers. Skipped, with a message, only where chromium is not installed.
 */
class BrowserChatIT {
    @TempDir
    Path tmp;

    @BeforeEach
    void needsChromium() {
        ChatPage.assumeBrowser();
    }

    /** Every S2C DATA a server routed, as the server saw it. */
    static final class Capture implements ServerListener {
        final List<byte[]> s2cData = new CopyOnWriteArrayList<>();

        @Override
        public boolean onPacket(ConnectedClient client, Packet packet) {
            if (packet instanceof S2cPacket s) {
                s2cData.add(s.data());
            }
            return false;
        }

        boolean sawPlaintext(String text) {
            byte[] needle = text.getBytes(StandardCharsets.UTF_8);
            return s2cData.stream().anyMatch(d -> indexOf(d, needle) >= 0);
        }

        long frames() {
            return s2cData.stream().filter(d -> d.length >= 60 && (d[0] & 0xff) != 0x15).count();
        }

        long hellos() {
            // 49 (reference) or 50 bytes (ours without identity: dosp.js), or 147 with our identity block (the JVM client)
            return s2cData.stream().filter(d -> d.length >= 49 && (d[0] & 0xff) == 0x15
                    && (d.length < 60 || d.length == 50 + 1 + 32 + 64)).count();
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private DospServer server(Consumer<ServerConfig.Builder> more) {
        return TestServers.start(tmp, b -> {
            b.webSocket(w -> w.enabled(true).port(0));
            more.accept(b);
        });
    }

    private static String page(DospServer server) {
        return "http://127.0.0.1:" + server.webSocketPort() + "/";
    }

    private static Incoming receiveS2c(DospClient client) {
        for (;;) {
            Incoming in = client.receive(ChatPage.WAIT);
            assertThat(in).as("a message within %s", ChatPage.WAIT).isNotNull();
            if (in.isS2c()) {
                return in;
            }
        }
    }

    @Test
    void plainMessagesBothWaysBetweenTheChatAndAJavaClient() {
        Capture capture = new Capture();
        try (DospServer server = server(b -> { });
             DospClient java = TestServers.client(server)) {
            server.addListener(capture);
            try (ChatPage chat = ChatPage.open(tmp, page(server))) {
                String browserVip = chat.awaitConnected();
                chat.awaitOnline(java.vip().toString());

                java.send(Vip.parse(browserVip), "hello from the JVM");
                chat.select(java.vip().toString());
                assertThat(chat.awaitMessage("in", "hello from the JVM")).as("marked end-to-end encrypted").isFalse();
                assertThat(chat.badge()).contains("Not encrypted");

                chat.send("hello from the browser");
                Incoming in = receiveS2c(java);
                assertThat(in.text()).isEqualTo("hello from the browser");
                assertThat(in.source()).contains(Vip.parse(browserVip));
                assertThat(in.tunneled()).isFalse();
                assertThat(chat.awaitMessage("out", "hello from the browser")).isFalse();
                assertThat(capture.sawPlaintext("hello from the browser")).isTrue(); // plain: the server can read it
                chat.screenshot("chat-plain");
            }
        }
    }

    @Test
    void theChatOpensATunnelWithOneClickAndTheServerSeesOnlyCiphertext() {
        Capture capture = new Capture();
        try (DospServer server = server(b -> { });
             DospClient java = TestServers.client(server);
             DospClient bystander = TestServers.client(server)) {
            server.addListener(capture);
            try (ChatPage chat = ChatPage.open(tmp, page(server))) {
                Vip browserVip = Vip.parse(chat.awaitConnected());
                chat.awaitOnline(bystander.vip().toString());
                java.send(browserVip, "hi, the server can read this");
                chat.select(java.vip().toString());
                assertThat(chat.awaitMessage("in", "hi, the server can read this")).isFalse();
                chat.send("so let us encrypt");
                assertThat(receiveS2c(java).tunneled()).isFalse();
                chat.encrypt();
                assertThat(chat.badge()).isEqualTo("End-to-end encrypted");
                await().atMost(ChatPage.WAIT).until(() -> java.hasTunnel(browserVip));

                chat.send("browser secret 4711");
                Incoming in = receiveS2c(java);
                assertThat(in.text()).isEqualTo("browser secret 4711");
                assertThat(in.tunneled()).as("came through the tunnel").isTrue();
                assertThat(chat.awaitMessage("out", "browser secret 4711")).isTrue();

                java.send(browserVip, "java secret 0815"); // the tunnel is up: sealed
                assertThat(chat.awaitMessage("in", "java secret 0815")).as("marked end-to-end encrypted").isTrue();
                chat.screenshot("chat-tunnel");
                for (int i = 0; i < 20; i++) {
                    java.send(browserVip, "burst " + i);
                }
                chat.awaitMessage("in", "burst 19");
                assertThat(chat.stat("opened")).isEqualTo(21);
                assertThat(chat.stat("tunnelFramesRejected")).isZero();
                chat.screenshot("chat-tunnel-burst");

                assertThat(capture.hellos()).as("the two hellos").isEqualTo(2);
                await().atMost(ChatPage.WAIT).until(() -> capture.frames() == 22);
                assertThat(capture.sawPlaintext("browser secret 4711")).isFalse();
                assertThat(capture.sawPlaintext("java secret 0815")).isFalse();
                assertThat(capture.sawPlaintext("burst")).isFalse();
            }
        }
    }

    @Test
    void aJavaClientOpensTheTunnelAndTheChatShowsItIsEncrypted() {
        try (DospServer server = server(b -> { });
             DospClient java = TestServers.client(server);
             ChatPage chat = ChatPage.open(tmp, page(server))) {
            Vip browserVip = Vip.parse(chat.awaitConnected());
            java.sendSecure(browserVip, "sealed by the JVM".getBytes(StandardCharsets.UTF_8));
            chat.select(java.vip().toString());
            assertThat(chat.awaitMessage("in", "sealed by the JVM")).isTrue();
            chat.awaitSecureConversation();

            chat.send("answer through the same tunnel");
            Incoming in = receiveS2c(java);
            assertThat(in.text()).isEqualTo("answer through the same tunnel");
            assertThat(in.tunneled()).isTrue();
        }
    }

    @Test
    void compressedServerPlainAndTunnel() {
        Capture capture = new Capture();
        try (DospServer server = server(b -> b.compression(true));
             DospClient java = TestServers.client(server);
             ChatPage chat = ChatPage.open(tmp, page(server))) {
            server.addListener(capture);
            Vip browserVip = Vip.parse(chat.awaitConnected());
            assertThat(java.compression()).isTrue();
            chat.select(java.vip().toString());
            chat.send("zlib plain " + "x".repeat(500));
            assertThat(receiveS2c(java).text()).isEqualTo("zlib plain " + "x".repeat(500));
            chat.encrypt();
            chat.send("zlib sealed");
            Incoming in = receiveS2c(java);
            assertThat(in.text()).isEqualTo("zlib sealed");
            assertThat(in.tunneled()).isTrue();
            java.send(browserVip, "zlib sealed back");
            assertThat(chat.awaitMessage("in", "zlib sealed back")).isTrue();
            assertThat(capture.sawPlaintext("zlib sealed")).isFalse();
        }
    }

    @Test
    void errorsAreShownToThePerson() {
        try (DospServer server = server(b -> { });
             ChatPage chat = ChatPage.open(tmp, page(server))) {
            chat.awaitConnected();
            chat.chatWith("127.0.0.250"); // outside the template: nobody can hold it
            chat.send("into the void");
            String error = chat.awaitError("Could not deliver to 127.0.0.250");
            assertThat(error).contains("127.0.0.250");
            chat.awaitFailed("into the void");

            chat.chatWith("7.10.0.250"); // in the template, free
            chat.browserEncrypt();
            assertThat(chat.awaitError("Could not open a tunnel with 7.10.0.250")).contains("S2CF");
            assertThat(chat.badge()).contains("Not encrypted");
        }
    }

    @Test
    void aKickIsShownAndNotRetriedWhileALostConnectionIsRetried() throws Exception {
        try (DospServer server = server(b -> { });
             ChatPage chat = ChatPage.open(tmp, page(server))) {
            Vip vip = Vip.parse(chat.awaitConnected());
            server.client(vip).orElseThrow().disconnect("Idle timeout"); // a reason a client may come back after
            chat.awaitError("Connection lost: the server ended the session: Idle timeout");
            assertThat(chat.awaitConnected()).isEqualTo(vip.toString()); // reconnected, with its vIP back
            assertThat(chat.stat("reconnects")).isEqualTo(1);

            server.client(vip).orElseThrow().disconnect("Disconnected by admin");
            chat.awaitError("Disconnected: the server ended the session: Disconnected by admin");
            assertThat(chat.status()).isEqualTo("closed");
            assertThat(chat.stat("reconnects")).as("a kicked client does not come back").isEqualTo(1);
            assertThat(server.clients()).isEmpty();
        }
    }

    @Test
    void browserToBrowserTunnelAcrossTwoFederatedServers() {
        Capture capture0 = new Capture();
        Capture capture1 = new Capture();
        try (DospServer s0 = DospServer.start(Mesh.config(tmp, 0).webSocket(w -> w.enabled(true).port(0)).build());
             DospServer s1 = DospServer.start(Mesh.config(tmp, 1).webSocket(w -> w.enabled(true).port(0)).build())) {
            s0.addListener(capture0);
            s1.addListener(capture1);
            s0.addPeer(PeerSpec.of("127.0.0.1", s1.port()));
            await().atMost(ChatPage.WAIT).until(() -> s0.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(1)))
                    && s1.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(0))));
            try (ChatPage alice = ChatPage.open(tmp, page(s0)); ChatPage bob = ChatPage.open(tmp, page(s1))) {
                String aliceVip = alice.awaitConnected();
                String bobVip = bob.awaitConnected();
                assertThat(aliceVip).startsWith("10.1.0.");
                assertThat(bobVip).startsWith("10.2.0.");

                alice.chatWith(bobVip);
                alice.encrypt();
                alice.send("hello bob, across the mesh");
                bob.select(aliceVip);
                assertThat(bob.awaitMessage("in", "hello bob, across the mesh")).isTrue();
                bob.awaitSecureConversation();
                bob.send("hello alice, sealed both ways");
                assertThat(alice.awaitMessage("in", "hello alice, sealed both ways")).isTrue();
                alice.screenshot("mesh-alice");
                bob.screenshot("mesh-bob");

                // A server's packet hook sees the S2C its own clients send (what it forwards travels as link
                // frames): between them the two hooks see every packet of the conversation where it entered the mesh.
                for (Capture c : List.of(capture0, capture1)) {
                    assertThat(c.hellos()).isEqualTo(1);
                    assertThat(c.frames()).isEqualTo(1);
                    assertThat(c.sawPlaintext("across the mesh")).isFalse();
                    assertThat(c.sawPlaintext("sealed both ways")).isFalse();
                }
            }
        }
    }
}
