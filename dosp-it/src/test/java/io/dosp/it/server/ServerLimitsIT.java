package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertNothingWithin;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerListener;
import io.dosp.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle timeout, connection limit, template exhaustion and the per-client packet rate limit. */
class ServerLimitsIT {
    private static final Duration IDLE = Duration.ofMillis(400);

    @TempDir
    Path tmp;

    @Test
    void silentClientIsClosedWithIdleTimeoutWhileAPingingOneStays() throws InterruptedException {
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.idleTimeout(IDLE)).build())) {
            BlockingQueue<Disconnect> gone = new LinkedBlockingQueue<>();
            server.addListener(new ServerListener() {
                @Override
                public void onDisconnect(ConnectedClient client, Disconnect disconnect) {
                    gone.add(disconnect);
                }
            });
            try (RawClient silent = RawClient.connect(server.port());
                 RawClient busy = RawClient.connect(server.port())) {
                // The busy client PINGs every ~80 ms (well inside the 400 ms timeout) for more than
                // three timeouts; between PINGs it checks that nothing (no EXIT) arrives.
                long until = System.nanoTime() + IDLE.multipliedBy(3).toNanos();
                int pings = 0;
                while (System.nanoTime() < until || pings < 10) {
                    assertPingRoundTrip(busy);
                    assertNothingWithin(busy, Duration.ofMillis(80));
                    pings++;
                }

                SimplePacket exit = next(silent, PacketType.EXIT);
                assertThat(exit.bodyText()).isEqualTo("Idle timeout");
                assertThat(silent.closedWithin(TIMEOUT)).isTrue();
                Disconnect d = gone.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(d).isEqualTo(new Disconnect(Disconnect.Initiator.SERVER, null, "Idle timeout"));
                assertThat(server.stats().drops(DropReason.IDLE_TIMEOUT)).isEqualTo(1);

                assertPingRoundTrip(busy);
                assertThat(server.client(busy.vip())).isPresent();
                assertThat(server.clients()).hasSize(1);
            }
        }
    }

    @Test
    void idleTimeoutZeroDisablesIt() {
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.idleTimeout(Duration.ZERO)).build());
             RawClient a = RawClient.connect(server.port())) {
            assertNothingWithin(a, Duration.ofMillis(300));
            assertPingRoundTrip(a);
        }
    }

    @Test
    void connectionsOverMaxClientsGetServerFull() {
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.maxClients(2)).build());
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            try (RawClient third = RawClient.connectRaw(server.port())) {
                // Refused before any AIP: the first and only packet is EXIT.
                SimplePacket exit = next(third, PacketType.EXIT);
                assertThat(exit.bodyText()).isEqualTo("Server full");
                assertThat(third.closedWithin(TIMEOUT)).isTrue();
            }
            assertThat(server.stats().drops(DropReason.SERVER_FULL)).isEqualTo(1);
            assertThat(server.clients()).hasSize(2);
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);

            // A freed slot is usable again.
            Vip bVip = b.vip();
            b.close();
            await().atMost(TIMEOUT).until(() -> server.clients().size() == 1);
            try (RawClient again = RawClient.connect(server.port())) {
                assertThat(again.vip()).isEqualTo(bVip);
                assertPingRoundTrip(again);
            }
        }
    }

    @Test
    void exhaustedTemplateGivesServerFull() {
        // 10.0.0.0/30: .0 network, .1 server, .3 broadcast: exactly one client address.
        try (DospServer server = DospServer.start(config(tmp).template("10.0.0.0/30").build())) {
            Vip only;
            try (RawClient a = RawClient.connect(server.port())) {
                only = a.vip();
                assertThat(only).isEqualTo(Vip.parse("10.0.0.2"));
                try (RawClient b = RawClient.connectRaw(server.port())) {
                    assertThat(next(b, PacketType.EXIT).bodyText()).isEqualTo("Server full");
                    assertThat(b.closedWithin(TIMEOUT)).isTrue();
                }
                assertThat(server.stats().drops(DropReason.SERVER_FULL)).isEqualTo(1);
                assertPingRoundTrip(a);
            }
            // The refused connection did not leak a slot or the address.
            await().atMost(TIMEOUT).until(() -> server.clients().isEmpty());
            assertThat(server.stats().clientsConnected()).isZero();
            try (RawClient c = RawClient.connect(server.port())) {
                assertThat(c.vip()).isEqualTo(only);
                assertPingRoundTrip(c);
            }
        }
    }

    @Test
    void rateLimitedClientGetsEveryPingEchoedInOrder() {
        int count = 200;
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.packetRateLimit(100)).build());
             RawClient a = RawClient.connect(server.port());
             RawClient other = RawClient.connect(server.port())) {
            // All 200 PINGs in one write: well past the one-second burst of 100.
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++) {
                batch.writeBytes(PacketCodec.encode(Packets.ping(ByteBuffer.allocate(4).putInt(i).array())));
            }
            a.sendRaw(batch.toByteArray());
            // Another client is not held up by A's limit.
            assertPingRoundTrip(other);
            for (int i = 0; i < count; i++) {
                Packet p = a.receive(TIMEOUT);
                assertThat(p.type()).isEqualTo(PacketType.PING);
                assertThat(ByteBuffer.wrap(((SimplePacket) p).body()).getInt()).as("PING #%d", i).isEqualTo(i);
            }
            assertPingRoundTrip(a);
            assertThat(server.client(a.vip()).orElseThrow().stats().packetsIn()).isEqualTo(count + 1);
        }
    }

    @Test
    void rateLimitedClientIsNotTakenForIdleWhileTheServerHoldsItsPackets() {
        // The rate limit slows a client by not reading from it. A client whose packets wait unread
        // in the socket is not idle: it must get its echoes, not EXIT "Idle timeout".
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.packetRateLimit(50).idleTimeout(IDLE)).build());
             RawClient a = RawClient.connect(server.port())) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 100; i++) {
                burst.writeBytes(PacketCodec.encode(Packets.ping(ByteBuffer.allocate(4).putInt(i).array())));
            }
            a.sendRaw(burst.toByteArray());
            for (int i = 0; i < 100; i++) {
                assertThat(ByteBuffer.wrap(next(a, PacketType.PING).body()).getInt()).isEqualTo(i);
            }
            // Far over the limit now: each further PING is answered without losing any, and the
            // connection stays up however long the server holds them.
            for (int i = 0; i < 3; i++) {
                assertPingRoundTrip(a);
            }
            assertThat(server.stats().drops(DropReason.IDLE_TIMEOUT)).isZero();
        }
    }

    @Test
    void rateLimitCountsMpakSubPacketsAndLosesNone() {
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.packetRateLimit(20)).build());
             RawClient a = RawClient.connect(server.port())) {
            List<Packet> pings = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                pings.add(Packets.ping(new byte[] {(byte) i}));
            }
            a.send(Packets.mpak(pings));
            a.send(Packets.mpak(pings));
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 30; i++) {
                    assertThat(next(a, PacketType.PING).body()).containsExactly(i);
                }
            }
            assertPingRoundTrip(a);
        }
    }
}
