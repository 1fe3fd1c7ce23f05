package io.dosp.it.messaging;

import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.DospClient;
import io.dosp.messaging.CallContext;
import io.dosp.messaging.Codec;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.Handler;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.Rpc;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.Schema;
import io.dosp.messaging.ServerServices;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Annotated services served as server functions ({@link ServerServices}) and called with {@code Messenger.callServer}. */
class ServerServicesIT {
    @TempDir
    Path tmp;

    /** A result record. */
    public record Sum(int value) {
    }

    /** An argument record that validates itself. */
    public record Point(int x, int y) {
        /** Refuses negative x. */
        public Point {
            if (x < 0) {
                throw new IllegalArgumentException("x must not be negative");
            }
        }
    }

    /** The service under test. */
    public static final class Calculator {
        final CountDownLatch interrupted = new CountDownLatch(1);

        @Rpc
        public Sum add(int a, int b) {
            return new Sum(a + b);
        }

        @Rpc("len")
        public int length(Point p) {
            return p.x() + p.y();
        }

        @Rpc
        public String who(CallContext ctx) {
            return "you are " + ctx.caller();
        }

        @Rpc
        public void fail(String why) {
            throw new IllegalStateException(why);
        }

        @Rpc
        public CompletableFuture<Integer> later(int v) {
            return CompletableFuture.supplyAsync(() -> v * 2);
        }

        @Rpc
        public int stuck() throws InterruptedException {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return 0;
        }

        @Rpc
        public List<String> names() {
            return List.of("a", "b");
        }

        @Handler("chat")
        public void chat(Vip from, String text) {
            // not served by the server: a server function is a call
        }
    }

    @Test
    void annotatedMethodsAreServerFunctionsWithTheirArgumentChecksAndSchema() throws Exception {
        Calculator calc = new Calculator();
        try (DospServer server = start(tmp, c -> c.functions(f -> f.callTimeout(Duration.ofMillis(500))));
             DospClient client = TestServers.client(server);
             Messenger m = Messenger.attach(client)) {
            ServerServices services = ServerServices.of(calc).registerOn(server);
            assertThat(services.functions()).containsOnlyKeys("add", "fail", "later", "len", "names", "stuck", "who");

            assertThat(m.callServer("add", new Object[] {2, 3}, Sum.class)).isEqualTo(new Sum(5));
            assertThat(m.callServerAsync("len", new Object[] {new Point(3, 4)}, Integer.class).get(30, TimeUnit.SECONDS))
                    .isEqualTo(7);
            assertThat(m.callServer("later", new Object[] {21}, Integer.class)).isEqualTo(42);
            assertThat(m.callServer("who", new Object[0], String.class)).isEqualTo("you are " + client.vip());
            assertThat(m.callServer("names", null, List.class)).containsExactly("a", "b");

            assertThatThrownBy(() -> m.callServer("add", new Object[] {1, "x"}, Sum.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
                        assertThat(e.field()).contains("b");
                    });
            assertThatThrownBy(() -> m.callServer("len", new Object[] {new java.util.LinkedHashMap<>(
                    java.util.Map.of("x", -1, "y", 2))}, Integer.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
                        assertThat(e.field()).contains("p");
                        assertThat(e.getMessage()).contains("x must not be negative");
                    });
            assertThatThrownBy(() -> m.callServer("fail", new Object[] {"the disk is full"}, Void.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.HANDLER_FAILED);
                        assertThat(e.getMessage()).isEqualTo("the disk is full");
                    });
            assertThatThrownBy(() -> m.callServer("nope", new Object[0], Void.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_METHOD));
            assertThatThrownBy(() -> m.callServer("stuck", new Object[0], Integer.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
                        assertThat(e.getMessage()).contains("timed out after 500 ms");
                    });
            assertThat(calc.interrupted.await(30, TimeUnit.SECONDS)).isTrue();

            server.registerFunction("time", c -> "noon"); // a bare function is listed too
            Schema schema = m.discoverServer();
            assertThat(schema.methods()).extracting(Schema.Method::name)
                    .containsExactly("add", "fail", "later", "len", "names", "stuck", "time", "who");
            Schema.Method add = schema.methods().get(0);
            assertThat(add.params()).extracting(Schema.Param::name).containsExactly("a", "b");
            assertThat(add.params().get(0).type().get("type").asText()).isEqualTo("integer");
            assertThat(add.result().get("type").asText()).isEqualTo("object");
            assertThat(schema.handlers()).isEmpty();
        }
    }

    @Test
    void messagePackCallsAreAnsweredInMessagePack() {
        try (DospServer server = start(tmp); DospClient client = TestServers.client(server);
             Messenger m = Messenger.attach(client, MessengerOptions.builder().codec(Codec.msgpack()).build())) {
            ServerServices.of(new Calculator()).registerOn(server);
            assertThat(m.callServer("add", new Object[] {40, 2}, Sum.class)).isEqualTo(new Sum(42));
        }
    }

    @Test
    void withoutTheExtensionACallWithoutArgumentsFallsBackAndOneWithArgumentsFailsClearly() {
        try (DospServer server = start(tmp, c -> c.functions(f -> f.typedCalls(false)));
             DospClient client = DospClient.connect(TestServers.options(server).build());
             Messenger m = Messenger.attach(client)) {
            server.registerFunction("answer", c -> "42");
            server.registerFunction("time", c -> "noon");
            assertThat(m.callServer("answer", new Object[0], Integer.class)).isEqualTo(42);
            assertThat(m.callServer("time", new Object[0], String.class)).isEqualTo("noon");
            assertThatThrownBy(() -> m.callServer("add", new Object[] {1, 2}, Integer.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
                        assertThat(e.getMessage()).contains("server does not support function arguments");
                    });
            assertThatThrownBy(m::discoverServer).isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED));
            assertThatThrownBy(() -> m.callServer("nope", new Object[0], String.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_METHOD));
        }
    }

    @Test
    void aServiceWithoutRpcMethodsIsRefused() {
        Object handlersOnly = new Object() {
            @Handler("x")
            public void x(String s) {
            }
        };
        assertThatThrownBy(() -> ServerServices.of(handlersOnly)).isInstanceOf(IllegalArgumentException.class);
    }
}
