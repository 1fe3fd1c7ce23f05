package io.dosp.it.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.messaging.CallContext;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.Handler;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.Rpc;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.Schema;
import io.dosp.protocol.Vip;
import io.dosp.testkit.Mesh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java to Java messaging over two federated servers: typed calls, handlers and discovery through an end-to-end
 * tunnel (the servers see only sealed frames), every error code reaching the caller across the peer link, and
 * calls in flight failing fast when the callee goes; and between a WebSocket and a TCP client through a tunnel.
 */
class MessagingFederationIT {
    @TempDir
    Path tmp;

    record Order(String item, int quantity) {
    }

    record Receipt(String item, int quantity, long total) {
    }

    /** The callee's service. */
    public static final class Shop {
        final List<String> notes = new CopyOnWriteArrayList<>();
        final CountDownLatch hold = new CountDownLatch(1);

        @Rpc
        public Receipt buy(CallContext ctx, Order order) {
            if (!ctx.tunneled()) {
                throw new IllegalStateException("plain call");
            }
            if (order.quantity() <= 0) {
                throw RpcException.badArguments("order.quantity", "must be positive");
            }
            return new Receipt(order.item(), order.quantity(), 250L * order.quantity());
        }

        @Rpc
        public int wait(int v) throws InterruptedException {
            hold.await(120, TimeUnit.SECONDS);
            return v;
        }

        @Handler("note")
        public void note(Vip from, String text) {
            notes.add(text);
        }
    }

    private static MessengerOptions secure() {
        return MessengerOptions.builder().secure(true).callTimeout(Duration.ofSeconds(120)).build();
    }

    @Test
    void callsHandlersAndDiscoveryThroughATunnelAcrossAPeerLink() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            mesh.link(0, 1);
            mesh.awaitFullRoutes();
            DospClient shopClient = mesh.client(0);
            DospClient buyerClient = mesh.client(1);
            Shop shop = new Shop();
            try (Messenger callee = Messenger.attach(shopClient, secure()).register(shop);
                 Messenger caller = Messenger.attach(buyerClient, secure())) {
                Receipt r = caller.call(shopClient.vip(), "buy", new Object[] {new Order("tea", 3)}, Receipt.class);
                assertThat(r).isEqualTo(new Receipt("tea", 3, 750));
                assertThat(buyerClient.hasTunnel(shopClient.vip())).isTrue();

                caller.send(shopClient.vip(), "note", "first");
                caller.send(shopClient.vip(), "note", "second");
                await().atMost(Duration.ofSeconds(30)).until(() -> shop.notes.size() == 2);
                assertThat(shop.notes).containsExactly("first", "second");

                Schema s = caller.discover(shopClient.vip());
                assertThat(s.methods()).extracting(Schema.Method::name).containsExactly("buy", "wait");
                assertThat(s.method("buy").orElseThrow().params()).extracting(Schema.Param::name).containsExactly("order");

                RpcException bad = catchRpc(() -> caller.call(shopClient.vip(), "buy", new Object[] {new Order("tea", 0)},
                        Receipt.class));
                assertThat(bad.code()).isEqualTo(ErrorCode.BAD_ARGUMENTS);
                assertThat(bad.field()).contains("order.quantity");
                assertThat(catchRpc(() -> caller.call(shopClient.vip(), "steal", new Object[0], Receipt.class)).code())
                        .isEqualTo(ErrorCode.NO_SUCH_METHOD);

                // many calls in flight at once, answered each to its own caller
                List<CompletableFuture<Receipt>> many = new java.util.ArrayList<>();
                for (int i = 1; i <= 50; i++) {
                    many.add(caller.callAsync(shopClient.vip(), "buy", new Object[] {new Order("cup", i)}, Receipt.class));
                }
                for (int i = 1; i <= 50; i++) {
                    assertThat(many.get(i - 1).join().total()).isEqualTo(250L * i);
                }
                assertThat(callee.stats().callsServed()).isEqualTo(54);
                assertThat(caller.stats().callsInFlight()).isZero();
            }
        }
    }

    @Test
    void aCallToAVipNobodyHoldsOnTheOtherServerFailsPeerGone() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            mesh.link(0, 1);
            mesh.awaitFullRoutes();
            DospClient buyerClient = mesh.client(1);
            try (Messenger caller = Messenger.attach(buyerClient)) {
                Vip nobody = Vip.parse("10.1.0.200"); // server 0's template, held by no one
                RpcException e = catchRpc(() -> caller.call(nobody, "buy", new Object[0], Receipt.class,
                        Duration.ofSeconds(120)));
                assertThat(e.code()).isEqualTo(ErrorCode.PEER_GONE);
            }
        }
    }

    @Test
    void aCallInFlightFailsAtOnceWhenTheCalleeLeaves() {
        try (Mesh mesh = new Mesh(tmp, 1)) {
            DospClient shopClient = mesh.client(0);
            DospClient buyerClient = mesh.client(0);
            Shop shop = new Shop();
            Messenger callee = Messenger.attach(shopClient).register(shop);
            try (Messenger caller = Messenger.attach(buyerClient, MessengerOptions.builder()
                    .callTimeout(Duration.ofSeconds(300)).build())) {
                CompletableFuture<Integer> f = caller.callAsync(shopClient.vip(), "wait", new Object[] {1}, Integer.class);
                await().atMost(Duration.ofSeconds(30)).until(() -> callee.stats().incomingCalls() == 1);
                shopClient.close(); // the server tells the buyer (PEER_GONE notice): no waiting for the 300 s timeout
                await().atMost(Duration.ofSeconds(30)).until(f::isDone);
                assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(RpcException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PEER_GONE));
            } finally {
                shop.hold.countDown();
                callee.close();
            }
        }
    }

    @Test
    void callsBetweenAWebSocketClientAndATcpClientThroughATunnel() {
        try (io.dosp.server.DospServer server = io.dosp.server.DospServer.start(
                io.dosp.testkit.TestServers.webSocketConfig(tmp).build());
             DospClient ws = DospClient.connect(io.dosp.testkit.TestServers.webSocketOptions(server).build());
             DospClient tcp = io.dosp.testkit.TestServers.client(server);
             Messenger overWs = Messenger.attach(ws, secure()).register(new Shop());
             Messenger overTcp = Messenger.attach(tcp, secure()).register(new Shop())) {
            assertThat(overTcp.call(ws.vip(), "buy", new Object[] {new Order("tea", 2)}, Receipt.class).total())
                    .isEqualTo(500);
            assertThat(overWs.call(tcp.vip(), "buy", new Object[] {new Order("pot", 1)}, Receipt.class).total())
                    .isEqualTo(250);
            assertThat(ws.hasTunnel(tcp.vip())).isTrue();
        }
    }

    private static RpcException catchRpc(Runnable r) {
        try {
            r.run();
        } catch (RpcException e) {
            return e;
        }
        throw new AssertionError("expected an RpcException");
    }
}
