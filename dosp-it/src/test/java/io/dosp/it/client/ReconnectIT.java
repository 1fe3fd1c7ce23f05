package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reconnect with backoff after a server restart, and heartbeat-based dead-connection detection. */
class ReconnectIT {
    @TempDir
    Path tmp;

    @Test
    void reconnectsAfterTheServerRestartsOnTheSamePortAndGetsItsVipBack() {
        DospServer first = TestServers.start(tmp);
        int port = first.port();
        ClientOptions.Builder o = ClientOptions.builder().server("127.0.0.1", port)
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(400)));
        LinkedBlockingQueue<Vip> reconnectedA = new LinkedBlockingQueue<>();
        try (DospClient filler = TestServers.client(first);
             DospClient a = DospClient.connect(o.machineHash("aa".repeat(32)).build());
             DospClient b = DospClient.connect(o.machineHash("bb".repeat(32)).build())) {
            a.addListener(new ClientListener() {
                @Override
                public void onReconnected(Vip vip) {
                    reconnectedA.add(vip);
                }
            });
            Vip aVip = a.vip();
            Vip bVip = b.vip();
            assertThat(aVip).isEqualTo(Vip.parse("7.10.0.3")); // .2 is the filler's
            a.openTunnel(bVip);
            first.close(); // clients get EXIT "Server shutting down"
            DospServer second = DospServer.start(TestServers.config(tmp).port(port).build());
            try {
                // Backoff bound: 400 ms max delay, a few attempts at most while the port comes back.
                await().atMost(Duration.ofSeconds(5)).until(() -> a.isConnected() && b.isConnected());
                assertThat(a.vip()).as("previous vIP requested again").isEqualTo(aVip);
                assertThat(b.vip()).isEqualTo(bVip);
                assertThat(reconnectedA).contains(aVip);
                // The tunnel is re-opened on the first send; nothing goes in plaintext.
                a.send(bVip, "after the restart");
                Incoming in = b.receive(Duration.ofSeconds(5));
                assertThat(in.text()).isEqualTo("after the restart");
                assertThat(in.tunneled()).isTrue();
            } finally {
                second.close();
            }
        }
    }

    @Test
    void heartbeatDeclaresASilentServerDead() throws Exception {
        try (ServerSocket fake = new ServerSocket(0)) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = fake.accept();
                    OutputStream out = s.getOutputStream();
                    out.write(PacketCodec.encode(Packets.aip(Vip.parse("7.10.0.2"))));
                    out.write(PacketCodec.encode(Packets.hsk(Handshake.standard(false))));
                    out.flush();
                    return s; // then never answers anything
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            CompletableFuture<DisconnectedException> dead = new CompletableFuture<>();
            try (DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", fake.getLocalPort())
                    .heartbeat(h -> h.interval(Duration.ofMillis(100)).misses(3)).build())) {
                c.addListener(new ClientListener() {
                    @Override
                    public void onDisconnected(DisconnectedException cause) {
                        dead.complete(cause);
                    }
                });
                DisconnectedException cause = dead.get(10, TimeUnit.SECONDS);
                assertThat(cause).hasMessageContaining("heartbeat");
                assertThat(c.isConnected()).isFalse();
            } finally {
                accepted.get().close();
            }
        }
    }

    @Test
    void noReconnectWhenKickedByAdmin() {
        try (DospServer server = TestServers.start(tmp);
             DospClient admin = TestServers.client(server);
             DospClient c = DospClient.connect(TestServers.options(server)
                     .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(20), Duration.ofMillis(100))).build())) {
            admin.admin().authenticate(TestServers.TOKEN);
            admin.admin().command("kick " + c.vip());
            CompletableFuture<Incoming> rx = CompletableFuture.supplyAsync(c::receive);
            await().atMost(Duration.ofSeconds(5)).until(rx::isDone);
            assertThat(rx).isCompletedExceptionally();
            assertThat(c.isConnected()).isFalse();
            assertThat(server.clients()).hasSize(1);
        }
    }
}
