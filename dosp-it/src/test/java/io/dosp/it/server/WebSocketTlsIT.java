package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.DospClient;
import io.dosp.client.HandshakeException;
import io.dosp.server.DospServer;
import io.dosp.testkit.RawWebSocket;
import io.dosp.testkit.TestServers;
import io.dosp.testkit.TestTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss: the WebSocket listener with the server's TLS settings (a self-signed certificate made for the test). */
class WebSocketTlsIT {
    @TempDir
    static Path keys;
    static TestTls tls;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCertificate() {
        tls = TestTls.create(keys);
    }

    private DospServer start() {
        return DospServer.start(TestServers.webSocketConfig(tmp).tls(t -> t.context(tls.server())).build());
    }

    @Test
    void aWssClientTalksToATlsTcpClient() {
        try (DospServer server = start();
             DospClient ws = DospClient.connect(TestServers.webSocketOptions(server).tls(t -> t.context(tls.client())).build());
             DospClient tcp = DospClient.connect(TestServers.options(server).tls(t -> t.context(tls.client())).build())) {
            assertThat(server.webSocketUrl()).startsWith("wss://127.0.0.1:");
            assertThat(ws.server()).isEqualTo(server.webSocketUrl());
            ws.send(tcp.vip(), "over wss");
            assertThat(tcp.receive(TestServers.AWAIT).text()).isEqualTo("over wss");
            tcp.send(ws.vip(), "back over tls");
            assertThat(ws.receive(TestServers.AWAIT).text()).isEqualTo("back over tls");
            ws.openTunnel(tcp.vip());
            ws.send(tcp.vip(), "and through a tunnel");
            assertThat(tcp.receive(TestServers.AWAIT).text()).isEqualTo("and through a tunnel");
        }
    }

    @Test
    void aRawWssConnectionUpgradesAndGetsPongs() {
        try (DospServer server = start();
             RawWebSocket ws = RawWebSocket.openTls(server.webSocketPort(), tls.client())) {
            ws.expectUpgraded(ws.upgrade("/", Map.of())).readHandshake();
            ws.sendFrame(RawWebSocket.PING, true, "over tls".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame pong = ws.readFrame();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(new String(pong.payload(), StandardCharsets.UTF_8)).isEqualTo("over tls");
        }
        try (DospServer server = start();
             RawWebSocket https = RawWebSocket.openTls(server.webSocketPort(), tls.client())) {
            assertThat(https.http("GET", "/", Map.of()).status()).isEqualTo(200);
        }
    }

    @Test
    void plainWebSocketToAWssPortGetsNothingAndAnUntrustedCertificateFailsClearly() throws Exception {
        try (DospServer server = start()) {
            try (RawWebSocket plain = RawWebSocket.open(server.webSocketPort())) {
                plain.sendRaw("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(plain.closedWithin(TestServers.AWAIT)).isTrue();
            }
            SSLContext untrusting = SSLContext.getInstance("TLS");
            untrusting.init(null, null, null);
            assertThatThrownBy(() -> DospClient.connect(TestServers.webSocketOptions(server)
                    .tls(t -> t.context(untrusting)).handshakeTimeout(Duration.ofSeconds(5)).build()))
                    .isInstanceOf(HandshakeException.class).hasMessageContaining("TLS handshake");
        }
    }
}
