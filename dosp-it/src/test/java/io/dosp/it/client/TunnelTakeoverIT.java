package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelOptions;
import io.dosp.crypto.Identity;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.Limits;
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
 * Tunnel takeover by vIP reuse and reflection, tried as an attacker against a real server: a
 * client leaves, a newcomer gets (or asks for) its vIP, and the client it had a tunnel with keeps
 * sending; a connection that knows a victim's sealed frame sends it back to the victim.
 */
class TunnelTakeoverIT {
    private static final byte[] SECRET = "the secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    /** Events a listener heard, as text. */
    static final class Events implements ClientListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onTunnelEstablished(Vip peer, long tunnel) {
            seen.add("established " + peer + " " + tunnel);
        }

        @Override
        public void onTunnelReplaced(Vip peer, long previous, long tunnel) {
            seen.add("replaced " + peer + " " + previous + " " + tunnel);
        }

        @Override
        public void onTunnelClosed(Vip peer, long tunnel, String reason) {
            seen.add("closed " + peer + " " + tunnel + " " + reason);
        }

        @Override
        public void onTunnelFrameRejected(Vip peer, String reason) {
            seen.add("rejected " + peer + " " + reason);
        }

        long count(String prefix) {
            return seen.stream().filter(s -> s.startsWith(prefix)).count();
        }
    }

    /**
     * Options of a client that says no EXT HELLO, so gets no peer-gone notice: as against a reference server, it
     * learns that a peer left only from ERR S2CF on its next send, the path these tests attack ({@code PeerGoneIT}
     * covers the notice).
     */
    private static io.dosp.client.ClientOptions.Builder withoutPeerGone(DospServer server) {
        return TestServers.options(server).extensions(false);
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

    private static SimplePacket rqip(RawClient raw, Vip wanted) {
        raw.send(Packets.rqip(wanted));
        SimplePacket reply = (SimplePacket) raw.receive(PacketType.RQIP);
        if (reply.bodyText().startsWith("D:")) {
            raw.receive(PacketType.AIP);
            raw.vip(wanted);
        }
        return reply;
    }

    private static boolean containsSecret(Packet p) {
        if (!(p instanceof S2cPacket s)) {
            return false;
        }
        String text = new String(s.data(), StandardCharsets.ISO_8859_1);
        return text.contains(new String(SECRET, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aNewcomerDoesNotGetAQuarantinedVipAndTheSenderLearnsThePeerLeft() {
        // The server's default quarantine (TestServers turns it off for other tests).
        try (DospServer server = TestServers.start(tmp, c -> c.limits(l -> l.vipQuarantine(Limits.DEFAULT_VIP_QUARANTINE)));
             DospClient a = DospClient.connect(withoutPeerGone(server).tunnelTimeout(Duration.ofSeconds(2)).build())) {
            Events events = new Events();
            a.addListener(events);
            Vip bVip;
            try (DospClient b = TestServers.client(server)) {
                bVip = b.vip();
                a.openTunnel(bVip);
            }
            TestServers.awaitExactly(server, a.vip());
            try (RawClient newcomer = RawClient.connect(server.port())) {
                assertThat(newcomer.vip()).as("a just freed vIP goes to no other connection").isNotEqualTo(bVip);
                SimplePacket refused = rqip(newcomer, bVip);
                assertThat(refused.bodyText()).startsWith("E:").contains("quarantined").contains("limits.vipQuarantine");

                a.send(bVip, SECRET); // still sealed: the server answers ERR S2CF and the tunnel ends
                await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bVip) == 1);
                assertThat(a.hasTunnel(bVip)).isFalse();
                assertThat(a.tunnelStats().tunnelsEnded()).isEqualTo(1);
                // The next send re-opens the tunnel first and fails: nobody holds the vIP. Never plaintext.
                assertThatThrownBy(() -> a.send(bVip, SECRET)).isInstanceOf(TunnelFailedException.class)
                        .hasMessageContaining("S2CF");
                assertThatThrownBy(() -> a.sendSecure(bVip, SECRET)).isInstanceOf(TunnelFailedException.class);
                assertThat(drain(newcomer)).noneMatch(p -> p instanceof S2cPacket);
            }
        }
    }

    @Test
    void aFullSmallTemplateWhoseOnlyFreeVipIsQuarantinedRefusesTheNewcomer() {
        try (DospServer server = TestServers.start(tmp, c -> c.template("7.10.0.0/29")
                .limits(l -> l.vipQuarantine(Limits.DEFAULT_VIP_QUARANTINE)));
             DospClient a = DospClient.connect(withoutPeerGone(server).build())) {
            List<DospClient> others = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    others.add(TestServers.client(server)); // .3 .. .6: the template is full
                }
                Vip bVip = others.get(0).vip();
                a.openTunnel(bVip);
                others.remove(0).close();
                List<Vip> left = new ArrayList<>(List.of(a.vip()));
                others.forEach(o -> left.add(o.vip()));
                TestServers.awaitExactly(server, left.toArray(Vip[]::new));
                try (RawClient newcomer = RawClient.connectRaw(server.port())) {
                    assertThat(newcomer.expectExit()).as("the only free vIP is quarantined").contains("Server full");
                }
                a.send(bVip, SECRET);
                await().atMost(TestServers.AWAIT).until(() -> !a.hasTunnel(bVip));
                assertThat(a.tunnelStats().tunnelsEnded()).isEqualTo(1);
            } finally {
                others.forEach(DospClient::close);
            }
        }
    }

    @Test
    void aNewcomerThatTakesTheVipByRqipAfterTheQuarantineGetsNoPlaintextAndTheSenderAnError() {
        try (DospServer server = TestServers.start(tmp, c -> c.limits(l -> l.vipQuarantine(Duration.ofMillis(200))));
             DospClient a = DospClient.connect(withoutPeerGone(server).tunnelTimeout(Duration.ofMillis(500)).build())) {
            Events events = new Events();
            a.addListener(events);
            Vip bVip;
            try (DospClient b = TestServers.client(server)) {
                bVip = b.vip();
                a.openTunnel(bVip);
                a.send(bVip, "hello b");
                assertThat(b.receive(Duration.ofSeconds(5)).tunneled()).isTrue();
            }
            TestServers.awaitExactly(server, a.vip());
            a.send(bVip, SECRET); // sealed, to nobody: S2CF ends the tunnel
            await().atMost(TestServers.AWAIT).until(() -> events.count("closed " + bVip) == 1);
            try (RawClient newcomer = RawClient.connect(server.port())) {
                await().atMost(TestServers.AWAIT).until(() -> rqip(newcomer, bVip).bodyText().startsWith("D:"));
                // a's next sends re-open a tunnel with whoever holds the vIP now; the newcomer does not answer.
                assertThatThrownBy(() -> a.send(bVip, SECRET)).isInstanceOf(TunnelFailedException.class);
                assertThatThrownBy(() -> a.sendSecure(bVip, SECRET)).isInstanceOf(TunnelFailedException.class);
                List<Packet> got = drain(newcomer);
                assertThat(got).noneMatch(TunnelTakeoverIT::containsSecret);
                assertThat(got).as("only hellos reach the newcomer").isNotEmpty().allSatisfy(p -> {
                    assertThat(p).isInstanceOf(S2cPacket.class);
                    assertThat(((S2cPacket) p).dataByte(0) & 0xff).isEqualTo(TunnelHandshake.HC2C);
                });
                assertThat(a.hasTunnel(bVip)).isFalse();
            }
        }
    }

    @Test
    void aReHandshakeFromTheSameVipIsANewTunnelFromTheSameIdentityAndRefusedFromAnother() {
        Identity bIdentity = Identity.generate(); // b's identity file, say: it survives a restart
        try (DospServer server = TestServers.start(tmp, c -> c.limits(l -> l.vipQuarantine(Duration.ZERO)));
            // three handshakes from one vIP within a second: above the default 2/s per peer
            DospClient a = DospClient.connect(withoutPeerGone(server)
                    .tunnels(t -> t.handshakeRate(50, 10).errorReplyRate(10, 10)).build());
            DospClient strict = DospClient.connect(withoutPeerGone(server)
                     .tunnels(t -> t.replaceTunnels(TunnelOptions.Replacement.REFUSE)).build())) {
            Events events = new Events();
            a.addListener(events);
            Vip bVip;
            long first;
            try (DospClient b = DospClient.connect(TestServers.options(server).identity(i -> i.identity(bIdentity)).build())) {
                bVip = b.vip();
                b.openTunnel(a.vip());
                b.openTunnel(strict.vip());
                b.send(a.vip(), "from b");
                Incoming in = a.receive(Duration.ofSeconds(5));
                assertThat(in.text()).isEqualTo("from b");
                first = in.tunnel();
                assertThat(first).isPositive();
            }
            TestServers.awaitExactly(server, a.vip(), strict.vip());
            // Nobody sent to bVip since b left, so no S2CF told a: the tunnel is still there.
            assertThat(a.hasTunnel(bVip)).isTrue();
            // A newcomer with an identity of its own takes the vIP: its re-handshake is refused as a mismatch.
            try (DospClient other = DospClient.connect(TestServers.options(server).requestVip(bVip, true).build())) {
                assertThatThrownBy(() -> other.openTunnel(a.vip())).isInstanceOf(TunnelFailedException.class)
                        .hasMessageContaining("Tunnel identity refused");
                assertThat(a.tunnelStats().identityMismatches()).isEqualTo(1);
                assertThat(a.tunnelStats().tunnelsReplaced()).isZero();
                assertThat(a.hasTunnel(bVip)).as("the old tunnel stays").isTrue();
            }
            TestServers.awaitExactly(server, a.vip(), strict.vip());
            // b itself comes back (same identity): a new tunnel, reported as a replacement.
            try (DospClient c = DospClient.connect(TestServers.options(server).requestVip(bVip, true)
                    .identity(i -> i.identity(bIdentity)).build())) {
                c.openTunnel(a.vip());
                await().atMost(TestServers.AWAIT).until(() -> events.count("replaced " + bVip + " " + first + " ") == 1);
                c.send(a.vip(), "from the newcomer");
                Incoming in = a.receive(Duration.ofSeconds(5));
                assertThat(in.text()).isEqualTo("from the newcomer");
                assertThat(in.tunneled()).isTrue();
                assertThat(in.tunnel()).as("never shown as the old tunnel").isNotEqualTo(first);
                assertThat(events.seen).contains("replaced " + bVip + " " + first + " " + in.tunnel());
                assertThat(a.tunnelStats().tunnelsReplaced()).isEqualTo(1);

                assertThatThrownBy(() -> c.openTunnel(strict.vip())).isInstanceOf(TunnelFailedException.class)
                        .hasMessageContaining(TunnelHandshake.TUNNEL_EXISTS_REASON);
                assertThat(strict.tunnelStats().replacementsRefused()).isEqualTo(1);
                assertThat(strict.hasTunnel(bVip)).isTrue();
            }
        }
    }

    @Test
    void aVictimsOwnSealedFrameSentBackToItIsDroppedAndCounted() {
        try (DospServer server = TestServers.start(tmp, c -> c.limits(l -> l.vipQuarantine(Duration.ZERO)));
             DospClient victim = DospClient.connect(withoutPeerGone(server).build())) {
            Events events = new Events();
            victim.addListener(events);
            List<S2cPacket> seenByB = new CopyOnWriteArrayList<>();
            Vip bVip;
            try (DospClient b = TestServers.client(server)) {
                bVip = b.vip();
                b.addListener(new ClientListener() {
                    @Override
                    public void onPacket(Packet packet) {
                        if (packet instanceof S2cPacket s && s.dataLength() > 60 && !s.isTunnelHandshake()) {
                            seenByB.add(s); // what the relay sees: the victim's sealed frame
                        }
                    }
                });
                victim.openTunnel(bVip);
                victim.send(bVip, SECRET);
                assertThat(b.receive(Duration.ofSeconds(5)).data()).isEqualTo(SECRET);
                // Listener callbacks run off the I/O thread: the frame may be received before onPacket saw it.
                await().atMost(TestServers.AWAIT).untilAsserted(() -> assertThat(seenByB).hasSize(1));
            }
            TestServers.awaitExactly(server, victim.vip());
            // The attacker takes b's place (a relay would not even need that) and sends the frame back.
            try (RawClient attacker = RawClient.connect(server.port())) {
                assertThat(rqip(attacker, bVip).bodyText()).startsWith("D:");
                attacker.send(Packets.s2c(victim.vip(), seenByB.get(0).data()));
                attacker.send(Packets.s2c(victim.vip(), "marker".getBytes(StandardCharsets.UTF_8)));
                Incoming next = victim.receive(Duration.ofSeconds(5));
                assertThat(next.text()).as("the reflected frame is never delivered").isEqualTo("marker");
                assertThat(next.tunneled()).isFalse();
                assertThat(victim.tunnelStats().framesReflected()).isEqualTo(1);
                assertThat(victim.rejectedTunnelFrames()).isEqualTo(1);
                await().atMost(TestServers.AWAIT).until(() -> events.count("rejected " + bVip + " REFLECTED") == 1);
            }
        }
    }
}
