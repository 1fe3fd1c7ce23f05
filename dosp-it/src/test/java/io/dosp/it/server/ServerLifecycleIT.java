package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.ExitCode;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec 3.6: EXIT from the client, EXIT from the server (API disconnect, shutdown), and what onDisconnect reports. */
class ServerLifecycleIT {
    @TempDir
    Path tmp;

    /** What onDisconnect saw. */
    record Gone(Vip vip, Disconnect disconnect) {
    }

    private static BlockingQueue<Gone> recordDisconnects(DospServer server) {
        BlockingQueue<Gone> q = new LinkedBlockingQueue<>();
        server.addListener(new ServerListener() {
            @Override
            public void onDisconnect(ConnectedClient client, Disconnect disconnect) {
                q.add(new Gone(client.vip(), disconnect));
            }
        });
        return q;
    }

    private static Gone poll(BlockingQueue<Gone> q) throws InterruptedException {
        Gone g = q.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(g).as("onDisconnect within %s", TIMEOUT).isNotNull();
        return g;
    }

    @Test
    void clientExitCcClosesTheConnection() throws InterruptedException {
        try (DospServer server = start(tmp);
             RawClient other = RawClient.connect(server.port())) {
            BlockingQueue<Gone> gone = recordDisconnects(server);
            try (RawClient a = RawClient.connect(server.port())) {
                a.sendRaw(new byte[] {0x11, 0, 0, 0, 2, 'C', 'C'});
                assertThat(a.closedWithin(TIMEOUT)).isTrue();
                Gone g = poll(gone);
                assertThat(g.vip()).isEqualTo(a.vip());
                assertThat(g.disconnect().initiator()).isEqualTo(Disconnect.Initiator.CLIENT);
                assertThat(g.disconnect().code()).isEqualTo(ExitCode.CC);
                assertThat(g.disconnect().reason()).isEmpty();
                await().atMost(TIMEOUT).until(() -> server.client(a.vip()).isEmpty());
            }
            assertThat(server.stats().clientsConnected()).isEqualTo(1);
            assertPingRoundTrip(other);
        }
    }

    @Test
    void clientExitWithReason() throws InterruptedException {
        try (DospServer server = start(tmp)) {
            BlockingQueue<Gone> gone = recordDisconnects(server);
            try (RawClient a = RawClient.connect(server.port())) {
                a.send(Packets.exit(ExitCode.CC, "user logged out, bye"));
                assertThat(a.closedWithin(TIMEOUT)).isTrue();
                Gone g = poll(gone);
                assertThat(g.vip()).isEqualTo(a.vip());
                assertThat(g.disconnect()).isEqualTo(new Disconnect(Disconnect.Initiator.CLIENT, ExitCode.CC,
                        "user logged out, bye"));
            }
            try (RawClient b = RawClient.connect(server.port())) {
                b.send(Packets.exit(ExitCode.EX, "NullPointerException"));
                assertThat(b.closedWithin(TIMEOUT)).isTrue();
                Gone g = poll(gone);
                assertThat(g.disconnect().code()).isEqualTo(ExitCode.EX);
                assertThat(g.disconnect().reason()).isEqualTo("NullPointerException");
            }
        }
    }

    @Test
    void subPacketsAfterExitInAnMpakAreNotHandled() throws InterruptedException {
        try (DospServer server = start(tmp);
             RawClient b = RawClient.connect(server.port())) {
            BlockingQueue<Gone> gone = recordDisconnects(server);
            try (RawClient a = RawClient.connect(server.port())) {
                // As if EXIT had arrived alone: nothing after it is acted on.
                a.send(Packets.mpak(List.of(
                        Packets.s2c(b.vip(), "before exit".getBytes(StandardCharsets.UTF_8)),
                        Packets.exit(ExitCode.CC),
                        Packets.s2c(b.vip(), "after exit".getBytes(StandardCharsets.UTF_8)))));
                assertThat(a.closedWithin(TIMEOUT)).isTrue();
                assertThat(poll(gone).disconnect().code()).isEqualTo(ExitCode.CC);
            }
            assertThat(((S2cPacket) b.receive(TIMEOUT)).dataText()).isEqualTo("before exit");
            assertPingRoundTrip(b);
        }
    }

    @Test
    void connectionDroppedWithoutExitIsReportedAsNetwork() throws InterruptedException {
        try (DospServer server = start(tmp)) {
            BlockingQueue<Gone> gone = recordDisconnects(server);
            Vip vip;
            try (RawClient a = RawClient.connect(server.port())) {
                vip = a.vip();
            }
            Gone g = poll(gone);
            assertThat(g.vip()).isEqualTo(vip);
            assertThat(g.disconnect().initiator()).isEqualTo(Disconnect.Initiator.NETWORK);
            assertThat(g.disconnect().code()).isNull();
        }
    }

    @Test
    void serverSideDisconnectSendsExitWithTheReason() throws InterruptedException {
        try (DospServer server = start(tmp);
             RawClient other = RawClient.connect(server.port());
             RawClient a = RawClient.connect(server.port())) {
            BlockingQueue<Gone> gone = recordDisconnects(server);
            server.client(a.vip()).orElseThrow().disconnect("Disconnected by admin");
            SimplePacket exit = next(a, PacketType.EXIT);
            assertThat(exit.bodyText()).isEqualTo("Disconnected by admin");
            assertThat(a.closedWithin(TIMEOUT)).isTrue();
            Gone g = poll(gone);
            assertThat(g.vip()).isEqualTo(a.vip());
            assertThat(g.disconnect()).isEqualTo(new Disconnect(Disconnect.Initiator.SERVER, null, "Disconnected by admin"));
            assertPingRoundTrip(other);
        }
    }

    @Test
    void serverStopSendsExitToEveryClient() throws InterruptedException {
        DospServer server = start(tmp);
        try (RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port());
             RawClient c = RawClient.connect(server.port())) {
            BlockingQueue<Gone> gone = recordDisconnects(server);
            assertPingRoundTrip(a);
            server.close();
            for (RawClient client : List.of(a, b, c)) {
                SimplePacket exit = next(client, PacketType.EXIT);
                assertThat(exit.bodyText()).isEqualTo(DospServer.SHUTDOWN_REASON).isEqualTo("Server shutting down");
                assertThat(client.closedWithin(TIMEOUT)).isTrue();
            }
            for (int i = 0; i < 3; i++) {
                Gone g = poll(gone);
                assertThat(g.disconnect().initiator()).isEqualTo(Disconnect.Initiator.SERVER);
                assertThat(g.disconnect().reason()).isEqualTo("Server shutting down");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void serverStopIsIdempotentAndFreesThePort() {
        DospServer server = start(tmp);
        int port = server.port();
        server.close();
        server.close();
        assertThat(refused(port)).isTrue();
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) Duration.ofSeconds(2).toMillis());
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
