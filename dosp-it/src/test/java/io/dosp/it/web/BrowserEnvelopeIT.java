package io.dosp.it.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.Browser;
import io.dosp.testkit.Mesh;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dosp.js's {@code Messenger} in a real browser (headless chromium) against a JVM client that speaks the envelope of
 * {@code docs/messaging.md} with core's {@link Envelope} alone, over a tunnel across two federated servers: the page
 * on server A over WebSocket, the JVM client on server B over TCP. Calls both ways with their errors (no such
 * method), named messages both ways, and a file streamed from the page with credit and SHA-256. This pins dosp.js
 * to the wire format as the Java core reads and writes it, independent of the Java messaging module.
 */
class BrowserEnvelopeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsChromium() {
        ChatPage.assumeBrowser();
    }

    /**
     * The JVM end: reads envelopes from a DospClient's S2C, answers REQUEST {@code add}, refuses other methods with
     * NO_SUCH_METHOD, records MESSAGEs, receives streams (granting credit, checking the SHA-256) and makes its own
     * calls. Everything it sends goes through the tunnel ({@code sendSecure}).
     */
    static final class EnvelopePeer implements AutoCloseable {
        final DospClient client;
        final List<String> messages = new CopyOnWriteArrayList<>();
        final List<Boolean> tunneled = new CopyOnWriteArrayList<>();
        final Map<Long, CompletableFuture<Envelope>> calls = new ConcurrentHashMap<>();
        final CompletableFuture<String> streamed = new CompletableFuture<>();
        final AtomicLong nextId = new AtomicLong(1);
        private final Thread reader;
        private volatile boolean closed;
        private MessageDigest digest;
        private long streamBytes;
        private long granted;

        EnvelopePeer(DospClient client) {
            this.client = client;
            this.reader = new Thread(this::run, "envelope-peer");
            this.reader.setDaemon(true);
            this.reader.start();
        }

        private void run() {
            while (!closed) {
                Incoming in = client.receive(Duration.ofMillis(200));
                if (in == null || !in.isS2c() || !Envelope.isEnvelope(in.data())) {
                    continue;
                }
                tunneled.add(in.tunneled());
                Vip from = in.source().orElseThrow();
                try {
                    handle(from, Envelope.decode(in.data()));
                } catch (Exception e) {
                    streamed.completeExceptionally(e);
                }
            }
        }

        private void handle(Vip from, Envelope e) throws Exception {
            switch (e.kind()) {
                case Envelope.MESSAGE -> messages.add(e.name() + ":" + new String(e.bodyBytes(), StandardCharsets.UTF_8));
                case Envelope.REQUEST -> {
                    if (e.name().equals("add")) {
                        String args = new String(e.bodyBytes(), StandardCharsets.UTF_8); // [a,b] of small integers
                        String[] ab = args.substring(1, args.length() - 1).split(",");
                        long sum = Long.parseLong(ab[0].trim()) + Long.parseLong(ab[1].trim());
                        reply(from, Envelope.RESPONSE, e.id(), Envelope.JSON, Long.toString(sum).getBytes(StandardCharsets.UTF_8));
                    } else {
                        reply(from, Envelope.ERROR, e.id(), Envelope.JSON,
                                ("{\"code\":\"NO_SUCH_METHOD\",\"message\":\"no method named " + e.name() + "\"}").getBytes(StandardCharsets.UTF_8));
                    }
                }
                case Envelope.RESPONSE, Envelope.ERROR -> {
                    CompletableFuture<Envelope> f = calls.remove(e.id());
                    if (f != null) {
                        f.complete(e);
                    }
                }
                case Envelope.STREAM_OPEN -> {
                    digest = MessageDigest.getInstance("SHA-256");
                    streamBytes = 0;
                    granted = 4096;
                    credit(from, e.id(), 4096);
                }
                case Envelope.STREAM_CHUNK -> {
                    assertThat(streamBytes + e.bodyLength()).as("chunk bytes within the credit").isLessThanOrEqualTo(granted);
                    digest.update(e.bodyBytes());
                    streamBytes += e.bodyLength();
                    if (granted - streamBytes < 2048) { // a small window: many credit grants
                        granted += 4096;
                        credit(from, e.id(), 4096);
                    }
                }
                case Envelope.STREAM_END -> {
                    String sha = HexFormat.of().formatHex(digest.digest());
                    boolean ok = sha.equals(HexFormat.of().formatHex(e.bodyBytes()));
                    if (ok) {
                        reply(from, Envelope.RESPONSE, e.id(), Envelope.JSON,
                                ("{\"bytes\":" + streamBytes + ",\"sha256\":\"" + sha + "\"}").getBytes(StandardCharsets.UTF_8));
                        streamed.complete(streamBytes + ":" + sha);
                    } else {
                        reply(from, Envelope.ERROR, e.id(), Envelope.JSON,
                                "{\"code\":\"INTEGRITY\",\"message\":\"SHA-256 mismatch\"}".getBytes(StandardCharsets.UTF_8));
                        streamed.completeExceptionally(new AssertionError("SHA-256 mismatch"));
                    }
                }
                default -> { }
            }
        }

        private void credit(Vip to, long id, int n) {
            reply(to, Envelope.CREDIT, id, Envelope.RAW, ByteBuffer.allocate(4).putInt(n).array());
        }

        private void reply(Vip to, int kind, long id, int contentType, byte[] body) {
            client.sendSecure(to, new Envelope(kind, Envelope.FLAG_REPLY, id, "", contentType, body).encode());
        }

        Envelope call(Vip to, String method, String jsonArgs) throws Exception {
            long id = nextId.getAndIncrement();
            CompletableFuture<Envelope> f = new CompletableFuture<>();
            calls.put(id, f);
            client.sendSecure(to, new Envelope(Envelope.REQUEST, 0, id, method, Envelope.JSON,
                    jsonArgs.getBytes(StandardCharsets.UTF_8)).encode());
            return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        void message(Vip to, String name, String json) {
            client.sendSecure(to, new Envelope(Envelope.MESSAGE, 0, 0, name, Envelope.JSON,
                    json.getBytes(StandardCharsets.UTF_8)).encode());
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            reader.join(5000);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> run(Browser b, String body, Object... args) {
        Object r = ((org.openqa.selenium.JavascriptExecutor) b.driver()).executeAsyncScript(
                "const done = arguments[arguments.length - 1]; const args = arguments;"
                        + "(async () => { const dosp = await import('/dosp.js');" + body + "})()"
                        + ".then(done, (e) => done({ thrown: String(e && e.message || e), code: e && e.code }));", args);
        return (Map<String, Object>) r;
    }

    @Test
    void callsMessagesAndAStreamBetweenThePageAndAJvmClientThroughATunnelAcrossTwoServers() throws Exception {
        try (DospServer s0 = DospServer.start(Mesh.config(tmp, 0).webSocket(w -> w.enabled(true).port(0)).build());
             DospServer s1 = DospServer.start(Mesh.config(tmp, 1).build())) {
            s0.addPeer(PeerSpec.of("127.0.0.1", s1.port()));
            await().atMost(WAIT).until(() -> s0.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(1)))
                    && s1.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(0))));
            BrowserChatIT.Capture capture0 = new BrowserChatIT.Capture();
            BrowserChatIT.Capture capture1 = new BrowserChatIT.Capture();
            s0.addListener(capture0);
            s1.addListener(capture1);
            try (DospClient java = DospClient.connect("127.0.0.1", s1.port());
                 EnvelopePeer peer = new EnvelopePeer(java);
                 Browser b = Browser.start(tmp)) {
                b.open("http://127.0.0.1:" + s0.webSocketPort() + "/?autoconnect=0");
                Map<String, Object> setup = run(b, """
                        const c = await dosp.DospClient.connect(args[0], { heartbeatInterval: 0 });
                        const m = new dosp.Messenger(c, { tunnel: true });
                        window.notes = [];
                        m.method('shout', (s) => s.toUpperCase(), { params: [{ name: 's', type: 'string' }], result: { type: 'string' } });
                        m.on('note', (n, ctx) => window.notes.push(ctx.from + ' ' + n.text + ' ' + ctx.secure));
                        window.c = c; window.m = m;
                        return { vip: c.vip };
                        """, "ws://127.0.0.1:" + s0.webSocketPort() + "/");
                assertThat(setup).doesNotContainKey("thrown");
                Vip pageVip = Vip.parse((String) setup.get("vip"));
                assertThat(pageVip.toString()).startsWith("10.1.0.");
                assertThat(java.vip().toString()).startsWith("10.2.0.");

                // the page calls the JVM client, and is told when a method does not exist
                Map<String, Object> r = run(b, """
                        const out = {};
                        out.sum = await window.m.call(args[0], 'add', [2, 40]);
                        out.nope = await window.m.call(args[0], 'nope', [1]).then(() => 'resolved', (e) => e.code + ' ' + e.remote + ' ' + e.message);
                        await window.m.send(args[0], 'chat', { text: 'hello from the page' });
                        out.tunnel = window.c.hasTunnel(args[0]);
                        return out;
                        """, java.vip().toString());
                assertThat(r).doesNotContainKey("thrown");
                assertThat(((Number) r.get("sum")).longValue()).isEqualTo(42);
                assertThat(r.get("nope")).isEqualTo("NO_SUCH_METHOD true no method named nope");
                assertThat(r.get("tunnel")).isEqualTo(true);
                await().atMost(WAIT).until(() -> peer.messages.contains("chat:{\"text\":\"hello from the page\"}"));
                assertThat(java.hasTunnel(pageVip)).isTrue();

                // the JVM client calls the page: a result, then a method the page does not have
                Envelope shout = peer.call(pageVip, "shout", "[\"quiet words\"]");
                assertThat(shout.kind()).isEqualTo(Envelope.RESPONSE);
                assertThat(shout.isReply()).isTrue();
                assertThat(new String(shout.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("\"QUIET WORDS\"");
                Envelope missing = peer.call(pageVip, "missing", "[]");
                assertThat(missing.kind()).isEqualTo(Envelope.ERROR);
                assertThat(new String(missing.bodyBytes(), StandardCharsets.UTF_8))
                        .contains("\"code\":\"NO_SUCH_METHOD\"").contains("missing");
                Envelope bad = peer.call(pageVip, "shout", "[7]");
                assertThat(new String(bad.bodyBytes(), StandardCharsets.UTF_8))
                        .contains("\"code\":\"BAD_ARGUMENTS\"").contains("\"field\":\"s\"");
                peer.message(pageVip, "note", "{\"text\":\"hello from the JVM\"}");
                await().atMost(WAIT).until(() -> ((Number) b.script("return window.notes.length")).intValue() == 1);
                assertThat(b.script("return window.notes[0]")).isEqualTo(java.vip() + " hello from the JVM true");

                // a file from the page, 100 KB through a 4 KiB window: many credits, the SHA-256 checked by both
                Map<String, Object> s = run(b, """
                        const data = new Uint8Array(100000);
                        for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 255;
                        const file = new File([data], 'a.bin', { type: 'application/octet-stream' });
                        let progress = 0;
                        const res = await window.m.sendStream(args[0], 'file', file, { meta: { name: file.name }, onProgress: (n) => { progress = n; } });
                        return { bytes: res.bytes, sha256: res.sha256, progress };
                        """, java.vip().toString());
                assertThat(s).doesNotContainKey("thrown");
                byte[] expected = new byte[100000];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (byte) (i * 31 + 7);
                }
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));
                assertThat(peer.streamed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("100000:" + sha);
                assertThat(s.get("sha256")).isEqualTo(sha);
                assertThat(((Number) s.get("bytes")).longValue()).isEqualTo(100000);
                assertThat(((Number) s.get("progress")).longValue()).isEqualTo(100000);

                assertThat(peer.tunneled).isNotEmpty().containsOnly(true);
                for (BrowserChatIT.Capture c : List.of(capture0, capture1)) {
                    assertThat(c.sawPlaintext("hello from the")).isFalse();
                    assertThat(c.sawPlaintext("shout")).isFalse();
                    assertThat(c.sawPlaintext("NO_SUCH_METHOD")).isFalse();
                }
            }
        }
    }
}
