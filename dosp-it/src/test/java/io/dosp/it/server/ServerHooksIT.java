package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ServerListener hooks: onConnect / onDisconnect with the right vIP, onPacket consuming, throwing listeners. */
class ServerHooksIT {
    @TempDir
    Path tmp;

    @Test
    void onConnectAndOnDisconnectSeeTheClientsVip() throws InterruptedException {
        try (DospServer server = start(tmp)) {
            BlockingQueue<Vip> connected = new LinkedBlockingQueue<>();
            BlockingQueue<Vip> disconnected = new LinkedBlockingQueue<>();
            server.addListener(new ServerListener() {
                @Override
                public void onConnect(ConnectedClient client) {
                    connected.add(client.vip());
                }

                @Override
                public void onDisconnect(ConnectedClient client, Disconnect disconnect) {
                    disconnected.add(client.vip());
                }
            });
            try (RawClient a = RawClient.connect(server.port())) {
                assertThat(connected.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(a.vip());
                try (RawClient b = RawClient.connect(server.port())) {
                    assertThat(connected.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(b.vip());
                }
                assertThat(disconnected.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Vip.parse("7.10.0.3"));
                assertPingRoundTrip(a);
            }
            assertThat(disconnected.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Vip.parse("7.10.0.2"));
            assertThat(connected).isEmpty();
        }
    }

    @Test
    void onConnectMaySendAfterAipAndHsk() {
        try (DospServer server = start(tmp)) {
            server.addListener(new ServerListener() {
                @Override
                public void onConnect(ConnectedClient client) {
                    client.send(Packets.msg("welcome " + client.vip()));
                }
            });
            // connect() fails unless AIP and HSK come first.
            try (RawClient a = RawClient.connect(server.port())) {
                assertThat(next(a, PacketType.MSG).bodyText()).isEqualTo("welcome 7.10.0.2");
                assertPingRoundTrip(a);
            }
        }
    }

    @Test
    void onPacketReturningTrueConsumesThePacket() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            AtomicBoolean consumeNext = new AtomicBoolean(true);
            List<Packet> consumed = new CopyOnWriteArrayList<>();
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    if (packet.type() == PacketType.PING && consumeNext.compareAndSet(true, false)) {
                        consumed.add(packet);
                        return true;
                    }
                    return false;
                }
            });
            a.send(Packets.ping("first".getBytes(StandardCharsets.UTF_8)));
            a.send(Packets.ping("second".getBytes(StandardCharsets.UTF_8)));
            // The first PING got no echo: the first reply is the second PING's.
            assertThat(next(a, PacketType.PING).bodyText()).isEqualTo("second");
            assertThat(consumed).hasSize(1);
            assertThat(consumed.get(0)).isEqualTo(Packets.ping("first".getBytes(StandardCharsets.UTF_8)));
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void consumedS2cIsNotRouted() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    return packet instanceof S2cPacket s && s.dataText().equals("secret");
                }
            });
            a.send(Packets.s2c(b.vip(), "secret".getBytes(StandardCharsets.UTF_8)));
            a.send(Packets.s2c(b.vip(), "public".getBytes(StandardCharsets.UTF_8)));
            assertThat(((S2cPacket) b.receive(TIMEOUT)).dataText()).isEqualTo("public");
            // Neither an S2CF nor anything else went back to A for the consumed one.
            assertPingRoundTrip(a);
        }
    }

    @Test
    void throwingListenersDoNotBreakTheConnectionOrOtherListeners() throws InterruptedException {
        try (DospServer server = start(tmp)) {
            server.addListener(new ServerListener() {
                @Override
                public void onConnect(ConnectedClient client) {
                    throw new IllegalStateException("onConnect bug");
                }

                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    throw new IllegalStateException("onPacket bug");
                }

                @Override
                public void onDisconnect(ConnectedClient client, Disconnect disconnect) {
                    throw new IllegalStateException("onDisconnect bug");
                }
            });
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            server.addListener(new ServerListener() {
                @Override
                public void onConnect(ConnectedClient client) {
                    events.add("connect " + client.vip());
                }

                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    events.add("packet " + PacketType.nameOf(packet.typeCode()));
                    return false;
                }

                @Override
                public void onDisconnect(ConnectedClient client, Disconnect disconnect) {
                    events.add("disconnect " + client.vip());
                }
            });
            try (RawClient a = RawClient.connect(server.port());
                 RawClient b = RawClient.connect(server.port())) {
                assertThat(events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("connect 7.10.0.2");
                assertThat(events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("connect 7.10.0.3");
                // Packets are handled normally despite the throwing onPacket.
                assertPingRoundTrip(a);
                assertThat(events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("packet PING");
                a.send(Packets.s2c(b.vip(), new byte[] {9}));
                assertThat(((S2cPacket) b.receive(TIMEOUT)).src()).isEqualTo(a.vip());
                assertThat(events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("packet S2C");
            }
            assertThat(List.of(events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                    events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)))
                    .containsExactlyInAnyOrder("disconnect 7.10.0.2", "disconnect 7.10.0.3");
            // The vIPs were freed despite the throwing onDisconnect.
            await().atMost(TIMEOUT).until(() -> server.clients().isEmpty());
            try (RawClient c = RawClient.connect(server.port())) {
                assertThat(c.vip()).isEqualTo(Vip.parse("7.10.0.2"));
                assertPingRoundTrip(c);
            }
        }
    }

    @Test
    void removedListenerIsNoLongerCalled() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            AtomicInteger eaten = new AtomicInteger();
            ServerListener swallowAll = new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    eaten.incrementAndGet();
                    return true;
                }
            };
            server.addListener(swallowAll);
            a.send(Packets.ping("eaten".getBytes(StandardCharsets.UTF_8)));
            await().atMost(TIMEOUT).until(() -> eaten.get() == 1);
            server.removeListener(swallowAll);
            // The next packet A receives is the echo of a new PING: the eaten one got none.
            assertPingRoundTrip(a);
            assertThat(eaten).hasValue(1);
        }
    }
}
