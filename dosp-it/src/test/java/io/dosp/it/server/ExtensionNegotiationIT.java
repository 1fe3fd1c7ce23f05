package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.FeatureNotOfferedException;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.testkit.Expect;
import io.dosp.testkit.PeerScript;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.ScriptedPeer;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This project's client extension (EXT, 0x1F): HELLO answered with WELCOME by our server, ERR UKNP by a reference
 * one; nothing of it reaches a client that never says HELLO.
 */
class ExtensionNegotiationIT {
    @TempDir
    Path tmp;

    @Test
    void helloIsAnsweredWithWelcomeListingOnlyEnabledFeatures() {
        try (DospServer server = TestServers.start(tmp); RawClient c = RawClient.connect(server.port())) {
            c.send(Ext.hello(List.of("no-such-feature", "x.y-1")));
            SimplePacket welcome = Expect.next(c, PacketType.EXT);
            assertThat(Ext.kind(welcome)).isEqualTo(Ext.WELCOME);
            // Nothing the client offered is on in this server: an empty, well-formed list.
            assertThat(Ext.features(welcome)).isEmpty();
            assertThat(welcome.body()).containsExactly(Ext.WELCOME, Ext.VERSION, 0);
            Expect.assertPingRoundTrip(c);
        }
    }

    @Test
    void badExtFramesGetAnErrWithATextAndTheConnectionCarriesOn() {
        try (DospServer server = TestServers.start(tmp); RawClient c = RawClient.connect(server.port())) {
            c.send(Packets.of(PacketType.EXT.code(), new byte[0]));
            assertThat(Expect.nextErr(c, ErrCode.UKNP).text()).contains("kind");
            c.send(Packets.of(PacketType.EXT.code(), new byte[] {Ext.HELLO, 1, 2, 3, 'a'}));
            assertThat(Expect.nextErr(c, ErrCode.UKNP).text()).contains("EXT");
            c.send(Ext.frame(Ext.PEER_GONE_FIRST, new byte[4]));
            assertThat(Expect.nextErr(c, ErrCode.UKNP).text()).contains("peer-gone").contains("not enabled");
            c.send(Ext.frame(0x7E, new byte[0]));
            assertThat(Expect.nextErr(c, ErrCode.UKNP).text()).contains("0x7E").contains("presence").contains("not enabled");
            c.send(Ext.frame(0xAE, new byte[0])); // no feature owns 0xA_ (0x7_ is presence, 0x9_ resume now)
            assertThat(Expect.nextErr(c, ErrCode.UKNP).text()).contains("0xAE").contains("not defined");
            c.send(Ext.hello(List.of()));
            assertThat(Ext.kind(Expect.next(c, PacketType.EXT))).isEqualTo(Ext.WELCOME);
            c.send(Ext.hello(List.of()));
            assertThat(Expect.nextErr(c, ErrCode.UKNP).text()).contains("already");
            Expect.assertPingRoundTrip(c);
        }
    }

    @Test
    void ourClientSaysHelloToOurServer() {
        try (DospServer server = TestServers.start(tmp); DospClient c = TestServers.client(server)) {
            // The client offers peer-gone, functions and the network features, which this server has on (vouch needs
            // admission).
            assertThat(c.extensions()).containsExactlyInAnyOrder(Ext.FEATURE_PEER_GONE, Ext.FEATURE_FUNCTIONS,
                    Ext.FEATURE_GROUPS, Ext.FEATURE_NAMES, Ext.FEATURE_PRESENCE, Ext.FEATURE_NETWORK);
            assertThat(c.ping()).isPositive();
        }
    }

    @Test
    void aReferenceServerAnswersHelloWithUknpAndTheClientCarriesOnWithoutExtensions() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(TestServers.vip("7.10.0.9")))) {
            try (DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", peer.port())
                    .machineHash(TestServers.hash('e')).build())) {
                assertThat(c.extensions()).isEmpty();
                // Groups, names, presence: not there, said at once, nothing sent to the reference.
                assertThatThrownBy(() -> c.network().join("ops")).isInstanceOf(FeatureNotOfferedException.class)
                        .hasMessageContaining("a reference server offers none");
                assertThatThrownBy(() -> c.network().resolve("bot")).isInstanceOf(FeatureNotOfferedException.class);
                assertThat(c.ping()).isPositive();
                peer.awaitReached(PeerScript.CLIENT_INFO);
            }
            List<Packet> got = peer.received();
            assertThat(got.get(0).type()).isEqualTo(PacketType.EXT);
            // What our client offers by default: the notices and vouching, never a login without credentials.
            assertThat(Ext.features((SimplePacket) got.get(0))).contains(Ext.FEATURE_PEER_GONE, Ext.FEATURE_VOUCH)
                    .doesNotContain(Ext.FEATURE_AUTH);
            assertThat(got.get(1).type()).isEqualTo(PacketType.CLIENT_INFO);
            assertThat(got.stream().filter(p -> p.type() == PacketType.EXT)).hasSize(1); // the HELLO only
            assertThat(Ext.features((SimplePacket) got.get(0))).contains(Ext.FEATURE_GROUPS, Ext.FEATURE_NAMES,
                    Ext.FEATURE_PRESENCE, Ext.FEATURE_NETWORK);
            assertThat(peer.failures()).isEmpty();
        }
    }

    @Test
    void withExtensionsOffTheClientSendsWhatTheReferenceClientSends() {
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.handshake(TestServers.vip("7.10.0.9")))) {
            try (DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", peer.port())
                    .machineHash(TestServers.hash('e')).extensions(false).build())) {
                peer.awaitReached(PeerScript.CLIENT_INFO);
                assertThat(c.extensions()).isEmpty();
            }
            assertThat(peer.received()).noneMatch(p -> p.type() == PacketType.EXT);
            assertThat(peer.received().get(0).type()).isEqualTo(PacketType.CLIENT_INFO);
        }
    }
}
