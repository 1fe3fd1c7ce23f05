package io.dosp.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Messages, calls and their errors between two clients of a real server on loopback, plain S2C and tunneled. */
class MessengerTest {
    record Sum(int value) {
    }

    record Chat(String text) {
    }

    record Point(int x, int y) {
        Point {
            if (x < 0) {
                throw new IllegalArgumentException("x must not be negative");
            }
        }
    }

    record Named(String name, @Nullable String note) {
    }

    /** The service under test. */
    public static final class Calculator {
        final List<String> chats = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);

        @Rpc
        public Sum add(int a, int b) {
            return new Sum(a + b);
        }

        @Rpc("len")
        public int length(Point p) {
            return p.x() + p.y();
        }

        @Rpc
        public String greet(Named n) {
            return "hi " + n.name() + (n.note() == null ? "" : " (" + n.note() + ")");
        }

        @Rpc
        public String who(CallContext ctx) {
            return ctx.caller() + (ctx.tunneled() ? " tunneled" : " plain");
        }

        @Rpc
        public void fail(String why) {
            throw new IllegalStateException(why);
        }

        @Rpc
        public int slow() throws InterruptedException {
            release.await(60, TimeUnit.SECONDS);
            return 1;
        }

        @Rpc
        public CompletableFuture<Integer> later(int v) {
            return CompletableFuture.supplyAsync(() -> v * 2);
        }

