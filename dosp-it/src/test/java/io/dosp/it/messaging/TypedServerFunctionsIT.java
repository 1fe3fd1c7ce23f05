package io.dosp.it.messaging;

import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.FunctionCallException;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.BadArgumentsException;
import io.dosp.server.DospServer;
import io.dosp.server.TypedFunction;
import io.dosp.testkit.Expect;
import io.dosp.testkit.PeerScript;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.ScriptedPeer;
import io.dosp.testkit.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code functions} client extension (docs/messaging.md, "Server functions"): typed calls over EXT FN_CALL /
 * FN_REPLY, {@code $discover}, every error, the same limits as bare FN, bare FN unchanged, and the client's fallback
 * against servers without the extension.
 */
class TypedServerFunctionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** {@code add(a, b)}: two integers in a JSON array; names the bad argument. */
    static final TypedFunction ADD = new TypedFunction() {
        @Override
        public Result call(io.dosp.server.ConnectedClient caller, Arguments args) throws Exception {
            JsonNode a = JSON.readTree(args.bytes());
            if (!a.isArray() || a.size() != 2) {
                throw new BadArgumentsException(null, "add takes 2 arguments, got " + a.size());
            }
            for (int i = 0; i < 2; i++) {
                if (!a.get(i).isInt()) {
                    throw new BadArgumentsException(i == 0 ? "a" : "b", "not an integer: " + a.get(i));
                }
            }
            return Result.json(Integer.toString(a.get(0).asInt() + a.get(1).asInt()));
        }

        @Override
        public String paramsSchema() {
            return "[{\"name\":\"a\",\"type\":\"integer\"},{\"name\":\"b\",\"type\":\"integer\"}]";
        }

        @Override
        public String resultSchema() {
            return "{\"type\":\"integer\"}";
        }
    };

    private static RawClient rawWithFunctions(DospServer server) {
        RawClient raw = RawClient.connect(server.port());
        raw.send(Ext.hello(List.of(Ext.FEATURE_FUNCTIONS)));
        assertThat(Ext.features(next(raw, PacketType.EXT))).containsExactly(Ext.FEATURE_FUNCTIONS);
        return raw;
    }

    private static void call(RawClient raw, long id, String name, String jsonArgs) {
        raw.send(Ext.frame(Ext.FN_CALL, new Envelope(Envelope.REQUEST, 0, id, name, Envelope.JSON,
                jsonArgs.getBytes(StandardCharsets.UTF_8)).encode()));
    }

    private static Envelope reply(RawClient raw) {
        SimplePacket p = next(raw, PacketType.EXT);
        assertThat(Ext.kind(p)).isEqualTo(Ext.FN_REPLY);
        try {
            Envelope e = Envelope.decode(Ext.payload(p));
            assertThat(e.isReply()).isTrue();
            return e;
        } catch (Envelope.MalformedEnvelopeException x) {
            throw new AssertionError(x);
        }
    }

    private static JsonNode errorOf(Envelope e) throws IOException {
        assertThat(e.kind()).isEqualTo(Envelope.ERROR);
        assertThat(e.contentType()).isEqualTo(Envelope.JSON);
        return JSON.readTree(e.bodyBytes());
    }

    @Test
    void aTypedCallIsAnsweredWithAResponseOfTheSameIdAndSeveralMayBeInFlight() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (DospServer server = start(tmp, c -> c.functions(f -> f.threads(4)));
             RawClient raw = rawWithFunctions(server)) {
            server.registerTypedFunction("add", ADD);
            server.registerTypedFunction("slow", (caller, args) -> {
                release.await();
                return TypedFunction.Result.json("\"slow done\"");
            });
            call(raw, 7, "add", "[1,2]");
            Envelope r = reply(raw);
            assertThat(r.encode()).isEqualTo(new byte[] {(byte) 0xD1, 0x03, 0x01, 0, 0, 0, 7, 0, 0x01, '3'});

            // Three in flight: the slow one is answered last, every answer carries its call's id.
            call(raw, 100, "slow", "[]");
            call(raw, 101, "add", "[20, 22]");
            call(raw, 102, "add", "[-1, 1]");
            Map<Long, String> got = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                Envelope e = reply(raw);
                got.put(e.id(), new String(e.bodyBytes(), StandardCharsets.UTF_8));
            }
            assertThat(got).containsExactlyInAnyOrderEntriesOf(Map.of(101L, "42", 102L, "0"));
            release.countDown();
            Envelope slow = reply(raw);
            assertThat(slow.id()).isEqualTo(100);
            assertThat(slow.kind()).isEqualTo(Envelope.RESPONSE);
            assertThat(new String(slow.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("\"slow done\"");
            assertPingRoundTrip(raw);
        }
    }

    @Test
    void discoveryListsTypedAndBareFunctionsWithTheirSchema() throws Exception {
        try (DospServer server = start(tmp); RawClient raw = rawWithFunctions(server)) {
            server.registerTypedFunction("add", ADD);
            server.registerFunction("time", c -> "noon");
            call(raw, 1, "$discover", "[]");
            Envelope r = reply(raw);
            assertThat(r.kind()).isEqualTo(Envelope.RESPONSE);
            assertThat(r.contentType()).isEqualTo(Envelope.JSON);
            JsonNode schema = JSON.readTree(r.bodyBytes());
            assertThat(schema).isEqualTo(JSON.readTree("""
                    {"methods": [
                      {"name": "add", "params": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}],
                       "result": {"type": "integer"}},
                      {"name": "time", "params": [], "result": {"type": "string"}}],
                     "handlers": [], "streams": []}"""));

            server.unregisterFunction("time");
            call(raw, 2, "$discover", "[]");
            assertThat(JSON.readTree(reply(raw).bodyBytes()).get("methods")).hasSize(1);
        }
    }

    @Test
    void everyErrorIsAnErrorEnvelopeWithItsCodeAndTheConnectionCarriesOn() throws Exception {
        try (DospServer server = start(tmp, c -> c.functions(f -> f.maxArgumentBytes(100)));
             RawClient raw = rawWithFunctions(server)) {
            server.registerTypedFunction("add", ADD);
            server.registerTypedFunction("boom", (caller, args) -> {
                throw new IllegalStateException("the disk is full");
            });
            server.registerFunction("time", c -> "noon");

            call(raw, 1, "nope", "[]");
            JsonNode e = errorOf(reply(raw));
            assertThat(e.get("code").asText()).isEqualTo("NO_SUCH_METHOD");
            assertThat(e.get("message").asText()).contains("nope");

            call(raw, 2, "add", "[1, \"two\"]");
            Envelope bad = reply(raw);
            assertThat(bad.id()).isEqualTo(2);
            e = errorOf(bad);
            assertThat(e.get("code").asText()).isEqualTo("BAD_ARGUMENTS");
            assertThat(e.get("field").asText()).isEqualTo("b");
            assertThat(e.get("message").asText()).contains("not an integer");

            call(raw, 3, "boom", "[]");
            e = errorOf(reply(raw));
            assertThat(e.get("code").asText()).isEqualTo("HANDLER_FAILED");
            assertThat(e.get("message").asText()).isEqualTo("the disk is full"); // its message, never a stack trace
            assertThat(e.has("field")).isFalse();

            call(raw, 4, "add", "[" + "1,".repeat(60) + "1]");
            assertThat(errorOf(reply(raw)).get("code").asText()).isEqualTo("TOO_LARGE");

            // A bare function called typed: no arguments allowed, its text comes back as a string value.
            call(raw, 5, "time", "[]");
            assertThat(new String(reply(raw).bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("\"noon\"");
            call(raw, 6, "time", "[1]");
            assertThat(errorOf(reply(raw)).get("code").asText()).isEqualTo("BAD_ARGUMENTS");

            // Raw arguments, a RESPONSE sent as a call, a later envelope version: UNSUPPORTED, answered by id.
            raw.send(Ext.frame(Ext.FN_CALL, new Envelope(Envelope.REQUEST, 0, 8, "add", Envelope.RAW,
                    new byte[] {1, 2}).encode()));
            Envelope unsupported = reply(raw);
            assertThat(unsupported.id()).isEqualTo(8);
            assertThat(errorOf(unsupported).get("code").asText()).isEqualTo("UNSUPPORTED");
            raw.send(Ext.frame(Ext.FN_CALL, new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, 9, "", Envelope.JSON,
                    "1".getBytes(StandardCharsets.UTF_8)).encode()));
            assertThat(errorOf(reply(raw)).get("code").asText()).isEqualTo("UNSUPPORTED");
            byte[] v2 = new Envelope(Envelope.REQUEST, 0, 10, "add", Envelope.JSON, "[1,2]".getBytes(StandardCharsets.UTF_8))
                    .encode();
            v2[0] = (byte) 0xD2;
            raw.send(Ext.frame(Ext.FN_CALL, v2));
            Envelope later = reply(raw);
            assertThat(later.id()).isEqualTo(10);
            assertThat(errorOf(later).get("code").asText()).isEqualTo("UNSUPPORTED");

            // Not an envelope at all: no id to answer, ERR UKNP with the reason.
            raw.send(Ext.frame(Ext.FN_CALL, new byte[] {0x42, 0x42}));
            assertThat(Expect.nextErr(raw, ErrCode.UKNP).text()).contains("FN_CALL");
            // FN_REPLY is the server's kind.
            raw.send(Ext.frame(Ext.FN_REPLY, new byte[0]));
            assertThat(Expect.nextErr(raw, ErrCode.UKNP).text()).contains("0x41");

            call(raw, 11, "add", "[2,2]");
            assertThat(new String(reply(raw).bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("4");
        }
    }

    @Test
    void aCallPastTheTimeoutIsAnsweredTimeoutAndItsFunctionInterrupted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        try (DospServer server = start(tmp, c -> c.functions(f -> f.callTimeout(Duration.ofMillis(300))));
             RawClient raw = rawWithFunctions(server)) {
            server.registerTypedFunction("stuck", (caller, args) -> {
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
                return TypedFunction.Result.json("null");
            });
            call(raw, 5, "stuck", "[]");
            Envelope r = reply(raw);
            assertThat(r.id()).isEqualTo(5);
            JsonNode e = errorOf(r);
            assertThat(e.get("code").asText()).isEqualTo("TIMEOUT");
            assertThat(e.get("message").asText()).contains("stuck").contains("300 ms");
            assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
            assertPingRoundTrip(raw); // nothing more is sent for the call (the interrupted result is dropped)
            Expect.assertNothingWithin(raw, Duration.ofMillis(200));
        }
    }

    @Test
    void callsOverThePerClientCapAreRefusedTooManyCallsAndBareAndTypedShareIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(2);
        try (DospServer server = start(tmp, c -> c.functions(f -> f.threads(4).maxCallsPerClient(2)));
             RawClient raw = rawWithFunctions(server)) {
            server.registerTypedFunction("wait", (caller, args) -> {
                running.countDown();
                release.await();
                return TypedFunction.Result.json("true");
            });
            server.registerFunction("bare-wait", c -> {
                running.countDown();
                release.await();
                return "ok";
            });
            call(raw, 1, "wait", "[]");
            raw.send(Packets.fn("bare-wait"));
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            call(raw, 3, "wait", "[]");
            Envelope refused = reply(raw);
            assertThat(refused.id()).isEqualTo(3);
            JsonNode e = errorOf(refused);
            assertThat(e.get("code").asText()).isEqualTo("TOO_MANY_CALLS");
            assertThat(e.get("message").asText()).contains("at most 2");
            raw.send(Packets.fn("bare-wait"));
            assertThat(Expect.nextErr(raw, ErrCode.FF).text()).contains("at most 2");
            release.countDown();
            List<Packet> answers = new ArrayList<>();
            answers.add(raw.receive());
            answers.add(raw.receive());
            assertThat(answers).extracting(Packet::type).containsExactlyInAnyOrder(PacketType.EXT, PacketType.SA);
            await().atMost(WAIT).until(() -> server.stats().guard().functionCallsInFlight() == 0);
        }
    }

    /** What a raw client gets back for a script of bare FN calls: the answer frames' bytes. */
    private static List<byte[]> bareAnswers(DospServer server, boolean hello) {
        server.registerFunction("ok", c -> "fine ✓");
        server.registerFunction("empty", c -> null);
        server.registerFunction("throws", c -> {
            throw new IOException("broken");
        });
        List<byte[]> out = new ArrayList<>();
        try (RawClient raw = RawClient.connect(server.port())) {
            if (hello) {
                raw.send(Ext.hello(List.of(Ext.FEATURE_FUNCTIONS, Ext.FEATURE_PEER_GONE)));
                next(raw, PacketType.EXT);
            }
            for (String name : List.of("ok", "empty", "throws", "nope", "add", "$discover")) {
                raw.send(Packets.fn(name));
                out.add(PacketCodec.encode(raw.receive()));
            }
        }
        return out;
    }

    @Test
    void bareFnIsAnsweredByteForByteAsWithoutTheExtension() {
        List<byte[]> without;
        try (DospServer server = start(tmp, c -> c.functions(f -> f.typedCalls(false)))) {
            without = bareAnswers(server, false);
        }
        List<byte[]> with;
        List<byte[]> withHello;
        try (DospServer server = start(tmp)) {
            server.registerTypedFunction("add", ADD); // typed: bare FN still does not know it (FNF, as before)
            with = bareAnswers(server, false);
            withHello = bareAnswers(server, true);
        }
        assertThat(with).hasSize(6);
        for (int i = 0; i < without.size(); i++) {
            assertThat(with.get(i)).as("answer %d", i).isEqualTo(without.get(i));
            assertThat(withHello.get(i)).as("answer %d after HELLO", i).isEqualTo(without.get(i));
        }
        assertThat(without.get(0)).isEqualTo(PacketCodec.encode(Packets.sa("fine ✓")));
        assertThat(without.get(4)).isEqualTo(PacketCodec.encode(Packets.err(ErrCode.FNF, "add")));
    }

    @Test
    void ourClientCallsTypedFunctionsAndDiscoversThem() throws Exception {
        try (DospServer server = start(tmp); DospClient c = TestServers.client(server)) {
            server.registerTypedFunction("add", ADD);
            assertThat(c.extensions()).contains(Ext.FEATURE_FUNCTIONS);
            List<CompletableFuture<Envelope>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(c.callAsync("add", Envelope.JSON, ("[" + i + "," + i + "]").getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(new String(calls.get(i).get(30, TimeUnit.SECONDS).bodyBytes(), StandardCharsets.UTF_8))
                        .isEqualTo(Integer.toString(2 * i));
            }
            assertThat(JSON.readTree(c.discoverFunctions()).get("methods").get(0).get("name").asText()).isEqualTo("add");
            assertThatThrownBy(() -> c.call("add", Envelope.JSON, "[1,true]".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(FunctionCallException.class, x -> {
                        assertThat(x.errorCode()).isEqualTo("BAD_ARGUMENTS");
                        assertThat(x.field()).isEqualTo("b");
                        assertThat(x.function()).isEqualTo("add");
                    });
            assertThatThrownBy(() -> c.call("missing", Envelope.JSON, "[]".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(FunctionCallException.class,
                            x -> assertThat(x.errorCode()).isEqualTo("NO_SUCH_METHOD"));
            // MessagePack arguments reach the function as they are: [1, 2] is 92 01 02.
            server.registerTypedFunction("echo", (caller, args) -> new TypedFunction.Result(args.contentType(),
                    args.bytes()));
            Envelope echoed = c.call("echo", Envelope.MSGPACK, new byte[] {(byte) 0x92, 1, 2});
            assertThat(echoed.contentType()).isEqualTo(Envelope.MSGPACK);
            assertThat(echoed.bodyBytes()).containsExactly(0x92, 1, 2);
        }
    }

    @Test
    void callsInFlightFailAtOnceWhenTheConnectionEnds() throws Exception {
        CountDownLatch running = new CountDownLatch(2);
        try (DospServer server = start(tmp);
             DospClient c = DospClient.connect(TestServers.options(server).requestTimeout(Duration.ofMinutes(5)).build())) {
            server.registerTypedFunction("hang", (caller, args) -> {
                running.countDown();
                new CountDownLatch(1).await();
                return TypedFunction.Result.json("null");
            });
            CompletableFuture<Envelope> one = c.callAsync("hang", Envelope.JSON, "[]".getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Envelope> two = c.callAsync("hang", Envelope.JSON, "[]".getBytes(StandardCharsets.UTF_8));
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            server.kick(c.vip());
            // Long before the 5-minute request timeout: the connection's end fails both.
            for (CompletableFuture<Envelope> f : List.of(one, two)) {
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(
                        io.dosp.client.DisconnectedException.class);
            }
        }
    }

    @Test
    void withTheExtensionOffACallWithoutArgumentsFallsBackToBareFnAndOneWithArgumentsFailsClearly() {
        try (DospServer server = start(tmp, c -> c.functions(f -> f.typedCalls(false)));
             DospClient c = TestServers.client(server)) {
            server.registerFunction("time", k -> "noon");
            assertThat(c.extensions()).doesNotContain(Ext.FEATURE_FUNCTIONS);
            Envelope r = c.call("time", Envelope.JSON, "[]".getBytes(StandardCharsets.UTF_8));
            assertThat(r.contentType()).isEqualTo(Envelope.TEXT);
            assertThat(new String(r.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("noon");
            assertThatThrownBy(() -> c.call("time", Envelope.JSON, "[1]".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(FunctionCallException.class, x -> {
                        assertThat(x.errorCode()).isEqualTo("UNSUPPORTED");
                        assertThat(x.getMessage()).contains("server does not support function arguments");
                    });
            assertThatThrownBy(c::discoverFunctions).isInstanceOf(FunctionCallException.class)
                    .hasMessageContaining("server does not support function arguments");
        }
    }

    @Test
    void againstAReferenceLikeServerTheClientFallsBackAndNeverSendsAFunctionFrame() {
        PeerScript script = PeerScript.create().send(PeerScript.AIP, Packets.aip(TestServers.vip("7.10.0.9")))
                .send(PeerScript.HSK, Packets.hsk(io.dosp.protocol.Handshake.standard(false)))
                .step(PeerScript.CLIENT_INFO, k -> {
                    Packet p = k.readFrame();
                    if (p.type() == PacketType.EXT) {
                        k.send(Packets.err(ErrCode.UKNP)); // what a reference server answers HELLO
                        p = k.readFrame();
                    }
                    if (p.type() != PacketType.CLIENT_INFO) {
                        throw new IOException("expected CLIENT_INFO, got " + Expect.describe(p));
                    }
                })
                .step("fn", k -> {
                    Packet p = k.readFrame();
                    if (p.type() != PacketType.FN || !((SimplePacket) p).bodyText().equals("time")) {
                        throw new IOException("expected FN time, got " + Expect.describe(p));
                    }
                    k.send(Packets.sa("noon"));
                })
                .step(PeerScript.SERVE, ScriptedPeer.Connection::serve);
        try (ScriptedPeer peer = ScriptedPeer.start(script);
             DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", peer.port())
                     .machineHash(TestServers.hash('f')).build())) {
            assertThat(c.extensions()).isEmpty();
            assertThatThrownBy(() -> c.call("add", Envelope.JSON, "[1,2]".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(FunctionCallException.class,
                            x -> assertThat(x.getMessage()).contains("server does not support function arguments"));
            Envelope r = c.call("time", Envelope.MSGPACK, new byte[] {(byte) 0x90});
            assertThat(new String(r.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("noon");
            peer.awaitReached("fn");
            assertThat(c.ping()).isPositive();
            assertThat(peer.failures()).isEmpty();
            // After the HELLO, only CLIENT_INFO, the one bare FN and PING reached the reference-like server.
            assertThat(peer.received()).filteredOn(p -> p.type() == PacketType.EXT).hasSize(1);
            assertThat(peer.received()).extracting(Packet::type).doesNotContain(PacketType.MPAK);
        }
    }
}
