package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.client.TunnelFailedException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.TestServers;
import io.dosp.testkit.Vectors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the client meets a reference peer's tunnel behaviour, and its executor model. */
class ReferenceBehaviourIT {
    @TempDir
    Path tmp;

    @Test
    void referenceRefusalOfASecondHandshakeIsAClearException() {
        try (DospServer server = TestServers.start(tmp); DospClient a = TestServers.client(server)) {
            Vip ghost = Vip.parse("7.10.0.50");
            // Plays a reference client at 7.10.0.50 that already has a tunnel with a: it answers any hello
            // with the reference's HC2C error frame.
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient from, Packet packet) {
                    if (packet instanceof S2cPacket s && s.dst().equals(ghost) && s.isTunnelHandshake()) {
                        from.send(Packets.s2c(from.vip(), ghost, TunnelHandshake.errorPayload(TunnelHandshake.TUNNEL_EXISTS_REASON)));
                        return true;
                    }
                    return false;
                }
            });
            assertThatThrownBy(() -> a.openTunnel(ghost)).isInstanceOf(TunnelFailedException.class)
                    .hasMessageContaining("7.10.0.50").hasMessageContaining("C2C tunnel already exists")
                    .hasMessageContaining("refuses a new handshake");
            assertThat(a.hasTunnel(ghost)).isFalse();
        }
    }

    @Test
    void legacyHandshakeIsRefusedAsTheReferenceDoes() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient legacyPeer = TestServers.client(server)) {
            legacyPeer.send(Packets.s2c(a.vip(), Vectors.legacyInitiatorPayload()));
            Incoming reply = legacyPeer.receive(Duration.ofSeconds(5));
            assertThat(reply.text()).isEqualTo("E:NotSupported");
            assertThat(reply.source()).contains(a.vip());
            assertThat(a.hasTunnel(legacyPeer.vip())).isFalse();
        }
    }

    @Test
    void aSlowListenerDoesNotStallTheNetwork() throws Exception {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch listenerEntered = new CountDownLatch(1);
            b.addListener(new ClientListener() {
                @Override
                public void onMessage(Incoming message) {
                    listenerEntered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS); // a listener stuck for a long time
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            for (int i = 0; i < 1_000; i++) {
                a.send(b.vip(), "m" + i);
            }
            assertThat(listenerEntered.await(5, TimeUnit.SECONDS)).isTrue();
            // While the listener is blocked, replies and the receive queue keep flowing.
            assertThat(b.ping()).isPositive();
            for (int i = 0; i < 1_000; i++) {
                assertThat(b.receive(Duration.ofSeconds(5)).text()).isEqualTo("m" + i);
            }
            release.countDown();
        }
    }
}
