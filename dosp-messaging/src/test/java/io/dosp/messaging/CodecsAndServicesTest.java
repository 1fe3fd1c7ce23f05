package io.dosp.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.messaging.internal.Codecs;
import io.dosp.messaging.internal.Services;
import io.dosp.messaging.internal.WireError;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The codecs, the annotation scan, argument decoding and checks, the schema and the ERROR body, without sockets. */
class CodecsAndServicesTest {
    record Item(String name, int count, @Nullable String note) {
    }

    record Basket(List<Item> items, Map<String, Item> byName) {
    }

    enum Colour { RED, GREEN }

    /** A valid service. */
    public static final class Service {
        @Rpc
        public int count(Basket b) {
            return b.items().size();
        }

        @Rpc("paint")
        public String paint(CallContext ctx, Colour c, @Nullable String why) {
            return c + (why == null ? "" : why);
        }

        @Handler("item")
        public void item(Item i) {
        }

        public void notExposed() {
        }
    }

    /** Two methods of one name. */
    public static final class Twice {
        @Rpc("x")
        public int a() {
            return 1;
        }

        @Rpc("x")
        public int b() {
            return 2;
        }
    }

    /** A handler with a signature of neither form. */
    public static final class BadHandler {
        @Handler("h")
        public void h(String a, String b) {
        }
    }

