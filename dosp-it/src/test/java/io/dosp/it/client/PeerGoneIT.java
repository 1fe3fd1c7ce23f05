package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelIdentityException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer-gone notice (EXT PEER_GONE) against a real server: when a vIP changes hands (its holder leaves, moves by
 * RQIP, is removed), the clients that exchanged S2C with it and enabled the feature learn it at once, before their
 * next send, and end their tunnel with it; a newcomer on the vIP never gets what was meant for the one who left; a
 * client that never said HELLO (as a reference client) never gets an EXT frame.
 */
class PeerGoneIT {
    private static final byte[] SECRET = "the secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    /** Events a listener heard, in order, as text. */
    static final class Events implements ClientListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onPeerGone(Vip peer, String reason) {
            seen.add("gone " + peer + " " + reason);
        }

        @Override
        public void onTunnelEstablished(Vip peer, long tunnel) {
            seen.add("established " + peer);
        }

        @Override
        public void onTunnelClosed(Vip peer, long tunnel, String reason) {
            seen.add("closed " + peer + " " + reason);
        }

        long count(String prefix) {
            return seen.stream().filter(s -> s.startsWith(prefix)).count();
        }

        int indexOf(String prefix) {
            for (int i = 0; i < seen.size(); i++) {
                if (seen.get(i).startsWith(prefix)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** What {@code raw} received up to the answer of a PING sent now (the server answers in order). */
    private static List<Packet> drain(RawClient raw) {
        raw.send(Packets.ping("end".getBytes(StandardCharsets.UTF_8)));
        List<Packet> got = new ArrayList<>();
        while (true) {
            Packet p = raw.receive();
            if (p.type() == PacketType.PING) {
                return got;
            }
            got.add(p);
        }
    }

    private static boolean isExt(Packet p) {
        return p.typeCode() == PacketType.EXT.code();
    }

    private static boolean containsSecret(Packet p) {
        if (!(p instanceof S2cPacket s)) {
            return false;
        }
        return new String(s.data(), StandardCharsets.ISO_8859_1).contains(new String(SECRET, StandardCharsets.ISO_8859_1));
    }

    /** A raw client that said HELLO offering peer-gone and got it enabled. */
    private static RawClient rawWithPeerGone(DospServer server) {
        RawClient raw = RawClient.connect(server.port());
        raw.send(Ext.hello(List.of(Ext.FEATURE_PEER_GONE)));
        SimplePacket welcome = (SimplePacket) raw.receive(PacketType.EXT);
        assertThat(Ext.features(welcome)).containsExactly(Ext.FEATURE_PEER_GONE);
        return raw;
    }

    private static SimplePacket rqip(RawClient raw, Vip wanted) {
        raw.send(Packets.rqip(wanted));
        SimplePacket reply = (SimplePacket) raw.receive(PacketType.RQIP);
        if (reply.bodyText().startsWith("D:")) {
            raw.receive(PacketType.AIP);
            raw.vip(wanted);
        }
        return reply;
    }

    /** a opens a tunnel with b, and a message goes each way through it. */
    private static void tunnelBothWays(DospClient a, DospClient b) {
        a.openTunnel(b.vip());
        a.send(b.vip(), "hello b");
        assertThat(b.receive(Duration.ofSeconds(5)).tunneled()).isTrue();
        b.send(a.vip(), "hello a");
        assertThat(a.receive(Duration.ofSeconds(5)).tunneled()).isTrue();
    }

    @Test
    void aPeerThatLeavesIsReportedBeforeAnySendAndTheNewcomerOnItsVipGetsNothingMeantForIt() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = DospClient.connect(TestServers.options(server).tunnelTimeout(Duration.ofMillis(500)).build());
             RawClient reference = RawClient.connect(server.port())) {
            assertThat(a.extensions()).contains(Ext.FEATURE_PEER_GONE);
            Events events = new Events();
            a.addListener(events);
            Vip bVip;
            try (DospClient b = TestServers.client(server)) {
                bVip = b.vip();
                tunnelBothWays(a, b);
                reference.send(Packets.s2c(bVip, reference.vip(), "plain".getBytes(StandardCharsets.UTF_8)));
                assertThat(b.receive(Duration.ofSeconds(5)).tunneled()).isFalse();
                b.send(reference.vip(), "plain back"); // no tunnel with a reference-style client: plain
                assertThat(reference.receive(PacketType.S2C)).isInstanceOf(S2cPacket.class);
            }
            // Before a sends anything: the notice, then the tunnel's end.
            await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bVip) == 1);
            assertThat(events.seen.get(events.indexOf("gone " + bVip))).isEqualTo("gone " + bVip + " left");
            assertThat(events.indexOf("gone " + bVip)).isLessThan(events.indexOf("closed " + bVip));
            assertThat(events.seen.get(events.indexOf("closed " + bVip))).contains("changed hands (left)");
            assertThat(a.hasTunnel(bVip)).isFalse();
            assertThat(a.tunnelStats().tunnelsEnded()).isEqualTo(1);
            assertThat(server.stats().extensions().peerGoneSent()).isEqualTo(1);
            assertThat(drain(reference)).as("a client without HELLO never gets an EXT frame").noneMatch(PeerGoneIT::isExt);

            try (RawClient newcomer = RawClient.connect(server.port())) {
                assertThat(newcomer.vip()).as("vIP reused at once (quarantine 0)").isEqualTo(bVip);
                // a re-opens a tunnel first; the newcomer does not answer, so the send fails. Never plaintext.
                assertThatThrownBy(() -> a.send(bVip, SECRET)).isInstanceOf(TunnelFailedException.class);
                assertThatThrownBy(() -> a.sendSecure(bVip, SECRET)).isInstanceOf(TunnelFailedException.class);
                List<Packet> got = drain(newcomer);
                assertThat(got).noneMatch(PeerGoneIT::containsSecret).noneMatch(PeerGoneIT::isExt);
                assertThat(got).as("only hellos reach the newcomer").isNotEmpty().allSatisfy(p ->
                        assertThat(((S2cPacket) p).dataByte(0) & 0xff).isEqualTo(TunnelHandshake.HC2C));
            }
        }
    }

    @Test
    void aNewcomerThatTakesTheVipByRqipTalksToANewTunnelOnly() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient c = TestServers.client(server)) {
            Events events = new Events();
            a.addListener(events);
            Vip bVip;
            try (DospClient b = TestServers.client(server)) {
                bVip = b.vip();
                tunnelBothWays(a, b);
            }
            await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bVip) == 1);
            assertThat(events.seen).contains("gone " + bVip + " left");
            // c moves onto b's vIP: c's old vIP changes hands too, but nobody talked to it
            Vip cOld = c.vip();
            c.requestVip(bVip);
            assertThat(c.vip()).isEqualTo(bVip);
            assertThat(events.count("gone " + cOld)).isZero();
            // a's next send re-handshakes with whoever holds the vIP now. a pinned b's identity on first use, and c has
            // another: refused as a changed identity, nothing sent to c (TunnelIdentityIT covers the refusal itself).
            assertThatThrownBy(() -> a.send(bVip, SECRET)).isInstanceOf(TunnelIdentityException.class)
                    .hasMessageContaining("PEER IDENTIFICATION HAS CHANGED");
            // The application accepts that the vIP is someone else's now: a new tunnel, sealed for c.
            assertThat(a.forgetPeer(bVip)).isTrue();
            a.send(bVip, SECRET);
            await().atMost(TestServers.AWAIT).until(() -> events.count("established " + bVip) == 2);
            var got = c.receive(Duration.ofSeconds(5));
            assertThat(got.tunneled()).isTrue();
            assertThat(got.data()).isEqualTo(SECRET);
            assertThat(server.stats().extensions().peerGoneSent()).isEqualTo(1);
        }
    }

    @Test
    void aPeerThatMovesByRqipIsReportedAsMovedAndTheNextHolderOfItsOldVipGetsNothing() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = DospClient.connect(TestServers.options(server).tunnelTimeout(Duration.ofMillis(500)).build());
             DospClient b = TestServers.client(server)) {
            Events events = new Events();
            a.addListener(events);
            Vip bOld = b.vip();
            tunnelBothWays(a, b);
            Vip elsewhere = TestServers.vip("7.10.0.200");
            b.requestVip(elsewhere);
            await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bOld) == 1);
            assertThat(events.seen).contains("gone " + bOld + " moved");
            assertThat(a.hasTunnel(bOld)).isFalse();
            try (RawClient newcomer = RawClient.connect(server.port())) {
                assertThat(newcomer.vip()).isEqualTo(bOld);
                assertThatThrownBy(() -> a.sendSecure(bOld, SECRET)).isInstanceOf(TunnelFailedException.class);
                assertThat(drain(newcomer)).noneMatch(PeerGoneIT::containsSecret).noneMatch(PeerGoneIT::isExt);
            }
            // b, under its new vIP, is a new peer: a tunnel with it works
            a.openTunnel(elsewhere);
            a.send(elsewhere, "still there");
            assertThat(b.receive(Duration.ofSeconds(5)).text()).isEqualTo("still there");
        }
    }

    @Test
    void aPeerTheServerRemovesIsReportedWithTheServersWords() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server)) {
            Events events = new Events();
            a.addListener(events);
            Vip bVip = b.vip();
            tunnelBothWays(a, b);
            server.client(bVip).orElseThrow().disconnect("maintenance");
            await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bVip) == 1);
            assertThat(events.seen).contains("gone " + bVip + " dropped: maintenance");
        }
    }

    @Test
    void aPeerAnAdminKicksIsReportedAsKicked() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server);
             DospClient admin = TestServers.client(server)) {
            Events events = new Events();
            a.addListener(events);
            Vip bVip = b.vip();
            tunnelBothWays(a, b);
            admin.admin().authenticate(TestServers.TOKEN);
            admin.admin().command("kick " + bVip);
            await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bVip) == 1);
            assertThat(events.seen).contains("gone " + bVip + " kicked: Disconnected by admin");
            assertThat(events.count("gone " + admin.vip())).as("the admin exchanged no S2C with a").isZero();
        }
    }

    /** X (a reference-style client) heard from 20 clients with the feature and 5 without, then leaves. */
    private static void fanOut(DospServer server) {
        List<RawClient> withFeature = new ArrayList<>();
        List<RawClient> without = new ArrayList<>();
        try {
            RawClient x = RawClient.connect(server.port());
            Vip xVip = x.vip();
            for (int i = 0; i < 20; i++) {
                withFeature.add(rawWithPeerGone(server));
            }
            for (int i = 0; i < 5; i++) {
                without.add(RawClient.connect(server.port()));
            }
            for (RawClient r : withFeature) {
                r.send(Packets.s2c(xVip, Vip.parse("0.0.0.0"), "to x".getBytes(StandardCharsets.UTF_8)));
                r.send(Packets.s2c(xVip, Vip.parse("0.0.0.0"), "again".getBytes(StandardCharsets.UTF_8)));
            }
            for (RawClient r : without) {
                r.send(Packets.s2c(xVip, Vip.parse("0.0.0.0"), "to x".getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < 2 * withFeature.size() + without.size(); i++) {
                assertThat(x.receive(PacketType.S2C)).isInstanceOf(S2cPacket.class);
            }
            x.close();
            for (RawClient r : withFeature) {
                SimplePacket notice = (SimplePacket) r.receive(PacketType.EXT);
                Ext.PeerGone gone = Ext.PeerGone.parse(notice);
                assertThat(gone.vip()).isEqualTo(xVip);
                assertThat(gone.reason()).isEqualTo(Ext.PeerGone.LEFT);
                assertThat(drain(r)).as("one notice per contact").noneMatch(PeerGoneIT::isExt);
            }
            for (RawClient r : without) {
                assertThat(drain(r)).noneMatch(PeerGoneIT::isExt);
            }
            assertThat(server.stats().extensions().peerGoneSent()).isEqualTo(20);
            assertThat(server.stats().extensions().peerGoneRefused()).isZero();
        } finally {
            withFeature.forEach(RawClient::close);
            without.forEach(RawClient::close);
        }
    }

    @Test
    void aDepartureIsToldToEachContactWithTheFeatureOnceOnTheFastPath() {
        // One event loop: S2C between these uncompressed clients take the fast path.
        try (DospServer server = TestServers.start(tmp, c -> c.workerThreads(1).limits(l -> l.maxConnectionsPerAddress(0)))) {
            fanOut(server);
        }
    }

    @Test
    void aDepartureIsToldToEachContactWithTheFeatureOnceOnThePacketPath() {
        // A listener makes the fast path decline: every S2C takes the packet path.
        try (DospServer server = TestServers.start(tmp, c -> c.workerThreads(1).limits(l -> l.maxConnectionsPerAddress(0)))) {
            server.addListener(new ServerListener() { });
            fanOut(server);
        }
    }

    @Test
    void aClientWithTheFeatureOffNeverGetsANotice() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = DospClient.connect(TestServers.options(server).extensions(false).build())) {
            Events events = new Events();
            a.addListener(events);
            assertThat(a.extensions()).isEmpty();
            Vip bVip;
            try (DospClient b = TestServers.client(server)) {
                bVip = b.vip();
                tunnelBothWays(a, b);
            }
            TestServers.awaitExactly(server, a.vip());
            assertThat(a.ping()).isNotNull(); // after the departure: anything sent for it would have arrived
            assertThat(events.count("gone")).isZero();
            assertThat(a.hasTunnel(bVip)).as("learns only from ERR S2CF on its next send").isTrue();
            assertThat(server.stats().extensions().peerGoneSent()).isZero();
        }
    }
}
