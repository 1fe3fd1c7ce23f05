package io.dosp.examples;

import io.dosp.client.DospClient;
import io.dosp.messaging.Handler;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.Rpc;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.Schema;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The README's messaging example: a service with a typed method and a message handler, called through an
 * end-to-end tunnel. It embeds a server on a free port so it runs anywhere:
 * {@code java -cp ... io.dosp.examples.MessagingQuickStart}.
 */
public final class MessagingQuickStart {
    private MessagingQuickStart() {
    }

    // service:start
    public record Order(String item, int quantity) { }
    public record Receipt(String item, int quantity, long totalCents) { }
    public record Note(String text) { }

    public static final class Shop {
        final CountDownLatch noted = new CountDownLatch(1);

        @Rpc                                            // callable as "buy"; args checked before it runs
        public Receipt buy(Order order) {
            if (order.quantity() <= 0) {
                throw RpcException.badArguments("order.quantity", "must be positive");
            }
            return new Receipt(order.item(), order.quantity(), 250L * order.quantity());
        }

        @Handler("note")                                // one-way messages named "note"
        public void note(Vip from, Note note) {
            System.out.println(from + " left a note: " + note.text());
            noted.countDown();
        }
    }
    // service:end

    /** Runs the example and returns what it printed, line by line. */
    public static List<String> run() throws Exception {
        List<String> lines = new ArrayList<>();
        Path tokenFile = Files.createTempDirectory("dosp").resolve("admin.token");
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                .access(a -> a.adminTokenFile(tokenFile)).build();
        try (DospServer server = DospServer.start(config)) {
            String address = "127.0.0.1:" + server.port();
            // README:start
            MessengerOptions secure = MessengerOptions.builder().secure(true).build();  // tunnels only
            Shop shop = new Shop();
            try (DospClient shopClient = DospClient.connect(address);
                 DospClient buyerClient = DospClient.connect(address);
                 Messenger shopSide = Messenger.attach(shopClient, secure).register(shop);
                 Messenger buyer = Messenger.attach(buyerClient, secure)) {
                Vip shopVip = shopClient.vip();
                Receipt r = buyer.call(shopVip, "buy", new Object[] {new Order("tea", 3)}, Receipt.class);
                lines.add("receipt: " + r);
                CompletableFuture<Receipt> later = buyer.callAsync(shopVip, "buy", new Object[] {new Order("cup", 1)},
                        Receipt.class);
                lines.add("async receipt: " + later.get(10, TimeUnit.SECONDS));
                try {
                    buyer.call(shopVip, "buy", new Object[] {new Order("tea", 0)}, Receipt.class);
                } catch (RpcException e) {                // code, field and message from the callee; no stack trace
                    lines.add("refused: " + e.code() + " field " + e.field().orElse("-"));
                }
                Schema schema = buyer.discover(shopVip);   // $discover: what the shop offers
                lines.add("methods: " + schema.methods().stream().map(Schema.Method::name).toList()
                        + ", handlers: " + schema.handlers().stream().map(Schema.MessageType::name).toList());
                buyer.send(shopVip, "note", new Note("thanks!"));
                shop.noted.await(10, TimeUnit.SECONDS);
                lines.add("tunnel used: " + buyerClient.hasTunnel(shopVip));
            }
            // README:end
        }
        lines.forEach(System.out::println);
        return lines;
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        run();
    }
}
