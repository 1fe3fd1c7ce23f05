package io.dosp.examples;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The README's reconnecting-client example: a client with reconnect on and a fallback server
 * survives its server draining (lame duck) and carries on at the server the EXIT named. Two
 * servers are embedded on free ports so it runs anywhere: {@code java -cp ... io.dosp.examples.ReconnectingClient}.
 */
public final class ReconnectingClient {
    /** The backup server's address in the last run (for the test). */
    static volatile String lastBackup;

    private ReconnectingClient() {
    }

    /** Runs the example; returns the server the client ended up on, and what it received there. */
    public static List<String> run() throws Exception {
        try (DospServer backup = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).build());
             DospServer primary = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0)
                     .drainRedirect(List.of("127.0.0.1:" + backup.port())).build())) {
            String primaryAddress = "127.0.0.1:" + primary.port();
            String backupAddress = "127.0.0.1:" + backup.port();
            lastBackup = backupAddress;
            // README-reconnect:start
            ClientOptions options = ClientOptions.builder()
                    .server(primaryAddress)
                    .fallbackServers(List.of(backupAddress))      // tried in turn when the primary is gone
                    .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(100), Duration.ofSeconds(10)))
                    .build();
            try (DospClient client = DospClient.connect(options)) {
                CompletableFuture<Vip> moved = new CompletableFuture<>();
                client.addListener(new ClientListener() {      // called on the client's callback thread
                    @Override public void onReconnected(Vip vip) {
                        moved.complete(vip);
                    }
                });
                primary.drain(Duration.ofMillis(200));         // EXIT "Server draining; reconnect to <backup>"
                Vip vip = moved.get(10, TimeUnit.SECONDS);    // same vIP asked for again (ReconnectOptions.keepVip)
                try (DospClient peer = DospClient.connect(backupAddress)) {
                    peer.send(vip, "welcome to the backup");
                }
                return List.of(client.server(), client.receive(Duration.ofSeconds(5)).text());
            }
            // README-reconnect:end
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        run().forEach(System.out::println);
    }
}
