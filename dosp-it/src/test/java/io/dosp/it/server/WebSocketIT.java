package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.RawWebSocket;
import io.dosp.testkit.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebSocket listener (spec section 10) over real sockets: the reference's wire behaviour (one
 * DoSP frame per binary message out, one byte stream in, empty and text messages ignored, Pongs with
 * the payload, EXIT then Close), its bounds (message size, Origin, upgrade timeout, connections
 * waiting for their upgrade), the web files, and the same vIP space as TCP.
 */
class WebSocketIT {
    private static final Duration AWAIT = TestServers.AWAIT;

    @TempDir
    Path tmp;

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String dataOf(Packet p) {
        assertThat(p).isInstanceOf(S2cPacket.class);
        return new String(((S2cPacket) p).data(), StandardCharsets.UTF_8);
    }

    @Test
    void aJavaClientOverWebSocketAndATcpClientShareOneVipSpace() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             DospClient ws = DospClient.connect(TestServers.webSocketOptions(server).build());
             DospClient tcp = TestServers.client(server)) {
            assertThat(ws.server()).isEqualTo(server.webSocketUrl());
            assertThat(ws.vip()).isNotEqualTo(tcp.vip());
            assertThat(server.config().template().contains(ws.vip())).isTrue();
            ws.send(tcp.vip(), "from ws to tcp");
            assertThat(tcp.receive(AWAIT).text()).isEqualTo("from ws to tcp");
            tcp.send(ws.vip(), "from tcp to ws");
            assertThat(ws.receive(AWAIT).text()).isEqualTo("from tcp to ws");
            assertThat(ws.clients()).containsExactlyInAnyOrder(ws.vip(), tcp.vip());
            assertThat(ws.ping()).isNotNull();
            ws.openTunnel(tcp.vip());
            ws.send(tcp.vip(), "through a tunnel, over ws");
            assertThat(tcp.receive(AWAIT).text()).isEqualTo("through a tunnel, over ws");
            TestServers.awaitExactly(server, ws.vip(), tcp.vip());
        }
    }

    @Test
    void compressionFollowsTheHandshakeFlagOverWebSocketToo() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).compression(true).build());
             DospClient ws = DospClient.connect(TestServers.webSocketOptions(server).build());
             DospClient tcp = TestServers.client(server)) {
            assertThat(ws.compression()).isTrue();
            String text = "compressed over ws ".repeat(200);
            ws.send(tcp.vip(), text);
            assertThat(tcp.receive(AWAIT).text()).isEqualTo(text);
            tcp.send(ws.vip(), text);
            assertThat(ws.receive(AWAIT).text()).isEqualTo(text);
            assertThat(ws.clients()).containsExactlyInAnyOrder(ws.vip(), tcp.vip());
        }
    }

    @Test
    void inboundMessagesAreOneByteStreamWhateverTheirCut() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawClient target = RawClient.connect(server.port());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            Vip dst = target.vip();
            byte[] split = PacketCodec.encode(Packets.s2c(dst, text("split over three messages")));
            ws.sendBinary(new byte[0]); // the reference client sends an empty message before each read
            ws.sendBinary(Arrays.copyOfRange(split, 0, 3)); // the header cut in two
            ws.sendBinary(new byte[0]);
            ws.sendBinary(Arrays.copyOfRange(split, 3, 12));
            ws.sendBinary(Arrays.copyOfRange(split, 12, split.length));
            assertThat(dataOf(target.receive())).isEqualTo("split over three messages");

            ByteArrayOutputStream three = new ByteArrayOutputStream();
            for (int i = 1; i <= 3; i++) {
                three.writeBytes(PacketCodec.encode(Packets.s2c(dst, text("coalesced " + i))));
            }
            ws.sendBinary(three.toByteArray());
            for (int i = 1; i <= 3; i++) {
                assertThat(dataOf(target.receive())).isEqualTo("coalesced " + i);
            }

            // A text message that holds a valid DoSP frame (with a text continuation) is ignored, as the reference does.
            byte[] ignored = PacketCodec.encode(Packets.s2c(dst, text("never routed")));
            ws.sendFrame(RawWebSocket.TEXT, false, Arrays.copyOfRange(ignored, 0, 5));
            ws.sendFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(ignored, 5, ignored.length));

            // A fragmented binary message whose fragments cut two frames anywhere.
            byte[] a = PacketCodec.encode(Packets.s2c(dst, text("fragment A")));
            byte[] b = PacketCodec.encode(Packets.s2c(dst, text("fragment B")));
            byte[] both = new byte[a.length + b.length];
            System.arraycopy(a, 0, both, 0, a.length);
            System.arraycopy(b, 0, both, a.length, b.length);
            ws.sendFrame(RawWebSocket.BINARY, false, Arrays.copyOfRange(both, 0, 7));
            ws.sendFrame(RawWebSocket.CONTINUATION, false, new byte[0]);
            ws.sendFrame(RawWebSocket.CONTINUATION, false, Arrays.copyOfRange(both, 7, a.length + 2));
            ws.sendFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(both, a.length + 2, both.length));
            assertThat(dataOf(target.receive())).isEqualTo("fragment A");
            assertThat(dataOf(target.receive())).isEqualTo("fragment B");

            // The text message did nothing: the next packet the target gets is this one, and the server counted 7 in.
            ws.send(Packets.s2c(dst, text("last")));
            assertThat(dataOf(target.receive())).isEqualTo("last");
            Vip wsVip = server.clients().stream().map(c -> c.vip()).filter(v -> !v.equals(dst)).findFirst().orElseThrow();
            assertThat(server.client(wsVip).orElseThrow().stats().packetsIn()).isEqualTo(7);
        }
    }

    @Test
    void everyOutboundFrameIsOneBinaryMessage() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort())) {
            // AIP and HSK: two messages.
            RawWebSocket.Frame aip = ws.readFrame();
            assertThat(aip.opcode()).isEqualTo(RawWebSocket.BINARY);
            assertThat(aip.fin()).isTrue();
            assertThat(aip.payload()).hasSize(5 + 4);
            assertThat(aip.payload()[0]).isEqualTo((byte) PacketType.AIP.code());
            RawWebSocket.Frame hsk = ws.readFrame();
            assertThat(hsk.payload()[0]).isEqualTo((byte) PacketType.HSK.code());
            Vip wsVip = Vip.fromBytes(aip.payload(), 5);
            try (RawClient tcp = RawClient.connect(server.port())) {
                // 20 frames in one TCP write: the server routes them in one batch, and must still cut it per frame.
                ByteArrayOutputStream burst = new ByteArrayOutputStream();
                for (int i = 0; i < 20; i++) {
                    burst.writeBytes(PacketCodec.encode(Packets.s2c(wsVip, text("burst " + i))));
                }
                tcp.sendRaw(burst.toByteArray());
                for (int i = 0; i < 20; i++) {
                    RawWebSocket.Frame f = ws.readFrame();
                    assertThat(f.opcode()).isEqualTo(RawWebSocket.BINARY);
                    assertThat(f.fin()).isTrue();
                    Packet p = PacketCodec.decodeFrame(f.payload()); // exactly one whole frame, nothing after it
                    assertThat(dataOf(p)).isEqualTo("burst " + i);
                    assertThat(((S2cPacket) p).src()).isEqualTo(tcp.vip());
                }
            }
        }
    }

    @Test
    void aPingIsAnsweredWithItsPayload() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            ws.sendFrame(RawWebSocket.PING, true, text("are you there"));
            RawWebSocket.Frame pong = ws.readFrame();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(new String(pong.payload(), StandardCharsets.UTF_8)).isEqualTo("are you there");
            ws.send(Packets.ping(text("dosp ping")));
            Packet p = ws.receive();
            assertThat(p.type()).isEqualTo(PacketType.PING);
            assertThat(((SimplePacket) p).bodyText()).isEqualTo("dosp ping");
        }
    }

    @Test
    void aClientCloseIsAnsweredWithClose() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            ws.sendFrame(RawWebSocket.CLOSE, true, new byte[] {0x03, (byte) 0xE8}); // 1000
            RawWebSocket.Frame close = ws.readFrame();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1000);
            assertThat(ws.closedWithin(AWAIT)).isTrue();
            await().atMost(AWAIT).until(() -> server.clients().isEmpty());
        }
    }

    @Test
    void aKickIsExitThenCloseThenEof() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            await().atMost(AWAIT).until(() -> server.clients().size() == 1);
            server.clients().get(0).disconnect("Disconnected by admin");
            Packet exit = ws.receive();
            assertThat(exit.type()).isEqualTo(PacketType.EXIT);
            assertThat(((SimplePacket) exit).bodyText()).isEqualTo("Disconnected by admin");
            RawWebSocket.Frame close = ws.readFrame();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1000);
            assertThat(ws.closedWithin(AWAIT)).isTrue();
        }
    }

    @Test
    void shutdownIsExitThenCloseForEveryWebSocketClient() {
        DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
        try (RawWebSocket a = RawWebSocket.connect(server.webSocketPort()).readHandshake();
             RawWebSocket b = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            await().atMost(AWAIT).until(() -> server.clients().size() == 2);
            server.close();
            for (RawWebSocket ws : List.of(a, b)) {
                Packet exit = ws.receive();
                assertThat(((SimplePacket) exit).bodyText()).isEqualTo(DospServer.SHUTDOWN_REASON);
                assertThat(ws.readFrame().opcode()).isEqualTo(RawWebSocket.CLOSE);
                assertThat(ws.closedWithin(AWAIT)).isTrue();
            }
        } finally {
            server.close();
        }
    }

    @Test
    void anOversizedMessageClosesWith1009WholeOrInFragments() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .webSocket(w -> w.maxMessageSize(2048)).build())) {
            try (RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
                ws.sendBinary(new byte[3000]);
                RawWebSocket.Frame close = ws.readFrame();
                assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
                assertThat(close.closeStatus()).isEqualTo(1009);
                assertThat(ws.closedWithin(AWAIT)).isTrue();
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
                // The start of one S2C frame (so the fragments decode into nothing the server would answer).
                byte[] s2c = PacketCodec.encode(Packets.s2c(TestServers.vip("7.10.0.9"), new byte[4000]));
                ws.sendFrame(RawWebSocket.BINARY, false, Arrays.copyOfRange(s2c, 0, 1500));
                // each fragment fits, the message does not
                ws.sendFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(s2c, 1500, 3000));
                RawWebSocket.Frame close = ws.readFrame();
                assertThat(close.closeStatus()).isEqualTo(1009);
                assertThat(ws.closedWithin(AWAIT)).isTrue();
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
                ws.sendBinary(new byte[2048]); // at the limit: accepted (zeros: an empty frame of type 0, answered with ERR)
                assertThat(ws.receive().type()).isEqualTo(PacketType.ERR);
            }
            await().atMost(AWAIT).until(() -> server.stats().drops(DropReason.WS_MESSAGE_TOO_LARGE) == 2);
        }
    }

    @Test
    void aWebSocketFrameLeftUnfinishedIsHeldToTheFrameTimeout() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .limits(l -> l.frameTimeout(Duration.ofSeconds(1))).build());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            byte[] frame = RawWebSocket.frame(RawWebSocket.BINARY, true, new byte[500]);
            ws.sendRaw(Arrays.copyOfRange(frame, 0, 40)); // the header and a few bytes of a frame that never ends
            RawWebSocket.Frame close = ws.readFrame();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1008);
            assertThat(ws.closedWithin(AWAIT)).isTrue();
            assertThat(server.stats().drops(DropReason.FRAME_TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void unfinishedWebSocketFramesAreHeldToTheFrameMemory() {
        // memory budget 1 MiB: unfinished frames may hold 256 KiB together; a message may be 512 KiB
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .limits(l -> l.maxFrameSize(1024).memoryBudget(1 << 20))
                .webSocket(w -> w.maxMessageSize(512 << 10)).build());
             RawWebSocket small = RawWebSocket.connect(server.webSocketPort()).readHandshake();
             RawWebSocket big = RawWebSocket.connect(server.webSocketPort()).readHandshake()) {
            byte[] fits = RawWebSocket.frame(RawWebSocket.BINARY, true, new byte[3000]);
            small.sendRaw(Arrays.copyOfRange(fits, 0, 2000)); // held, within the 256 KiB
            byte[] tooMuch = RawWebSocket.frame(RawWebSocket.BINARY, true, new byte[400 << 10]);
            big.sendRaw(Arrays.copyOfRange(tooMuch, 0, 270 << 10)); // would take the frame memory past its limit
            RawWebSocket.Frame close = big.readFrame();
            assertThat(close.closeStatus()).isEqualTo(1013);
            assertThat(big.closedWithin(AWAIT)).isTrue();
            assertThat(server.stats().drops(DropReason.FRAME_MEMORY)).isEqualTo(1);
            // The held one finishes its frame (zeros: a type-0 frame, answered with ERR) and stays.
            small.sendRaw(Arrays.copyOfRange(fits, 2000, fits.length));
            assertThat(small.receive().type()).isEqualTo(PacketType.ERR);
        }
    }

    @Test
    void browserOriginsAreTheServersOwnByDefault() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build())) {
            int port = server.webSocketPort();
            try (RawWebSocket ws = RawWebSocket.open(port)) {
                RawWebSocket.HttpResponse r = ws.upgrade("/", Map.of("Origin", "https://evil.example"));
                assertThat(r.status()).isEqualTo(403);
                assertThat(ws.closedWithin(AWAIT)).isTrue();
            }
            try (RawWebSocket ws = RawWebSocket.open(port)) {
                assertThat(ws.upgrade("/", Map.of("Origin", "null")).status()).isEqualTo(403);
            }
            try (RawWebSocket ws = RawWebSocket.open(port)) { // the page this port served
                ws.expectUpgraded(ws.upgrade("/chat", Map.of("Origin", "http://127.0.0.1:" + port))).readHandshake();
            }
            try (RawWebSocket ws = RawWebSocket.open(port)) { // no Origin: not a browser
                ws.expectUpgraded(ws.upgrade("/any/path", Map.of())).readHandshake();
            }
            assertThat(server.stats().drops(DropReason.WS_ORIGIN_REFUSED)).isEqualTo(2);
        }
    }

    @Test
    void withAnOriginListOnlyThoseOriginsUpgrade() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .webSocket(w -> w.allowedOrigins(List.of("https://Chat.Example.org:443/"))).build())) {
            int port = server.webSocketPort();
            try (RawWebSocket ws = RawWebSocket.open(port)) {
                ws.expectUpgraded(ws.upgrade("/", Map.of("Origin", "https://chat.example.org"))).readHandshake();
            }
            try (RawWebSocket ws = RawWebSocket.open(port)) {
                assertThat(ws.upgrade("/", Map.of("Origin", "http://127.0.0.1:" + port)).status()).isEqualTo(403);
            }
            try (RawWebSocket ws = RawWebSocket.open(port)) {
                assertThat(ws.upgrade("/", Map.of("Origin", "https://chat.example.org:8443")).status()).isEqualTo(403);
            }
            assertThat(server.stats().drops(DropReason.WS_ORIGIN_REFUSED)).isEqualTo(2);
        }
    }

    @Test
    void thePortServesTheWebFilesAndNothingElse() throws IOException {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawWebSocket http = RawWebSocket.open(server.webSocketPort())) {
            RawWebSocket.HttpResponse index = http.http("GET", "/", Map.of());
            assertThat(index.status()).isEqualTo(200);
            assertThat(index.headers().get("content-type")).isEqualTo("text/html; charset=utf-8");
            assertThat(index.headers().get("x-content-type-options")).isEqualTo("nosniff");
            assertThat(index.body()).isEqualTo(resource("index.html"));
            RawWebSocket.HttpResponse head = http.http("HEAD", "/index.html", Map.of());
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.headers().get("content-length")).isEqualTo(Integer.toString(index.body().length));
            RawWebSocket.HttpResponse js = http.http("GET", "/fixture.js?v=1", Map.of());
            assertThat(js.status()).isEqualTo(200);
            assertThat(js.headers().get("content-type")).isEqualTo("text/javascript; charset=utf-8");
            assertThat(js.body()).isEqualTo(resource("fixture.js"));
            // dosp.js comes with the web chat: served byte for byte when the jar has it, 404 until then.
            byte[] dospJs = resourceOrNull("dosp.js");
            RawWebSocket.HttpResponse lib = http.http("GET", "/dosp.js", Map.of());
            if (dospJs == null) {
                assertThat(lib.status()).isEqualTo(404);
            } else {
                assertThat(lib.status()).isEqualTo(200);
                assertThat(lib.headers().get("content-type")).isEqualTo("text/javascript; charset=utf-8");
                assertThat(lib.body()).isEqualTo(dospJs);
            }
            for (String path : List.of("/../pom.xml", "/%2e%2e/%2e%2e/etc/passwd", "/.hidden.js", "/a/../index.html",
                    "//etc/passwd", "/index.html/", "/WebSocketIT.class", "/io/dosp/server/DospServer.class",
                    "/nothing-here.html", "/index.exe")) {
                assertThat(http.http("GET", path, Map.of()).status()).as(path).isEqualTo(404);
            }
            RawWebSocket.HttpResponse post = http.http("POST", "/", Map.of("Content-Length", "0"));
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.headers().get("allow")).isEqualTo("GET, HEAD");
        }
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).webSocket(w -> w.staticFiles(false)).build());
             RawWebSocket http = RawWebSocket.open(server.webSocketPort())) {
            assertThat(http.http("GET", "/", Map.of()).status()).isEqualTo(404);
        }
    }

    @Test
    void somethingThatIsNotHttpGets400() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp).build());
             RawWebSocket raw = RawWebSocket.open(server.webSocketPort())) {
            raw.sendRaw(PacketCodec.encode(Packets.clientInfo(TestServers.hash('a')))); // a TCP DoSP client on the wrong port
            raw.sendRaw(text("\r\n\r\n"));
            assertThat(raw.closedWithin(AWAIT)).isTrue();
            await().atMost(AWAIT).until(() -> server.stats().drops(DropReason.WS_BAD_REQUEST) == 1);
            assertThat(server.clients()).isEmpty();
        }
    }

    @Test
    void idleAndHalfOpenConnectionsDelayNobodyAndAreClosedByTheUpgradeTimeout() throws Exception {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .limits(l -> l.maxConnectionsPerAddress(0))
                .webSocket(w -> w.upgradeTimeout(Duration.ofSeconds(8))).build())) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", server.webSocketPort()), 5_000);
                    if (i % 2 == 1) { // half an upgrade request, never finished
                        s.getOutputStream().write(text("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: webso"));
                        s.getOutputStream().flush();
                    }
                    idle.add(s);
                }
                // While the 50 sit there, two clients upgrade and talk.
                try (DospClient a = DospClient.connect(TestServers.webSocketOptions(server).build());
                     DospClient b = DospClient.connect(TestServers.webSocketOptions(server).machineHash("ef".repeat(32)).build())) {
                    a.send(b.vip(), "past the idle ones");
                    assertThat(b.receive(AWAIT).text()).isEqualTo("past the idle ones");
                    b.send(a.vip(), "and back");
                    assertThat(a.receive(AWAIT).text()).isEqualTo("and back");
                }
                // None of the 50 had been closed yet: the clients did not wait for their timeout.
                assertThat(server.stats().drops(DropReason.WS_UPGRADE_TIMEOUT)).isZero();
                for (Socket s : idle) {
                    s.setSoTimeout((int) AWAIT.toMillis());
                    InputStream in = s.getInputStream();
                    assertThat(in.read()).isEqualTo(-1); // closed by the server, nothing sent
                }
                assertThat(server.stats().drops(DropReason.WS_UPGRADE_TIMEOUT)).isEqualTo(50);
                assertThat(server.stats().clientsConnected()).isZero();
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectionsWaitingForTheirUpgradeAreBounded() throws Exception {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .limits(l -> l.maxConnectionsPerAddress(0))
                .webSocket(w -> w.maxPendingUpgrades(3)).build())) {
            List<RawWebSocket> waiting = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    waiting.add(RawWebSocket.open(server.webSocketPort()));
                }
                // The accepts are handled in order on the server: wait until the three are counted before the fourth.
                try (RawWebSocket fourth = RawWebSocket.open(server.webSocketPort())) {
                    assertThat(fourth.closedWithin(AWAIT)).isTrue();
                }
                assertThat(server.stats().drops(DropReason.WS_PENDING_LIMIT)).isEqualTo(1);
                // One of the three upgrades: its place is free again.
                waiting.get(0).expectUpgraded(waiting.get(0).upgrade("/", Map.of())).readHandshake();
                await().atMost(AWAIT).untilAsserted(() -> {
                    try (RawWebSocket again = RawWebSocket.open(server.webSocketPort())) {
                        again.expectUpgraded(again.upgrade("/", Map.of())).readHandshake();
                    }
                });
            } finally {
                waiting.forEach(RawWebSocket::close);
            }
        }
    }

    @Test
    void perAddressLimitsCountWebSocketClientsToo() {
        try (DospServer server = DospServer.start(TestServers.webSocketConfig(tmp)
                .limits(l -> l.maxConnectionsPerAddress(2)).build());
             RawClient tcp = RawClient.connect(server.port());
             RawWebSocket ws = RawWebSocket.connect(server.webSocketPort()).readHandshake();
             RawWebSocket third = RawWebSocket.connect(server.webSocketPort())) {
            Packet exit = third.receive();
            assertThat(exit.type()).isEqualTo(PacketType.EXIT);
            assertThat(((SimplePacket) exit).bodyText()).isEqualTo("Too many connections from your address");
            assertThat(third.readFrame().opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(server.stats().drops(DropReason.ADDRESS_LIMIT)).isEqualTo(1);
        }
    }

    @Test
    void aWebSocketUrlThatIsNoWebSocketServerFailsClearly() {
        try (DospServer server = DospServer.start(TestServers.config(tmp).build())) {
            String url = "ws://127.0.0.1:" + server.port() + "/";
            assertThatThrownBy(() -> DospClient.connect(TestServers.options(server).server(url)
                    .handshakeTimeout(Duration.ofSeconds(5)).build()))
                    .isInstanceOf(DospClientException.class).hasMessageContaining(url);
        }
    }

    private static byte[] resource(String name) throws IOException {
        byte[] b = resourceOrNull(name);
        assertThat(b).as(name).isNotNull();
        return b;
    }

    private static byte[] resourceOrNull(String name) throws IOException {
        try (InputStream in = WebSocketIT.class.getResourceAsStream("/io/dosp/server/web/" + name)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
