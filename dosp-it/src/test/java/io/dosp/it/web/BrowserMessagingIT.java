package io.dosp.it.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.Handler;
import io.dosp.messaging.IncomingStream;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.Rpc;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.Schema;
import io.dosp.messaging.StreamMetadata;
import io.dosp.messaging.StreamResult;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.Browser;
import io.dosp.testkit.Mesh;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Browser ↔ Java messaging: dosp.js's {@code Messenger} in headless chromium on server A (WebSocket) and the Java
 * {@link Messenger} of dosp-messaging on server B (TCP), the two servers federated, everything through an end-to-end
 * tunnel. The page calls the JVM client's methods (typed records, validation with the field named, no such
 * method, discovery) and the JVM client calls the page's; named messages both ways; a call in flight fails
 * PEER_GONE at once when the callee leaves the other server (presence watch, no waiting for the timeout).
 */
class BrowserMessagingIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsChromium() {
        ChatPage.assumeBrowser();
    }

    record Order(String item, int quantity) {
    }

    record Receipt(String item, int quantity, long total) {
    }

    record Chat(String text) {
    }

    /** The JVM client's service. */
    public static final class Shop {
        final List<String> chats = new CopyOnWriteArrayList<>();
        final CountDownLatch hold = new CountDownLatch(1);
        final CountDownLatch holding = new CountDownLatch(1);

        @Rpc
        public int add(int a, int b) {
            return a + b;
        }

        @Rpc
        public Receipt buy(Order order) {
            if (order.quantity() <= 0) {
                throw RpcException.badArguments("order.quantity", "must be positive");
            }
            return new Receipt(order.item(), order.quantity(), 250L * order.quantity());
        }

        @Rpc
        public String fail() {
            throw new IllegalStateException("the shop is closed");
        }

        @Rpc
        public int hang() throws InterruptedException {
            holding.countDown();
            hold.await(120, TimeUnit.SECONDS);
            return 0;
        }

        @Handler("chat")
        public void chat(Vip from, Chat chat) {
            chats.add(from + " " + chat.text());
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

    private static RpcException rpcError(Runnable r) {
        try {
            r.run();
        } catch (RpcException e) {
            return e;
        }
        throw new AssertionError("expected an RpcException");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPageAndAJvmClientCallEachOtherThroughATunnelAcrossTwoFederatedServers() throws Exception {
        try (DospServer s0 = DospServer.start(Mesh.config(tmp, 0).webSocket(w -> w.enabled(true).port(0)).build());
             DospServer s1 = DospServer.start(Mesh.config(tmp, 1).build())) {
            s0.addPeer(PeerSpec.of("127.0.0.1", s1.port()));
            await().atMost(WAIT).until(() -> s0.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(1)))
                    && s1.routes().stream().anyMatch(r -> r.template().equals(Mesh.template(0))));
            BrowserChatIT.Capture capture0 = new BrowserChatIT.Capture();
            BrowserChatIT.Capture capture1 = new BrowserChatIT.Capture();
            s0.addListener(capture0);
            s1.addListener(capture1);
            Shop shop = new Shop();
            DospClient java = DospClient.connect("127.0.0.1", s1.port());
            Messenger jm = Messenger.attach(java, MessengerOptions.builder().secure(true).callTimeout(WAIT).build()).register(shop);
            try (Browser b = Browser.start(tmp)) {
                b.open("http://127.0.0.1:" + s0.webSocketPort() + "/?autoconnect=0");
                Map<String, Object> setup = run(b, """
                        const c = await dosp.DospClient.connect(args[0], { heartbeatInterval: 0 });
                        const m = new dosp.Messenger(c, { tunnel: true, timeout: 120000 });
                        window.notes = [];
                        m.method('shout', (s) => s.toUpperCase(), { params: [{ name: 's', type: 'string' }], result: { type: 'string' } });
                        m.method('boom', () => { throw new Error('the page broke'); });
                        m.on('note', (n, ctx) => window.notes.push(ctx.from + ' ' + n.text + ' ' + ctx.secure));
                        window.files = [];
                        m.stream('upload', async (s) => {
                          const bytes = await s.bytes();
                          const h = new dosp.Sha256().update(bytes).digest();
                          window.files.push({ name: s.meta.name, size: s.meta.size, bytes: bytes.length, sha256: dosp.toHex(h) });
                        });
                        window.c = c; window.m = m;
                        return { vip: c.vip };
                        """, "ws://127.0.0.1:" + s0.webSocketPort() + "/");
                assertThat(setup).doesNotContainKey("thrown");
                Vip pageVip = Vip.parse((String) setup.get("vip"));
                assertThat(pageVip.toString()).startsWith("10.1.0.");
                assertThat(java.vip().toString()).startsWith("10.2.0.");

                // the page calls the JVM client
                Map<String, Object> r = run(b, """
                        const m = window.m, jvm = args[0], out = {};
                        const err = (e) => e.code + (e.field ? ' ' + e.field : '') + ' ' + e.remote;
                        out.sum = await m.call(jvm, 'add', [2, 40]);
                        out.receipt = await m.call(jvm, 'buy', [{ item: 'tea', quantity: 3 }]);
                        out.bad = await m.call(jvm, 'buy', [{ item: 'tea', quantity: 0 }]).then(() => 'resolved', err);
                        out.wrongType = await m.call(jvm, 'add', ['two', 2]).then(() => 'resolved', err);
                        out.nope = await m.call(jvm, 'steal', []).then(() => 'resolved', (e) => err(e) + ' ' + e.message);
                        out.failed = await m.call(jvm, 'fail', []).then(() => 'resolved', (e) => err(e) + ' ' + e.message);
                        const s = await m.discover(jvm);
                        out.methods = s.methods.map((x) => x.name).sort();
                        out.handlers = s.handlers.map((x) => x.name);
                        await m.send(jvm, 'chat', { text: 'hello from the page' });
                        out.tunnel = window.c.hasTunnel(jvm);
                        return out;
                        """, java.vip().toString());
                assertThat(r).doesNotContainKey("thrown");
                assertThat(((Number) r.get("sum")).intValue()).isEqualTo(42);
                assertThat((Map<String, Object>) r.get("receipt")).containsEntry("item", "tea").containsEntry("total", 750L);
                assertThat(r.get("bad")).isEqualTo("BAD_ARGUMENTS order.quantity true");
                assertThat((String) r.get("wrongType")).startsWith("BAD_ARGUMENTS");
                assertThat((String) r.get("nope")).startsWith("NO_SUCH_METHOD true").contains("steal");
                assertThat((String) r.get("failed")).isEqualTo("HANDLER_FAILED true the shop is closed");
                assertThat((List<String>) r.get("methods")).contains("add", "buy", "fail", "hang");
                assertThat((List<String>) r.get("handlers")).contains("chat");
                assertThat(r.get("tunnel")).isEqualTo(true);
                await().atMost(WAIT).until(() -> shop.chats.contains(pageVip + " hello from the page"));

                // the JVM client calls the page
                assertThat(jm.call(pageVip, "shout", new Object[] {"quiet words"}, String.class)).isEqualTo("QUIET WORDS");
                RpcException missing = rpcError(() -> jm.call(pageVip, "missing", new Object[0], String.class));
                assertThat(missing.code()).isEqualTo(ErrorCode.NO_SUCH_METHOD);
                RpcException bad = rpcError(() -> jm.call(pageVip, "shout", new Object[] {7}, String.class));
                assertThat(bad.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
                assertThat(bad.field()).contains("s");
                RpcException boom = rpcError(() -> jm.call(pageVip, "boom", new Object[0], String.class));
                assertThat(boom.code()).isEqualTo(ErrorCode.HANDLER_FAILED);
                assertThat(boom.getMessage()).contains("the page broke");
                Schema schema = jm.discover(pageVip);
                assertThat(schema.methods()).extracting(Schema.Method::name).contains("shout", "boom");
                assertThat(schema.method("shout").orElseThrow().params()).extracting(Schema.Param::name).containsExactly("s");
                jm.send(pageVip, "note", new Chat("hello from the JVM"));
                await().atMost(WAIT).until(() -> ((Number) b.script("return window.notes.length")).intValue() == 1);
                assertThat(b.script("return window.notes[0]")).isEqualTo(java.vip() + " hello from the JVM true");
                assertThat(java.hasTunnel(pageVip)).isTrue();

                // a file from the page to the JVM client's stream handler, and one back, with credit and SHA-256
                CompletableFuture<String> received = new CompletableFuture<>();
                jm.onStream("file", (IncomingStream in) -> {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] all = in.input().readAllBytes();
                    md.update(all);
                    received.complete(in.metadata().name() + " " + all.length + " " + HexFormat.of().formatHex(md.digest()));
                });
                Map<String, Object> sent = run(b, """
                        const data = new Uint8Array(300000);
                        for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 255;
                        const file = new File([data], 'photo.bin', { type: 'application/octet-stream' });
                        let progress = 0;
                        const res = await window.m.sendStream(args[0], 'file', file, { meta: { name: file.name }, onProgress: (n) => { progress = n; } });
                        return { bytes: res.bytes, sha256: res.sha256, progress };
                        """, java.vip().toString());
                assertThat(sent).doesNotContainKey("thrown");
                byte[] expected = new byte[300000];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (byte) (i * 31 + 7);
                }
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));
                assertThat(received.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("photo.bin 300000 " + sha);
                assertThat(sent).containsEntry("sha256", sha).containsEntry("bytes", 300000L).containsEntry("progress", 300000L);

                byte[] back = new byte[200000];
                new java.util.Random(7).nextBytes(back);
                StreamResult up = jm.sendStream(pageVip, "upload", new StreamMetadata("back.bin", back.length, StreamMetadata.OCTET_STREAM),
                        new ByteArrayInputStream(back)).result().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                String backSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(back));
                assertThat(up).isEqualTo(new StreamResult(back.length, backSha));
                await().atMost(WAIT).until(() -> ((Number) b.script("return window.files.length")).intValue() == 1);
                assertThat((Map<String, Object>) b.script("return window.files[0]")).containsEntry("name", "back.bin")
                        .containsEntry("bytes", 200000L).containsEntry("size", 200000L).containsEntry("sha256", backSha);
                assertThatThrownBy(() -> jm.sendStream(pageVip, "nothing", new StreamMetadata("x", 1, StreamMetadata.OCTET_STREAM),
                        new ByteArrayInputStream(new byte[1])).result().join()).cause()
                        .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_METHOD));

                for (BrowserChatIT.Capture c : List.of(capture0, capture1)) {
                    assertThat(c.sawPlaintext("hello from the")).isFalse();
                    assertThat(c.sawPlaintext("QUIET")).isFalse();
                    assertThat(c.sawPlaintext("steal")).isFalse();
                    assertThat(c.sawPlaintext("photo.bin")).isFalse();
                }

                // a call in flight from the page fails PEER_GONE as soon as the JVM client leaves server B
                run(b, """
                        await window.c.watch(args[0]);
                        window.hang = window.m.call(args[0], 'hang', []).then(() => 'resolved', (e) => e.code);
                        return {};
                        """, java.vip().toString());
                assertThat(shop.holding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                jm.close();
                java.close();
                Map<String, Object> gone = run(b, "return { hang: await window.hang };");
                assertThat(gone.get("hang")).isEqualTo("PEER_GONE");
            } finally {
                shop.hold.countDown();
                jm.close();
                java.close();
            }
        }
    }
}