        @Handler("chat")
        public void chat(Vip from, Chat c) {
            chats.add(from + ":" + c.text());
        }
    }

    private DospServer server;
    private DospClient a;
    private DospClient b;

    @BeforeEach
    void start() {
        server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).build());
        a = DospClient.connect("127.0.0.1:" + server.port());
        b = DospClient.connect("127.0.0.1:" + server.port());
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        server.close();
    }

    @Test
    void callsAndMessagesOverPlainS2c() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a).register(calc); Messenger caller = Messenger.attach(b)) {
            assertThat(caller.call(a.vip(), "add", new Object[] {2, 3}, Sum.class)).isEqualTo(new Sum(5));
            assertThat(caller.callAsync(a.vip(), "len", new Object[] {new Point(3, 4)}, Integer.class)
                    .get(30, TimeUnit.SECONDS)).isEqualTo(7);
            assertThat(caller.call(a.vip(), "later", new Object[] {21}, Integer.class)).isEqualTo(42);
            assertThat(caller.call(a.vip(), "greet", new Object[] {new Named("bo", null)}, String.class)).isEqualTo("hi bo");
            assertThat(caller.call(a.vip(), "who", new Object[0], String.class)).isEqualTo(b.vip() + " plain");
            caller.send(a.vip(), "chat", new Chat("one"));
            caller.send(a.vip(), "chat", new Chat("two"));
            await().atMost(Duration.ofSeconds(30)).until(() -> calc.chats.size() == 2);
            assertThat(calc.chats).containsExactly(b.vip() + ":one", b.vip() + ":two");
            assertThat(callee.stats().callsServed()).isEqualTo(5);
            assertThat(callee.stats().messagesHandled()).isEqualTo(2);
            assertThat(caller.stats().callsInFlight()).isZero();
        }
    }

    @Test
    void rawDataStillReachesTheReceiveQueue() {
        try (Messenger callee = Messenger.attach(a).register(new Calculator())) {
            b.send(a.vip(), "plain text");
            Incoming in = a.receive(Duration.ofSeconds(30));
            assertThat(in.text()).isEqualTo("plain text");
            assertThat(callee.stats().malformed()).isZero();
        }
    }

    @Test
    void discoverDescribesMethodsAndHandlers() {
        try (Messenger callee = Messenger.attach(a).register(new Calculator()); Messenger caller = Messenger.attach(b)) {
            Schema s = caller.discover(a.vip());
            Schema.Method add = s.method("add").orElseThrow();
            assertThat(add.params()).extracting(Schema.Param::name).containsExactly("a", "b");
            assertThat(add.params().get(0).type().path("type").asText()).isEqualTo("integer");
            assertThat(add.result().path("properties").path("value").path("type").asText()).isEqualTo("integer");
            assertThat(s.method("who").orElseThrow().params()).isEmpty();
            assertThat(s.handlers()).extracting(Schema.MessageType::name).containsExactly("chat");
            assertThat(s.json().path("streams").isArray()).isTrue();
        }
    }

    @Test
    void everyErrorOfTheCalleeReachesTheCaller() {
        try (Messenger callee = Messenger.attach(a).register(new Calculator()); Messenger caller = Messenger.attach(b)) {
            assertThatThrownBy(() -> caller.call(a.vip(), "nope", new Object[0], Integer.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_METHOD));
            assertThatThrownBy(() -> caller.call(a.vip(), "add", new Object[] {1}, Sum.class))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
                        assertThat(e.field()).contains("b");
                    });
            assertThat(((RpcException) catchIt(() -> caller.call(a.vip(), "add", new Object[] {1, "x"}, Sum.class)))
                    .field()).contains("b");
            assertThat(((RpcException) catchIt(() -> caller.call(a.vip(), "add", new Object[] {1, 2, 3}, Sum.class)))
                    .field()).contains("arguments");
            assertThat(((RpcException) catchIt(() -> caller.call(a.vip(), "len",
                    new Object[] {java.util.Map.of("x", -1, "y", 2)}, Integer.class))).field()).contains("p");
            assertThat(((RpcException) catchIt(() -> caller.call(a.vip(), "len",
                    new Object[] {java.util.Map.of("x", 1, "y", 2, "z", 3)}, Integer.class))).field()).contains("p.z");
            RpcException nul = (RpcException) catchIt(() -> caller.call(a.vip(), "greet",
                    new Object[] {java.util.Map.of("note", "n")}, String.class));
            assertThat(nul.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
            assertThat(nul.field()).contains("n.name");
            RpcException failed = (RpcException) catchIt(() -> caller.call(a.vip(), "fail", new Object[] {"boom"},
                    Void.class));
            assertThat(failed.code()).isEqualTo(ErrorCode.HANDLER_FAILED);
            assertThat(failed.getMessage()).contains("boom").doesNotContain("at io.dosp").doesNotContain("Exception");
        }
    }

    @Test
    void aCalleeWithoutMessengerTimesOutAndAGoneVipFailsAtOnce() {
        try (Messenger caller = Messenger.attach(b)) {
            RpcException t = (RpcException) catchIt(() -> caller.call(a.vip(), "add", new Object[] {1, 2}, Sum.class,
                    Duration.ofMillis(300)));
            assertThat(t.code()).isEqualTo(ErrorCode.TIMEOUT);
            Incoming raw = a.receive(Duration.ofSeconds(30)); // a client without messenger sees the envelope as data
            assertThat(Envelope.isEnvelope(raw.data())).isTrue();
            Vip nobody = Vip.parse("10.9.9.9");
            RpcException gone = (RpcException) catchIt(() -> caller.call(nobody, "add", new Object[] {1, 2}, Sum.class,
                    Duration.ofSeconds(60)));
            assertThat(gone.code()).isEqualTo(ErrorCode.PEER_GONE);
        }
    }

    @Test
    void callsInFlightAreBoundedOnBothSides() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().maxIncomingCallsPerPeer(1).build())
                .register(calc);
             Messenger caller = Messenger.attach(b, MessengerOptions.builder().maxCallsInFlightPerPeer(2).build())) {
            CompletableFuture<Integer> first = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
            RpcException busy = (RpcException) catchIt(() -> caller.call(a.vip(), "slow", new Object[0], Integer.class));
            assertThat(busy.code()).isEqualTo(ErrorCode.TOO_MANY_CALLS);
            CompletableFuture<Integer> second = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            CompletableFuture<Integer> third = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            assertThat(third).isCompletedExceptionally(); // refused locally, at once: two already wait
            assertThatThrownBy(third::get).hasCauseInstanceOf(RpcException.class);
            calc.release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThatThrownBy(() -> second.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            assertThat(callee.stats().callsRefusedBusy()).isEqualTo(2);
        }
    }

    @Test
    void callsThroughATunnel() {
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().secure(true).build())
                .register(new Calculator());
             Messenger caller = Messenger.attach(b, MessengerOptions.builder().secure(true).build())) {
            assertThat(caller.call(a.vip(), "who", new Object[0], String.class)).isEqualTo(b.vip() + " tunneled");
            assertThat(b.hasTunnel(a.vip())).isTrue();
            assertThat(caller.call(a.vip(), "add", new Object[] {40, 2}, Sum.class)).isEqualTo(new Sum(42));
        }
    }

    @Test
    void aSecureCalleeRefusesPlainCalls() {
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().secure(true).build())
                .register(new Calculator());
             Messenger caller = Messenger.attach(b)) {
            RpcException e = (RpcException) catchIt(() -> caller.call(a.vip(), "add", new Object[] {1, 2}, Sum.class));
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
        }
    }

    @Test
    void msgpackCallsAndJsonTreeResults() {
        try (Messenger callee = Messenger.attach(a).register(new Calculator());
             Messenger caller = Messenger.attach(b, MessengerOptions.builder().codec(Codec.msgpack()).build())) {
            assertThat(caller.call(a.vip(), "add", new Object[] {2, 2}, Sum.class)).isEqualTo(new Sum(4));
            JsonNode tree = caller.call(a.vip(), "add", new Object[] {1, 1}, JsonNode.class);
            assertThat(tree.path("value").asInt()).isEqualTo(2);
        }
    }

    @Test
    void disconnectedFailsCallsInFlight() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a).register(calc); Messenger caller = Messenger.attach(b)) {
            CompletableFuture<Integer> f = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
            server.close();
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.DISCONNECTED));
            calc.release.countDown();
        }
    }

    private static Throwable catchIt(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        try {
            c.call();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected a failure");
    }
}
