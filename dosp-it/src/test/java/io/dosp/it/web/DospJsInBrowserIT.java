package io.dosp.it.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.Browser;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dosp.js's API in a real browser (headless chromium), the module loaded from the server's own
 * {@code /dosp.js}: requests and their errors, RQIP, reconnect after the server restarts, and a reflected
 * tunnel frame refused. Skipped with a message where chromium is not installed.
 */
class DospJsInBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsChromium() {
        ChatPage.assumeBrowser();
    }

    /** A page of the server (the chat, not connecting by itself), so that dosp.js is same-origin. */
    private static Browser blankPage(Path tmp, DospServer server) {
        Browser b = Browser.start(tmp);
        b.open("http://127.0.0.1:" + server.webSocketPort() + "/?autoconnect=0");
        return b;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> run(Browser b, String body, Object... args) {
        Object r = b.driver() instanceof org.openqa.selenium.JavascriptExecutor js
                ? js.executeAsyncScript("const done = arguments[arguments.length - 1]; const args = arguments;"
                        + "(async () => { const dosp = await import('/dosp.js');" + body + "})()"
                        + ".then(done, (e) => done({ thrown: String(e && e.message || e), kind: e && e.kind }));", args)
                : null;
        return (Map<String, Object>) r;
    }

    @Test
    void requestsAndTheirErrorsFromTheBrowser() {
        try (DospServer server = TestServers.start(tmp, b -> b.webSocket(w -> w.enabled(true).port(0)));
             DospClient java = TestServers.client(server);
             Browser b = blankPage(tmp, server)) {
            server.registerFunction("greet", caller -> "hello " + caller.vip());
            server.registerFunction("broken", caller -> {
                throw new IllegalStateException("it broke");
            });
            Map<String, Object> r = run(b, """
                    const c = await dosp.DospClient.connect(args[0], { heartbeatInterval: 0 });
                    const out = { vip: c.vip, compression: c.compression };
                    out.clients = await c.clients();
                    out.ping = (await c.ping('abc')) >= 0;
                    out.greet = await c.call('greet');
                    out.unknown = await c.call('no-such-function').then(() => 'resolved', (e) => e.kind + ' ' + e.codeName);
                    out.broken = await c.call('broken').then(() => 'resolved', (e) => e.kind + ' ' + e.codeName);
                    out.gsi = (await c.selfInfo()).vip;
                    out.taken = await c.requestVip(args[1]).then(() => 'resolved', (e) => e.kind + ': ' + e.message);
                    out.moved = await c.requestVip('7.10.0.77');
                    out.after = c.vip;
                    out.plain15 = await c.send(args[1], new Uint8Array([0x15, 1, 2])).then(() => 'sent', (e) => e.kind);
                    await c.close();
                    out.state = c.state;
                    return out;
                    """, "ws://127.0.0.1:" + server.webSocketPort() + "/", java.vip().toString());
            assertThat(r).doesNotContainKey("thrown");
            assertThat((String) r.get("vip")).startsWith("7.10.0.");
            assertThat(r.get("compression")).isEqualTo(false);
            assertThat((java.util.List<String>) r.get("clients")).contains(java.vip().toString(), (String) r.get("vip"));
            assertThat(r.get("ping")).isEqualTo(true);
            assertThat(r.get("greet")).isEqualTo("hello " + r.get("vip"));
            assertThat(r.get("unknown")).isEqualTo("server FNF");
            assertThat(r.get("broken")).isEqualTo("server FF");
            assertThat(r.get("gsi")).isEqualTo(r.get("vip"));
            assertThat((String) r.get("taken")).startsWith("server: RQIP refused:");
            assertThat(r.get("moved")).isEqualTo("7.10.0.77");
            assertThat(r.get("after")).isEqualTo("7.10.0.77");
            assertThat(r.get("plain15")).isEqualTo("argument");
            assertThat(r.get("state")).isEqualTo("closed");
            await().atMost(WAIT).until(() -> server.clients().size() == 1); // the browser's EXIT was seen
        }
    }

    @Test
    void reconnectsWithItsVipAfterTheServerRestarts() throws IOException {
        int wsPort;
        try (ServerSocket s = new ServerSocket(0)) {
            wsPort = s.getLocalPort();
        }
        String url = "ws://127.0.0.1:" + wsPort + "/";
        DospServer first = TestServers.start(tmp, b -> b.webSocket(w -> w.enabled(true).port(wsPort)));
        Browser b = blankPage(tmp, first);
        try {
            Map<String, Object> r = run(b, """
                    const c = await dosp.DospClient.connect(args[0], { heartbeatInterval: 0, reconnectInitialDelay: 100, reconnectMaxDelay: 500 });
                    window.c = c;
                    window.events = [];
                    for (const t of ['close', 'reconnecting', 'open']) c.on(t, (d) => window.events.push(t));
                    return { vip: c.vip };
                    """, url);
            String vip = (String) r.get("vip");
            first.close();
            await().atMost(WAIT).until(() -> "reconnecting".equals(b.script("return window.c.state;")));

            try (DospServer second = TestServers.start(tmp, x -> x.webSocket(w -> w.enabled(true).port(wsPort)))) {
                await().atMost(WAIT).until(() -> "open".equals(b.script("return window.c.state;")));
                DospClient java = TestServers.client(second); // after the browser is back: it must not take its vIP
                assertThat(b.script("return window.c.vip;")).isEqualTo(vip);
                assertThat(((Number) b.script("return window.c.stats.reconnects;")).intValue()).isEqualTo(1);
                assertThat((java.util.List<Object>) b.script("return window.events;")).startsWith("close", "reconnecting").endsWith("open");
                Map<String, Object> sent = run(b, "await window.c.send(args[0], 'back again'); return {};", java.vip().toString());
                assertThat(sent).doesNotContainKey("thrown");
                Incoming in = java.receive(WAIT);
                assertThat(in.text()).isEqualTo("back again");
                assertThat(in.source()).contains(Vip.parse(vip));
                java.close();
            }
        } finally {
            b.close();
            first.close();
        }
    }

    @Test
    void aFloodOfHandshakesIsAnsweredWithinTheBoundsAndHurtsNoOne() {
        int hellos = 200;
        try (DospServer server = TestServers.start(tmp, b -> b.webSocket(w -> w.enabled(true).port(0)));
             DospClient java = TestServers.client(server);
             RawClient flooder = RawClient.connect(server.port());
             Browser b = blankPage(tmp, server)) {
            Map<String, Object> r = run(b, """
                    const c = await dosp.DospClient.connect(args[0], { heartbeatInterval: 0 });
                    window.c = c;
                    window.got = [];
                    c.on('message', (m) => window.got.push(m.text));
                    return { vip: c.vip };
                    """, "ws://127.0.0.1:" + server.webSocketPort() + "/");
            Vip browser = Vip.parse((String) r.get("vip"));
            SecureRandom random = new SecureRandom();
            for (int i = 0; i < hellos; i++) { // every one a well-formed opening hello with a fresh key
                byte[] hello = TunnelHello.create(X25519KeyPair.generate(), Clock.systemUTC(), random).encode();
                byte[] opening = Arrays.copyOf(hello, hello.length + 1);
                opening[hello.length] = 0x01;
                flooder.send(Packets.s2c(browser, flooder.vip(), opening));
            }
            await().atMost(WAIT).until(() -> ((Number) b.script("return window.c.stats.handshakesReceived;")).intValue() == hellos);
            int refused = ((Number) b.script("return window.c.stats.handshakesRefused;")).intValue();
            int answered = hellos - refused;
            // Per peer: a burst of 4, then 1 a second; answering 200 would take minutes.
            assertThat(answered).isBetween(1, hellos / 4);
            int answers = 0;
            while (answers < answered) { // the answers the page counted are exactly the hellos it sent back
                Packet p = flooder.receive(PacketType.S2C);
                byte[] data = ((S2cPacket) p).data();
                if (data.length == TunnelHandshake.HELLO_LENGTH + 1 && data[TunnelHandshake.HELLO_LENGTH] == 0x02) {
                    answers++;
                }
            }
            assertThat(answers).isEqualTo(answered);
            assertThat((java.util.List<Object>) b.script("return window.c.tunnelPeers();")).containsExactly(flooder.vip().toString());

            java.send(browser, "still here");
            await().atMost(WAIT).until(() -> ((java.util.List<?>) b.script("return window.got;")).contains("still here"));
        }
    }

    @Test
    void aTunnelFrameSentBackToItsSenderIsRefusedAsReflected() {
        AtomicInteger reflected = new AtomicInteger();
        try (DospServer server = TestServers.start(tmp, b -> b.webSocket(w -> w.enabled(true).port(0)));
             DospClient java = TestServers.client(server);
             Browser b = blankPage(tmp, server)) {
            // A hostile relay: every sealed frame from the browser is also sent back to it, as if from its peer.
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient from, Packet packet) {
                    if (packet instanceof S2cPacket s && s.dataLength() >= 60 && s.dst().equals(java.vip())) {
                        from.send(Packets.s2c(from.vip(), s.dst(), s.data()));
                        reflected.incrementAndGet();
                    }
                    return false;
                }
            });
            Map<String, Object> r = run(b, """
                    const c = await dosp.DospClient.connect(args[0], { heartbeatInterval: 0 });
                    window.c = c;
                    window.got = [];
                    c.on('message', (m) => window.got.push(m.text));
                    await c.openTunnel(args[1]);
                    await c.send(args[1], 'only for the JVM');
                    return { vip: c.vip };
                    """, "ws://127.0.0.1:" + server.webSocketPort() + "/", java.vip().toString());
            assertThat(r).doesNotContainKey("thrown");
            Incoming in = java.receive(WAIT);
            assertThat(in.text()).isEqualTo("only for the JVM");
            assertThat(in.tunneled()).isTrue();
            await().atMost(WAIT).until(() -> ((Number) b.script("return window.c.stats.reflected;")).intValue() == 1);
            assertThat(reflected.get()).isEqualTo(1);
            java.send(Vip.parse((String) r.get("vip")), "a real one");
            await().atMost(WAIT).until(() -> ((java.util.List<?>) b.script("return window.got;")).contains("a real one"));
            assertThat((java.util.List<Object>) b.script("return window.got;")).containsExactly("a real one");
        }
    }
}
