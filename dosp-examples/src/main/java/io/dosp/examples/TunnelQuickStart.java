package io.dosp.examples;

import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The README's client example: connect, open a tunnel, send, receive. It embeds a server on a
 * free port so it runs anywhere: {@code java -cp ... io.dosp.examples.TunnelQuickStart}.
 */
public final class TunnelQuickStart {
    private TunnelQuickStart() {
    }

    /** Runs the example and returns what Bob received. */
    public static String run() throws Exception {
        Path tokenFile = Files.createTempDirectory("dosp").resolve("admin.token");
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                .access(a -> a.adminTokenFile(tokenFile)).build();
        try (DospServer server = DospServer.start(config)) {
            String address = "127.0.0.1:" + server.port();
            // README:start
            try (DospClient alice = DospClient.connect(address);
                 DospClient bob = DospClient.connect(address)) {
                alice.openTunnel(bob.vip());               // X25519 handshake through the server
                alice.send(bob.vip(), "hello, bob");       // sealed: the server sees only ciphertext
                Incoming in = bob.receive(Duration.ofSeconds(5));
                System.out.println(in.source().orElseThrow() + " says '" + in.text() + "' (tunneled: " + in.tunneled() + ")");
                return in.text();
            }
            // README:end
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        run();
    }
}
