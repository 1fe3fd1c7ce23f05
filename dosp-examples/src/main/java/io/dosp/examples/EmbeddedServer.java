package io.dosp.examples;

import io.dosp.client.DospClient;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DospServer;
import io.dosp.server.Reconfiguration;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The README's embedded-server example: a server inside an application, with a connection
 * listener, a function, a live reconfiguration, and no file written (the generated admin token
 * stays in memory). Run it: {@code java -cp ... io.dosp.examples.EmbeddedServer}.
 */
public final class EmbeddedServer {
    private EmbeddedServer() {
    }

    /** Runs the example; returns the events the listener saw and the reconfiguration's summary, in order. */
    public static List<String> run() throws Exception {
        // README-server:start
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                .limits(l -> l.maxClients(500).idleTimeout(Duration.ofMinutes(2)))
                .build();                // no admin token configured: one is generated, in memory only
        try (DospServer server = DospServer.start(config)) {
            server.registerFunction("get_time", caller -> Instant.now().toString());   // FN -> SA
            server.addListener(new ServerListener() {      // called off the network threads' hot path
                @Override public void onConnect(ConnectedClient c) {
                    events.add(c.vip() + " joined");
                }

                @Override public void onDisconnect(ConnectedClient c, Disconnect d) {
                    events.add(c.vip() + " left (" + d.initiator() + ")");
                }
            });
            String token = server.generatedAdminToken().orElseThrow();   // for your own admin tooling
            try (DospClient client = DospClient.connect("127.0.0.1:" + server.port())) {
                events.add("get_time answered: " + !client.call("get_time").isEmpty());
            }
            // Later, without a restart: a smaller limit and a ban (what needs a restart is reported, not applied).
            Reconfiguration r = server.reconfigure(config.toBuilder()
                    .limits(l -> l.maxClients(100))
                    .access(a -> a.bannedHashes(java.util.Set.of("ab".repeat(32))))
                    .build());
            events.add(r.summary().lines().findFirst().orElseThrow());
            events.add("token is " + token.length() + " hex characters");
        }
        // README-server:end
        return List.of(poll(events), poll(events), poll(events), poll(events), poll(events));
    }

    private static String poll(BlockingQueue<String> events) throws InterruptedException {
        String e = events.poll(5, TimeUnit.SECONDS);
        if (e == null) {
            throw new IllegalStateException("an event did not arrive within 5 s");
        }
        return e;
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        run().forEach(System.out::println);
    }
}
