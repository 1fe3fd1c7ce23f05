package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.client.HandshakeException;
import io.dosp.client.VipRefusedException;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.testkit.PeerScript;
import io.dosp.testkit.ScriptedPeer;
import io.dosp.testkit.TestServers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The client against a scripted misbehaving server: each failure ends in the exception the
 * client documents for it, naming the server, and nothing hangs.
 */
class ScriptedServerIT {
    private static final Vip VIP = Vip.parse("7.10.0.2");
    private static final String HASH = "cd".repeat(32);

    private static ClientOptions.Builder options(ScriptedPeer peer) {
        return ClientOptions.builder().server("127.0.0.1", peer.port()).machineHash(HASH)
                .handshakeTimeout(Duration.ofMillis(500));
    }

    @Test
    void aWellBehavedScriptIsAServer() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(VIP))) {
            try (DospClient c = DospClient.connect(options(peer).build())) {
                assertThat(c.vip()).isEqualTo(VIP);
                assertThat(c.ping()).isPositive();
                peer.awaitReached(PeerScript.CLIENT_INFO);
            }
            // Our EXT HELLO first, answered with ERR UKNP as the reference answers it; then CLIENT_INFO.
            assertThat(peer.received().get(0).type()).isEqualTo(PacketType.EXT);
            assertThat(peer.received().get(1)).isEqualTo(Packets.clientInfo(HASH));
            await().atMost(TestServers.AWAIT).until(() -> peer.received().stream().anyMatch(p -> p.type() == PacketType.EXIT));
            assertThat(peer.failures()).isEmpty();
        }
    }

    @Test
    void aServerThatNeverGreetsIsAHandshakeTimeout() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.neverHandshake())) {
            assertThatThrownBy(() -> DospClient.connect(options(peer).build())).isInstanceOf(HandshakeException.class)
                    .hasMessageContaining(peer.address()).hasMessageContaining("AIP");
            assertThat(peer.connections()).isEqualTo(1);
        }
    }

    @Test
    void aServerThatClosesInsteadOfSendingHskIsADisconnect() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(VIP).failAt(PeerScript.HSK))) {
            assertThatThrownBy(() -> DospClient.connect(options(peer).build())).isInstanceOf(DisconnectedException.class)
                    .hasMessageContaining(peer.address());
            assertThat(peer.reached()).containsExactly(PeerScript.AIP);
        }
    }

    @Test
    void aServerThatStopsInTheMiddleOfHskIsAHandshakeTimeout() {
        PeerScript script = PeerScript.create().send(Packets.aip(VIP))
                .stopMidFrame(Packets.hsk(Handshake.standard(false)), 3);
        try (ScriptedPeer peer = ScriptedPeer.start(script)) {
            assertThatThrownBy(() -> DospClient.connect(options(peer).build())).isInstanceOf(HandshakeException.class)
                    .hasMessageContaining(peer.address());
            // "stop mid-frame" completes too once the client has given up and closed.
            assertThat(peer.reached()).startsWith("send AIP");
            assertThat(peer.failures()).isEmpty();
        }
    }

    @Test
    void anUnreadableRqipReplyIsARefusalNotAnUndocumentedException() {
        Vip wanted = Vip.parse("7.10.0.9");
        PeerScript script = PeerScript.create().greet(VIP).answerHello().expect(PacketType.RQIP)
                .send(Packets.of(PacketType.RQIP.code(), new byte[] {'X', ':', 1})).step(PeerScript.SERVE,
                        ScriptedPeer.Connection::serve);
        try (ScriptedPeer peer = ScriptedPeer.start(script)) {
            assertThatThrownBy(() -> DospClient.connect(options(peer).requestVip(wanted, true).build()))
                    .isInstanceOf(VipRefusedException.class).hasMessageContaining(peer.address())
                    .hasMessageContaining("7.10.0.9").hasMessageContaining("unreadable RQIP reply");
        }
        try (ScriptedPeer peer = ScriptedPeer.start(script);
             DospClient c = DospClient.connect(options(peer).requestVip(wanted, false).build())) {
            assertThat(c.vip()).as("not fixed: keeps the vIP it was given").isEqualTo(VIP);
        }
    }

    @Test
    void anUnreadableGclReplyIsAClientException() {
        PeerScript script = PeerScript.create().greet(VIP).answerHello().expect(PeerScript.CLIENT_INFO, PacketType.CLIENT_INFO)
                .expect(PacketType.GCL).send(Packets.of(PacketType.GCL.code(), new byte[] {7, 10, 0}))
                .step(PeerScript.SERVE, ScriptedPeer.Connection::serve);
        try (ScriptedPeer peer = ScriptedPeer.start(script);
             DospClient c = DospClient.connect(options(peer).build())) {
            assertThatThrownBy(c::clients).isInstanceOf(DospClientException.class).hasMessageContaining(peer.address())
                    .hasMessageContaining("GCL").hasMessageContaining("unreadable");
        }
    }

    @Test
    void garbageInsteadOfAGreetingFailsTheConnect() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.create().sendGarbage().hold())) {
            assertThatThrownBy(() -> DospClient.connect(options(peer).build()))
                    .isInstanceOf(DospClientException.class).hasMessageContaining(peer.address());
            peer.awaitReached(PeerScript.HOLD); // the client closed the connection
        }
    }

    @Test
    void aServerThatClosesAfterTheClientsFirstFrameIsALostConnection() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.create().greet(VIP).answerHello().readFrames(1).close());
             DospClient c = DospClient.connect(options(peer).build())) {
            assertThat(c.vip()).isEqualTo(VIP);
            await().atMost(TestServers.AWAIT).until(() -> !c.isConnected());
            assertThatThrownBy(c::receive).isInstanceOf(DisconnectedException.class).hasMessageContaining(peer.address());
            assertThat(peer.received().get(0).type()).isEqualTo(PacketType.EXT); // answered as the reference does
            Packet first = peer.received().get(1);
            assertThat(first.type()).isEqualTo(PacketType.CLIENT_INFO);
            assertThat(((SimplePacket) first).bodyText()).isEqualTo(HASH);
        }
    }
}
