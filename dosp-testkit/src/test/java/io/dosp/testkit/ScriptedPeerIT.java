package io.dosp.testkit;

import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The scripted peer itself, driven by the raw test client: steps, the cut at a named step, what it records. */
class ScriptedPeerIT {
    private static final Vip VIP = Vip.parse("7.10.0.2");

    @Test
    void theHandshakeScriptGreetsReadsClientInfoAndEchoesPings() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(VIP));
             RawClient c = RawClient.connect(peer.port())) {
            assertThat(c.vip()).isEqualTo(VIP);
            assertThat(c.handshake().compression()).isFalse();
            c.send(Packets.clientInfo("ab".repeat(32)));
            assertPingRoundTrip(c);
            assertThat(peer.reached()).containsExactly(PeerScript.AIP, PeerScript.HSK, PeerScript.CLIENT_INFO);
            assertThat(peer.received()).extracting(p -> p.type()).containsExactly(PacketType.CLIENT_INFO, PacketType.PING);
        }
    }

    @Test
    void failAtClosesInsteadOfRunningTheNamedStep() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(VIP).failAt(PeerScript.HSK));
             RawClient c = RawClient.connectRaw(peer.port())) {
            assertThat(c.receive().type()).isEqualTo(PacketType.AIP);
            assertThat(c.closedWithin(Expect.CLOSE_TIMEOUT)).isTrue();
            assertThat(peer.reached()).containsExactly(PeerScript.AIP);
            assertThat(peer.failures()).as("a cut is not a failure").isEmpty();
        }
        assertThatThrownBy(() -> PeerScript.create().hold().failAt("no such step"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such step");
    }

    @Test
    void anUnexpectedFrameFailsTheStepAndClosesTheConnection() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(VIP));
             RawClient c = RawClient.connect(peer.port())) {
            c.send(Packets.ping());
            assertThat(c.closedWithin(Expect.CLOSE_TIMEOUT)).isTrue();
            assertThat(peer.failures()).singleElement().asString().startsWith(PeerScript.CLIENT_INFO + ": expected CLIENT_INFO");
        }
    }

    @Test
    void stopMidFrameSendsPartOfAFrameAndNothingMore() {
        PeerScript script = PeerScript.create().stopMidFrame(Packets.aip(VIP), 4);
        try (ScriptedPeer peer = ScriptedPeer.start(script);
             RawClient c = RawClient.connectRaw(peer.port())) {
            assertThatThrownBy(() -> c.receive(Duration.ofMillis(300))).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("no packet within");
            assertThat(peer.reached()).isEmpty();
        }
        assertThatThrownBy(() -> PeerScript.create().stopMidFrame(Packets.aip(VIP), 9))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeAfterFramesAndGarbage() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.closeAfterFrames(VIP, 2));
             RawClient c = RawClient.connect(peer.port())) {
            c.send(Packets.msg("one"));
            assertThat(c.closedWithin(Duration.ofMillis(200))).isFalse();
            c.send(Packets.msg("two"));
            assertThat(c.closedWithin(Expect.CLOSE_TIMEOUT)).isTrue();
            peer.awaitReached(PeerScript.CLOSE);
            assertThat(peer.reached()).containsExactly("greet", "read 2 frames", PeerScript.CLOSE);
        }
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.create().sendGarbage());
             RawClient c = RawClient.connectRaw(peer.port())) {
            assertThatThrownBy(c::receive).isInstanceOf(IllegalStateException.class).hasMessageContaining("bytes");
            peer.awaitReached("garbage");
        }
    }

    @Test
    void everyConnectionRunsTheScriptAndCloseEndsThemAll() {
        RawClient first;
        RawClient second;
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.neverHandshake())) {
            first = RawClient.connectRaw(peer.port());
            second = RawClient.connectRaw(peer.port());
            await().atMost(TestServers.AWAIT).until(() -> peer.connections() == 2);
        }
        assertThat(first.closedWithin(Expect.CLOSE_TIMEOUT)).isTrue();
        assertThat(second.closedWithin(Expect.CLOSE_TIMEOUT)).isTrue();
        first.close();
        second.close();
    }

    @Test
    void aClosedPeerRefusesConnections() {
        int port;
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.create())) {
            port = peer.port();
            assertThat(peer.address()).isEqualTo("127.0.0.1:" + port);
        }
        assertThatThrownBy(() -> RawClient.connectRaw(port)).isInstanceOf(UncheckedIOException.class);
    }
}