    @Test
    void everyCodecRoundTrips() {
        Item i = new Item("tea", 2, null);
        for (Codec c : List.of(Codec.json(), Codec.msgpack())) {
            assertThat(c.decode(c.encode(i), Item.class)).isEqualTo(i);
        }
        assertThat(Codec.json().encode(i)).asString(StandardCharsets.UTF_8).isEqualTo("{\"name\":\"tea\",\"count\":2,\"note\":null}");
        assertThat(Codec.json().contentType()).isEqualTo(Envelope.JSON);
        assertThat(Codec.msgpack().contentType()).isEqualTo(Envelope.MSGPACK);
        assertThat((byte[]) Codec.raw().decode(Codec.raw().encode(new byte[] {1, 2}), byte[].class)).containsExactly(1, 2);
        assertThat(Codec.text().decode(Codec.text().encode("héllo"), String.class)).isEqualTo("héllo");
        assertThatThrownBy(() -> Codec.raw().encode("no")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Codec.text().decode(new byte[] {(byte) 0xC3}, String.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> Codec.json().decode("{\"name\":\"a\",\"count\":1,\"x\":1}".getBytes(StandardCharsets.UTF_8),
                Item.class)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
        assertThat(Codecs.forContentType(7, null)).isNull();
    }

    @Test
    void nestingIsBounded() {
        byte[] deep = ("[".repeat(200) + "]".repeat(200)).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Codec.json().decode(deep, Object.class)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void argumentsAreDecodedAndCheckedNamingTheField() {
        Services s = new Services();
        s.register(new Service());
        Services.MethodEntry count = s.method("count");
        byte[] ok = "[{\"items\":[{\"name\":\"a\",\"count\":1}],\"byName\":{}}]".getBytes(StandardCharsets.UTF_8);
        assertThat(count.decodeArgs(Codecs.JSON, ok)[0]).isInstanceOf(Basket.class);
        assertThat(field(count, "[{\"items\":[{\"count\":1}],\"byName\":{}}]")).contains("b.items[0].name");
        assertThat(field(count, "[{\"items\":[],\"byName\":{\"k\":{\"count\":1}}}]")).contains("b.byName.k.name");
        assertThat(field(count, "[{\"items\":[{\"name\":\"a\",\"count\":\"many\"}],\"byName\":{}}]"))
                .contains("b.items[0].count");
        assertThat(field(count, "{}")).contains("arguments");
        assertThat(field(count, "[1")).contains("arguments");
        Services.MethodEntry paint = s.method("paint");
        assertThat(paint.decodeArgs(Codecs.JSON, "[\"RED\"]".getBytes(StandardCharsets.UTF_8))).containsExactly(Colour.RED, null);
        assertThat(field(paint, "[\"BLUE\"]")).contains("c");
        assertThat(paint.decodeArgs(Codecs.MSGPACK, Codecs.MSGPACK.encodeArray(new Object[] {"GREEN", "why"})))
                .containsExactly(Colour.GREEN, "why");
    }

    private static Optional<String> field(Services.MethodEntry m, String json) {
        try {
            m.decodeArgs(Codecs.JSON, json.getBytes(StandardCharsets.UTF_8));
        } catch (RpcException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
            return e.field();
        }
        throw new AssertionError("accepted " + json);
    }

    @Test
    void registrationIsAllOrNothingAndRefusesBadShapes() {
        Services s = new Services();
        assertThatThrownBy(() -> s.register(new Twice())).hasMessageContaining("x exists already");
        assertThat(s.method("x")).isNull();
        assertThatThrownBy(() -> s.register(new BadHandler())).hasMessageContaining("(Vip from, payload)");
        assertThatThrownBy(() -> s.register(new Object())).hasMessageContaining("no @Handler or @Rpc");
        assertThatThrownBy(() -> s.on("$mine", String.class, false, (f, p) -> { })).hasMessageContaining("reserved");
        assertThatThrownBy(() -> s.on("x".repeat(256), String.class, false, (f, p) -> { })).hasMessageContaining("255");
        s.register(new Service());
        assertThatThrownBy(() -> s.register(new Service())).hasMessageContaining("exists already");
        assertThat(s.method("count")).isNotNull();
    }

    @Test
    void theSchemaDescribesTypes() {
        Services s = new Services();
        s.register(new Service());
        ObjectNode schema = s.schema(List.of("file"));
        assertThat(schema.path("methods").size()).isEqualTo(2);
        var count = schema.path("methods").get(0);
        assertThat(count.path("name").asText()).isEqualTo("count");
        var items = count.path("params").get(0).path("properties").path("items");
        assertThat(items.path("type").asText()).isEqualTo("array");
        assertThat(items.path("items").path("properties").path("count").path("type").asText()).isEqualTo("integer");
        assertThat(count.path("result").path("type").asText()).isEqualTo("integer");
        var paint = schema.path("methods").get(1);
        assertThat(paint.path("params").size()).isEqualTo(2); // the CallContext is not an argument
        assertThat(paint.path("params").get(0).path("enum").toString()).isEqualTo("[\"RED\",\"GREEN\"]");
        assertThat(schema.path("handlers").get(0).path("name").asText()).isEqualTo("item");
        assertThat(schema.path("streams").toString()).isEqualTo("[\"file\"]");
    }

    @Test
    void errorBodiesCarryCodeMessageAndFieldNeverAStackTrace() throws Exception {
        Envelope e = WireError.ofFailure(new IllegalStateException("broken")).envelope(9);
        assertThat(e.kind()).isEqualTo(Envelope.ERROR);
        assertThat(e.isReply()).isTrue();
        assertThat(new String(e.body(), StandardCharsets.UTF_8)).isEqualTo("{\"code\":\"HANDLER_FAILED\",\"message\":\"broken\"}");
        Envelope bad = WireError.ofFailure(RpcException.badArguments("a.b", "no")).envelope(1);
        assertThat(new String(bad.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"code\":\"BAD_ARGUMENTS\",\"message\":\"no\",\"field\":\"a.b\"}");
        // a local code is never sent as such
        assertThat(WireError.ofFailure(new RpcException(ErrorCode.TIMEOUT, "t")).code()).isEqualTo("HANDLER_FAILED");
        RpcException x = WireError.parse(new Envelope(Envelope.ERROR, 1, 1, "", Envelope.JSON,
                "{\"code\":\"FUTURE_CODE\",\"message\":\"m\"}".getBytes(StandardCharsets.UTF_8)))
                .toException(Vip.parse("7.10.0.2"), "f");
        assertThat(x.code()).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(x.wireCode()).isEqualTo("FUTURE_CODE");
        assertThat(WireError.parse(new Envelope(Envelope.ERROR, 1, 1, "", Envelope.RAW, new byte[] {1})).code())
                .isEqualTo("UNKNOWN");
        assertThat(new WireError("X", "m".repeat(5000), null).message()).hasSizeLessThan(1010);
    }
}
