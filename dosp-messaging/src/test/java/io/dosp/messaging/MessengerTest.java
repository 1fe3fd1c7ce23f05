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
        public List<Sum> sums(List<Integer> values) {
            return values.stream().map(Sum::new).toList();
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
            int primitive = caller.call(a.vip(), "later", new Object[] {1}, int.class);
            assertThat(primitive).isEqualTo(2);
            List<Sum> sums = caller.call(a.vip(), "sums", new Object[] {List.of(1, 2)},
                    new com.fasterxml.jackson.core.type.TypeReference<List<Sum>>() { });
            assertThat(sums).containsExactly(new Sum(1), new Sum(2));
            assertThat(caller.call(a.vip(), "greet", new Object[] {new Named("bo", null)}, String.class)).isEqualTo("hi bo");
            assertThat(caller.call(a.vip(), "who", new Object[0], String.class)).isEqualTo(b.vip() + " plain");
            caller.send(a.vip(), "chat", new Chat("one"));
            caller.send(a.vip(), "chat", new Chat("two"));
            await().atMost(Duration.ofSeconds(30)).until(() -> calc.chats.size() == 2);
            assertThat(calc.chats).containsExactly(b.vip() + ":one", b.vip() + ":two");
            assertThat(callee.stats().callsServed()).isEqualTo(7);
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
    void theCalleeBoundsCallsInFlightPerPeer() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().maxIncomingCallsPerPeer(1).build())
                .register(calc);
             Messenger caller = Messenger.attach(b)) {
            CompletableFuture<Integer> first = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
            RpcException busy = (RpcException) catchIt(() -> caller.call(a.vip(), "slow", new Object[0], Integer.class));
            assertThat(busy.code()).isEqualTo(ErrorCode.TOO_MANY_CALLS);
            assertThat(busy.getMessage()).contains("at most 1");
            assertThat(callee.stats().callsRefusedBusy()).isEqualTo(1);
            calc.release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(caller.call(a.vip(), "add", new Object[] {1, 2}, Sum.class)).isEqualTo(new Sum(3)); // room again
        }
    }

    @Test
    void theCallerBoundsCallsInFlightPerPeerAndFailsAtOnce() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a).register(calc);
             Messenger caller = Messenger.attach(b, MessengerOptions.builder().maxCallsInFlightPerPeer(2).build())) {
            CompletableFuture<Integer> first = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            CompletableFuture<Integer> second = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            CompletableFuture<Integer> third = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            assertThat(third).isCompletedExceptionally(); // refused locally, at once: two already wait
            assertThatThrownBy(third::get).cause().isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_CALLS));
            assertThat(caller.stats().callsInFlight()).isEqualTo(2);
            calc.release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(callee.stats().callsRefusedBusy()).isZero();
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

    @Test
    void aCancelledCallIsNotAnswered() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a).register(calc); Messenger caller = Messenger.attach(b)) {
            CompletableFuture<Integer> f = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
            assertThat(f.cancel(true)).isTrue();
            assertThat(caller.stats().callsInFlight()).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().callsCancelled() == 1);
            calc.release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 0);
            // a later call and its answer come after whatever the callee sent for the cancelled one: nothing
            assertThat(caller.call(a.vip(), "add", new Object[] {1, 1}, Sum.class)).isEqualTo(new Sum(2));
            assertThat(caller.stats().unhandled()).isZero();
        }
    }

    @Test
    void badEnvelopesAreCountedAndALaterVersionIsAnsweredUnsupported() {
        try (Messenger callee = Messenger.attach(a).register(new Calculator())) {
            b.send(a.vip(), new byte[] {(byte) 0xD1, 0x42, 0}); // cut short
            b.send(a.vip(), new Envelope(Envelope.MESSAGE, 0, 0, "nobody-handles-this", Envelope.JSON,
                    "1".getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode());
            b.send(a.vip(), new Envelope(Envelope.MESSAGE, 0, 0, "chat", Envelope.JSON,
                    "{\"wrong\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode());
            byte[] v2 = new Envelope(Envelope.REQUEST, 0, 77, "add", Envelope.JSON, "[1,2]".getBytes(
                    java.nio.charset.StandardCharsets.UTF_8)).encode();
            v2[0] = (byte) 0xD2;
            b.send(a.vip(), v2);
            Incoming answer = b.receive(Duration.ofSeconds(30));
            Envelope e = decode(answer.data());
            assertThat(e.kind()).isEqualTo(Envelope.ERROR);
            assertThat(e.id()).isEqualTo(77);
            assertThat(e.isReply()).isTrue();
            assertThat(new String(e.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("\"code\":\"UNSUPPORTED\"");
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().messagesDropped() == 2);
            assertThat(callee.stats().malformed()).isEqualTo(2);
            assertThat(callee.stats().messagesHandled()).isZero();
        }
    }

    @Test
    void aCallAnsweredByAPeerSpeakingTheEnvelopeByHand() {
        // b is a peer without the library: it reads the REQUEST and writes the RESPONSE bytes of docs/messaging.md
        try (Messenger caller = Messenger.attach(a)) {
            CompletableFuture<Sum> f = caller.callAsync(b.vip(), "add", new Object[] {1, 2}, Sum.class);
            Envelope req = decode(b.receive(Duration.ofSeconds(30)).data());
            assertThat(req.kind()).isEqualTo(Envelope.REQUEST);
            assertThat(req.name()).isEqualTo("add");
            assertThat(new String(req.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("[1,2]");
            b.send(a.vip(), new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, req.id(), "", Envelope.JSON,
                    "{\"value\":3}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode());
            assertThat(f.join()).isEqualTo(new Sum(3));
        }
    }

    @Test
    void handlersByNameTakeJsonRawAndTextPayloads() {
        List<String> got = new CopyOnWriteArrayList<>();
        try (Messenger callee = Messenger.attach(a)
                .on("chat", Chat.class, (from, c) -> got.add("chat " + c.text()))
                .on("blob", byte[].class, (from, bytes) -> got.add("blob " + bytes.length))
                .on("line", String.class, (from, text) -> got.add("line " + text));
             Messenger caller = Messenger.attach(b)) {
            caller.send(a.vip(), "chat", new Chat("json"));
            caller.send(a.vip(), "blob", new byte[] {(byte) 0xD1, 2, 3}); // raw, even starting like an envelope
            caller.send(a.vip(), "line", "as text", Codec.text());
            caller.send(a.vip(), "line", "as json");
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 4);
            assertThat(got).containsExactly("chat json", "blob 3", "line as text", "line as json");
            assertThat(callee.off("chat")).isTrue();
            caller.send(a.vip(), "chat", new Chat("unheard"));
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().messagesDropped() == 1);
        }
    }

    @Test
    void aHeldBackHandlerPausesReadingInsteadOfDroppingAndEveryMessageArrivesInOrder() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        List<String> got = new CopyOnWriteArrayList<>();
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().maxQueuedMessages(2).build())
                .on("m", String.class, (from, s) -> {
                    hold.await(60, TimeUnit.SECONDS);
                    got.add(s);
                });
             Messenger caller = Messenger.attach(b)) {
            for (int i = 0; i < 10; i++) {
                caller.send(a.vip(), "m", "n" + i);
            }
            // Past half the bound (1 of 2) the callee stops reading: the rest waits in TCP and the server.
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().readPaused());
            assertThat(a.readPausedBy()).containsExactly("messaging inbox");
            assertThat(callee.stats().readPauses()).isGreaterThanOrEqualTo(1);
            hold.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 10);
            assertThat(got).containsExactly("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9");
            MessengerStats st = callee.stats();
            assertThat(st.messagesDropped()).isZero();
            assertThat(st.messagesHandled()).isEqualTo(10);
            assertThat(st.peakHeld()).as("held within the bound").isLessThanOrEqualTo(2);
            await().atMost(Duration.ofSeconds(30)).until(() -> !callee.stats().readPaused() && a.readPausedBy().isEmpty());
        }
    }

    @Test
    void pastAHardBoundAMessageIsDroppedCountedAndToldToTheDropListener() throws Exception {
        List<String> drops = new CopyOnWriteArrayList<>();
        List<String> got = new CopyOnWriteArrayList<>();
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().maxInboxBytes(1000).build())
                .on("m", String.class, (from, s) -> got.add(s));
             Messenger caller = Messenger.attach(b)) {
            callee.onDropped((from, name, reason) -> drops.add(from + " " + name + " " + reason));
            caller.send(a.vip(), "m", "x".repeat(2000)); // larger than the whole inbox: cannot be held at all
            caller.send(a.vip(), "nobody", "y"); // no handler of that name
            caller.send(a.vip(), "m", "small");
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 1 && drops.size() == 2);
            assertThat(got).containsExactly("small");
            assertThat(drops).containsExactly(b.vip() + " m OVERFLOW", b.vip() + " nobody NO_HANDLER");
            assertThat(callee.stats().messagesDropped()).isEqualTo(2);
            assertThat(callee.stats().inboxOverflows()).isEqualTo(1);
        }
    }

    @Test
    void closingTheMessengerFailsCallsDisconnectedAndHandsDataBack() throws Exception {
        Calculator calc = new Calculator();
        try (Messenger callee = Messenger.attach(a).register(calc)) {
            Messenger caller = Messenger.attach(b);
            CompletableFuture<Integer> f = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
            caller.close();
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.DISCONNECTED));
            assertThat(((RpcException) catchIt(() -> caller.call(a.vip(), "add", new Object[] {1, 2}, Sum.class))).code())
                    .isEqualTo(ErrorCode.DISCONNECTED);
            calc.release.countDown();
            // the answer to the failed call now reaches b's receive queue as data: nothing of b's takes envelopes
            Incoming late = b.receive(Duration.ofSeconds(30));
            assertThat(decode(late.data()).kind()).isEqualTo(Envelope.RESPONSE);
        }
    }

    @Test
    void aLostConnectionFailsCallsAtOnceWhileTheClientReconnects() throws Exception {
        Calculator calc = new Calculator();
        try (DospClient c = DospClient.connect(io.dosp.client.ClientOptions.builder().server("127.0.0.1", server.port())
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(200))).build());
             Messenger callee = Messenger.attach(a).register(calc);
             Messenger caller = Messenger.attach(c, MessengerOptions.builder().callTimeout(Duration.ofSeconds(300)).build())) {
            CompletableFuture<Integer> f = caller.callAsync(a.vip(), "slow", new Object[0], Integer.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
            server.close();
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(RpcException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.DISCONNECTED);
                assertThat(e.getMessage()).contains("was lost");
            });
            calc.release.countDown();
        }
    }

    @Test
    void randomEnvelopesFromAPeerHurtNoOne() {
        java.util.Random random = new java.util.Random(15);
        // the noise comes from a third client: its ids are its own (b's messenger allocates b's)
        try (DospClient noisy = DospClient.connect("127.0.0.1:" + server.port());
             Messenger callee = Messenger.attach(a).register(new Calculator());
             Messenger caller = Messenger.attach(b)) {
            for (int i = 0; i < 300; i++) {
                byte[] body = new byte[random.nextInt(40)];
                random.nextBytes(body);
                String name = List.of("add", "len", "greet", "chat", "$discover", "", "x").get(random.nextInt(7));
                byte[] e = new Envelope(1 + random.nextInt(9), random.nextInt(2), random.nextInt(5), name,
                        random.nextInt(4), body).encode();
                if (random.nextInt(5) == 0) {
                    e[random.nextInt(e.length)] = (byte) random.nextInt(256); // and some that are not envelopes at all
                }
                noisy.send(a.vip(), e);
            }
            // the callee still answers
            assertThat(caller.call(a.vip(), "add", new Object[] {2, 3}, Sum.class)).isEqualTo(new Sum(5));
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 0); // none stuck
        }
    }

    @Test
    void anEnvelopeOverTheInboxBoundIsRefusedNotQueued() {
        List<String> got = new CopyOnWriteArrayList<>();
        try (Messenger callee = Messenger.attach(a, MessengerOptions.builder().maxInboxBytes(200).build())
                .register(new Calculator()).on("big", String.class, (from, t) -> got.add(t));
             Messenger caller = Messenger.attach(b)) {
            String big = "x".repeat(500);
            RpcException e = (RpcException) catchIt(() -> caller.call(a.vip(), "greet", new Object[] {new Named(big, null)},
                    String.class));
            assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_CALLS);
            assertThat(e.getMessage()).contains("inbox is full");
            caller.send(a.vip(), "big", big);
            await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().messagesDropped() == 1);
            assertThat(callee.stats().inboxOverflows()).isEqualTo(2);
            assertThat(caller.call(a.vip(), "greet", new Object[] {new Named("small", null)}, String.class))
                    .isEqualTo("hi small"); // what fits still goes through
            assertThat(got).isEmpty();
        }
    }

    @Test
    void aCallInAContentTypeCallsDoNotUseIsAnsweredUnsupported() {
        try (Messenger callee = Messenger.attach(a).register(new Calculator())) {
            b.send(a.vip(), new Envelope(Envelope.REQUEST, 0, 5, "add", Envelope.TEXT,
                    "1,2".getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode());
            Envelope answer = decode(b.receive(Duration.ofSeconds(30)).data());
            assertThat(answer.kind()).isEqualTo(Envelope.ERROR);
            assertThat(answer.id()).isEqualTo(5);
            assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("UNSUPPORTED");
        }
    }

    @Test
    void sendingWithoutAConnectionFailsDisconnected() {
        DospClient c = DospClient.connect("127.0.0.1:" + server.port());
        try (Messenger m = Messenger.attach(c)) {
            c.close();
            RpcException e = (RpcException) catchIt(() -> m.send(a.vip(), "chat", new Chat("x")));
            assertThat(e.code()).isEqualTo(ErrorCode.DISCONNECTED);
            assertThat(((RpcException) catchIt(() -> m.call(a.vip(), "add", new Object[] {1, 2}, Sum.class))).code())
                    .isEqualTo(ErrorCode.DISCONNECTED);
        }
    }

    @Test
    void aSecureCallToAVipNobodyHoldsFailsPeerGone() {
        try (Messenger caller = Messenger.attach(b, MessengerOptions.builder().secure(true).build())) {
            RpcException e = (RpcException) catchIt(() -> caller.call(Vip.parse("10.9.9.9"), "add", new Object[] {1, 2},
                    Sum.class, Duration.ofSeconds(120)));
            assertThat(e.code()).isEqualTo(ErrorCode.PEER_GONE);
        }
    }

    private static Envelope decode(byte[] data) {
        try {
            return Envelope.decode(data);
        } catch (Envelope.MalformedEnvelopeException e) {
            throw new AssertionError(e);
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
