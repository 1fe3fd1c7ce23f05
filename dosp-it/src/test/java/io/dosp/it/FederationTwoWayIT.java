package io.dosp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.PeerStatus;
import io.dosp.server.RouteInfo;
import io.dosp.server.internal.federation.PeerLinks;
import io.dosp.server.internal.runtime.ServerRuntime;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.PeerScript;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.ScriptedPeer;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two-way peer links (README "Federation", "Peer link frames"): a server that can only dial out joins and
 * routes both ways, multi-hop through it too; a cut link withdraws its routes and its senders hear S2CF;
 * two servers that dial each other deliver exactly once; a reference peer keeps the static two-link model;
 * too many dialers are refused with a clear EXIT; federation extensions send their own frames over any link.
 */
class FederationTwoWayIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** Server {@code i} of the mesh configuration that cannot be dialed: it only dials its peers. */
    private DospServer dialOutOnly(int i) {
        return DospServer.start(Mesh.config(tmp, i).federation(f -> f.reachable(false)).build());
    }

    private static PeerSpec at(DospServer s) {
        return PeerSpec.of("127.0.0.1", s.port());
    }

    private static String key(DospServer s) {
        return "127.0.0.1:" + s.port();
    }

    private static void awaitRoute(DospServer at, int to, int hops) {
        String t = Mesh.template(to);
        await().atMost(AWAIT).until(() -> at.routes().stream().anyMatch(r -> r.template().equals(t) && r.hops() == hops));
    }

    /** {@code n} messages from {@code from} to {@code to} arrive once each, in order, with their SRC. */
    private static void exchange(DospClient from, DospClient to, int n) {
        for (int k = 0; k < n; k++) {
            from.send(to.vip(), from.vip() + " " + k);
        }
        for (int k = 0; k < n; k++) {
            Incoming in = to.receive(AWAIT);
            assertThat(in).as("message %d from %s at %s", k, from.vip(), to.vip()).isNotNull();
            assertThat(in.isS2c()).isTrue();
            assertThat(in.source()).contains(from.vip());
            assertThat(in.text()).isEqualTo(from.vip() + " " + k);
        }
        assertThat(to.receive(Duration.ofMillis(100))).as("no duplicates at %s", to.vip()).isNull();
    }

    private static List<ErrorReply> errors(DospClient c) {
        List<ErrorReply> errors = new CopyOnWriteArrayList<>();
        c.addListener(new ClientListener() {
            @Override
            public void onError(ErrorReply error) {
                errors.add(error);
            }
        });
        return errors;
    }

    @Test
    void aServerThatCanOnlyDialOutJoinsAndRoutesBothWaysAndMultiHopThroughIt() {
        // 0 and 2 are dialable but name no peer; 1 cannot be dialed and dials both: 0 - 1 - 2, all through 1's links.
        try (Mesh mesh = new Mesh(tmp, 1);
             DospServer hub = mesh.server(0);
             DospServer nat = dialOutOnly(1);
             DospServer far = DospServer.start(Mesh.config(tmp, 2).build())) {
            nat.addPeer(at(hub));
            nat.addPeer(at(far));
            awaitRoute(hub, 1, 1);
            awaitRoute(hub, 2, 2);
            awaitRoute(far, 0, 2);
            awaitRoute(nat, 0, 1);
            awaitRoute(nat, 2, 1);
            // Neither listener dialed back: each has one incoming two-way link, named by 1's server id and address.
            for (DospServer s : List.of(hub, far)) {
                assertThat(s.peers()).singleElement().satisfies(p -> {
                    assertThat(p.direction()).isEqualTo(PeerStatus.INCOMING);
                    assertThat(p.twoWay()).isTrue();
                    assertThat(p.state()).isEqualTo("UP");
                    assertThat(p.address()).matches("id-[0-9a-f]{16}@127\\.0\\.0\\.1");
                    assertThat(p.mode()).isEqualTo("mesh key proven");
                });
            }
            assertThat(nat.peers()).hasSize(2).allSatisfy(p -> {
                assertThat(p.direction()).isEqualTo(PeerStatus.OUTGOING);
                assertThat(p.twoWay()).isTrue();
            });
            RouteInfo viaNat = hub.routes().stream().filter(r -> r.template().equals(Mesh.template(2))).findFirst()
                    .orElseThrow();
            assertThat(viaNat.via()).isEqualTo(hub.peers().get(0).address());
            try (DospClient onHub = mesh.client(0);
                 DospClient onNat = client(nat, 2);
                 DospClient onFar = client(far, 3)) {
                exchange(onHub, onNat, 20); // listener -> dialer over the dialer's link
                exchange(onNat, onHub, 20); // dialer -> listener
                exchange(onHub, onFar, 20); // through the server nobody can dial
                exchange(onFar, onHub, 20);
            }
            String admin = adminPeers(hub);
            assertThat(admin).startsWith("1 peer link\n").contains("direction=incoming").contains("two-way");
        }
    }

    @Test
    void aCutLinkWithdrawsItsRoutesItsSendersHearS2cfAndItsReturnRestoresThem() {
        try (Mesh mesh = new Mesh(tmp, 1);
             DospServer hub = mesh.server(0);
             DospServer nat = dialOutOnly(1)) {
            nat.addPeer(at(hub));
            awaitRoute(hub, 1, 1);
            try (DospClient onHub = mesh.client(0); DospClient onNat = client(nat, 2)) {
                exchange(onHub, onNat, 5);
                List<ErrorReply> errors = errors(onHub);
                assertThat(nat.removePeer(key(hub))).isTrue(); // the only link between them goes
                await().atMost(AWAIT).until(() -> hub.peers().isEmpty() && hub.routes().stream()
                        .noneMatch(r -> r.template().equals(Mesh.template(1))));
                assertThat(nat.routes()).noneMatch(r -> r.template().equals(Mesh.template(0)));
                onHub.send(onNat.vip(), "into the cut");
                await().atMost(AWAIT).until(() -> !errors.isEmpty());
                assertThat(errors.get(0).code()).isEqualTo(ErrCode.S2CF);
                assertThat(errors.get(0).failedDst()).contains(onNat.vip());
                assertThat(onHub.receive(AWAIT).type()).isEqualTo(PacketType.ERR); // the same S2CF, as received
                assertThat(onNat.receive(Duration.ofMillis(100))).isNull();
                nat.addPeer(at(hub));
                awaitRoute(hub, 1, 1);
                awaitRoute(nat, 0, 1);
                exchange(onHub, onNat, 5);
                exchange(onNat, onHub, 5);
            }
        }
    }

    @Test
    void twoServersThatDialEachOtherDeliverExactlyOnceOverEitherLink() {
        // 0 and 1 dial each other (two two-way links between them); 2 hangs off 1. Routes and traffic must not
        // loop or double: each message is sent over one link, and split horizon is per peer, not per link.
        try (Mesh mesh = new Mesh(tmp, 3)) {
            mesh.link(0, 1);
            mesh.link(1, 0);
            mesh.link(2, 1);
            await().atMost(AWAIT).until(() -> mesh.server(0).peers().size() == 2 && mesh.server(1).peers().size() == 3
                    && mesh.server(0).peers().stream().allMatch(p -> p.state().equals("UP") && p.twoWay()));
            mesh.awaitRoute(0, 2, 2);
            mesh.awaitRoute(2, 0, 2);
            mesh.awaitRoute(0, 1, 1);
            assertThat(mesh.server(0).peers()).extracting(PeerStatus::direction)
                    .containsExactlyInAnyOrder(PeerStatus.OUTGOING, PeerStatus.INCOMING);
            DospClient a = mesh.client(0);
            DospClient b = mesh.client(1);
            DospClient c = mesh.client(2);
            exchange(a, b, 30);
            exchange(b, a, 30);
            exchange(a, c, 30);
            exchange(c, a, 30);
            // Each message over one of the two links: together they forwarded exactly what was sent to 1 and 2.
            long forwarded = mesh.server(0).peers().stream().mapToLong(PeerStatus::forwarded).sum();
            assertThat(forwarded).isEqualTo(60);
            // ... and both servers used the same connection: 0's busy link is the one 1 sees the other way round.
            PeerStatus busy0 = mesh.server(0).peers().stream().filter(p -> p.forwarded() > 0).collect(
                    java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), l -> {
                        assertThat(l).hasSize(1);
                        return l.get(0);
                    }));
            assertThat(busy0.forwarded()).isEqualTo(60);
            String other = busy0.direction().equals(PeerStatus.OUTGOING) ? PeerStatus.INCOMING : PeerStatus.OUTGOING;
            assertThat(mesh.server(1).peers()).filteredOn(p -> p.address().equals(key(mesh.server(0))))
                    .hasSize(2).allSatisfy(p -> assertThat(p.forwarded())
                            .isEqualTo(p.direction().equals(other) ? 60 : 0)); // b to a and c to a
            // One link goes: the other carries on, and the routes stay.
            assertThat(mesh.server(0).removePeer(key(mesh.server(1)))).isTrue();
            await().atMost(AWAIT).until(() -> mesh.server(0).peers().size() == 1);
            mesh.awaitRoute(0, 2, 2);
            exchange(a, c, 10);
            exchange(c, a, 10);
        }
    }

    @Test
    void aReferencePeerKeepsTheStaticTwoLinkModelAndNeverSeesTheNewFrames() {
        Vip refServer = Vip.parse("10.7.0.1");
        try (ScriptedPeer ref = ScriptedPeer.start(PeerScript.create().greet(refServer).readFrames(1)
                     .send(Packets.err(ErrCode.UKNP)).hold()); // answers our HELLO as the reference does
             Mesh mesh = new Mesh(tmp, 1);
             DospServer hub = mesh.server(0);
             DospServer nat = dialOutOnly(1)) {
            hub.addPeer(PeerSpec.of("127.0.0.1", ref.port(), VipTemplate.parse("10.7.0.x")));
            nat.addPeer(at(hub));
            awaitRoute(nat, 0, 1);
            await().atMost(AWAIT).until(() -> nat.routes().stream().anyMatch(r -> r.template().equals("10.7.0.x")));
            await().atMost(AWAIT).until(() -> hub.peers().stream().anyMatch(p -> p.address().equals("127.0.0.1:"
                    + ref.port()) && p.state().equals("UP")));
            PeerStatus toRef = hub.peers().stream().filter(p -> p.address().equals("127.0.0.1:" + ref.port()))
                    .findFirst().orElseThrow();
            assertThat(toRef.extended()).isFalse();
            assertThat(toRef.twoWay()).isFalse();
            assertThat(toRef.mode()).startsWith("reference mode");
            try (DospClient onHub = mesh.client(0); DospClient onNat = client(nat, 2)) {
                Vip refClient = Vip.parse("10.7.0.9");
                onHub.send(refClient, "from the hub");
                onNat.send(refClient, "from behind the NAT"); // over the two-way link, then plain S2C to the reference
                await().atMost(AWAIT).until(() -> ref.received().stream().filter(p -> p.type() == PacketType.S2C).count() == 2);
            }
            List<Packet> seen = ref.received();
            assertThat(seen).first().satisfies(p -> assertThat(p.typeCode()).isEqualTo(0xF0)); // our HELLO, once
            assertThat(seen.subList(1, seen.size())).as("no link frames after the refused HELLO")
                    .allSatisfy(p -> assertThat(p.typeCode()).isLessThan(0xF0));
            assertThat(seen).filteredOn(p -> p.type() == PacketType.S2C)
                    .extracting(p -> ((io.dosp.protocol.S2cPacket) p).dataText())
                    .containsExactlyInAnyOrder("from the hub", "from behind the NAT");
        }
    }

    @Test
    void dialersPastTheLimitAreRefusedWithAClearExit() {
        try (DospServer hub = DospServer.start(Mesh.config(tmp, 0).federation(f -> f.maxIncomingLinks(1)).build());
             DospServer first = dialOutOnly(1);
             DospServer second = dialOutOnly(2)) {
            first.addPeer(at(hub));
            awaitRoute(hub, 1, 1);
            second.addPeer(at(hub));
            await().atMost(AWAIT).until(() -> second.peers().stream()
                    .anyMatch(p -> p.lastError().contains(ServerExitReason.PEER_LINKS_FULL.text())));
            assertThat(hub.peers()).singleElement().satisfies(p -> assertThat(p.direction()).isEqualTo(PeerStatus.INCOMING));
            assertThat(hub.routes()).noneMatch(r -> r.template().equals(Mesh.template(2)));
            assertThat(first.peers()).singleElement().satisfies(p -> assertThat(p.state()).isEqualTo("UP"));
        }
    }

    @Test
    void aDialerWithTheWrongMeshKeyIsRefusedWithAClearExit() {
        try (DospServer hub = DospServer.start(Mesh.config(tmp, 0).build());
             DospServer intruder = DospServer.start(Mesh.config(tmp, 1)
                     .federation(f -> f.reachable(false).meshKey("a-different-mesh-key-999")).build());
             RawClient raw = RawClient.connect(hub.port())) {
            intruder.addPeer(at(hub));
            await().atMost(AWAIT).until(() -> intruder.peers().stream()
                    .anyMatch(p -> p.lastError().contains("mesh key mismatch")));
            // A dialer that cannot be dialed, proving a key it does not have: the listener says why and closes.
            byte[] hello = FederationTrustIT.helloBody(new byte[16], new byte[16], "", 0, "127.0.0.1", hub.port());
            raw.send(Packets.custom(0xF0, hello));
            assertThat(raw.receive().typeCode()).as("CHALLENGE").isEqualTo(0xF1);
            raw.send(Packets.custom(0xF2, new byte[32]));
            assertThat(raw.expectExit()).isEqualTo(ServerExitReason.PEER_AUTH_FAILED.text());
            assertThat(hub.peers()).isEmpty();
            assertThat(hub.routes()).isEmpty();
        }
    }

    @Test
    void federationExtensionsSendTheirOwnFramesOverAnyLinkAndHearLinksComeAndGo() throws Exception {
        try (DospServer hub = DospServer.start(Mesh.config(tmp, 0).build());
             DospServer nat = dialOutOnly(1)) {
            PeerLinks hubLinks = peerLinks(hub);
            PeerLinks natLinks = peerLinks(nat);
            List<String> atHub = new CopyOnWriteArrayList<>();
            List<String> atNat = new CopyOnWriteArrayList<>();
            hubLinks.handle(7, (peer, payload) -> atHub.add(peer + " " + new String(payload, StandardCharsets.UTF_8)));
            natLinks.handle(7, (peer, payload) -> atNat.add(peer + " " + new String(payload, StandardCharsets.UTF_8)));
            List<String> hubEvents = new CopyOnWriteArrayList<>();
            hubLinks.listen(new PeerLinks.Listener() {
                @Override
                public void up(String peer) {
                    hubEvents.add("up " + peer);
                }

                @Override
                public void down(String peer) {
                    hubEvents.add("down " + peer);
                }
            });
            nat.addPeer(at(hub));
            await().atMost(AWAIT).until(() -> hubLinks.peers().size() == 1 && natLinks.peers().size() == 1);
            String natKey = hubLinks.peers().get(0);
            assertThat(natLinks.peers()).containsExactly(key(hub));
            assertThat(hubLinks.sendToAll(7, "to everyone".getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
            assertThat(natLinks.sendTo(key(hub), 7, "to the hub".getBytes(StandardCharsets.UTF_8))).isTrue();
            assertThat(natLinks.sendTo(key(hub), 8, "nobody handles 8".getBytes(StandardCharsets.UTF_8))).isTrue();
            await().atMost(AWAIT).until(() -> atNat.size() == 1 && atHub.size() == 1 && hubLinks.unhandled() == 1);
            assertThat(atNat).containsExactly(key(hub) + " to everyone");
            assertThat(atHub).containsExactly(natKey + " to the hub");
            assertThat(hubLinks.sendTo("127.0.0.1:1", 7, new byte[0])).as("no such peer").isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> hubLinks.sendTo(natKey, 7,
                    new byte[hubLinks.maxPayload() + 1])).isInstanceOf(IllegalArgumentException.class);
            // A handler that throws costs its frame, not the link.
            natLinks.handle(9, (peer, payload) -> {
                throw new IllegalStateException("a handler's bug");
            });
            assertThat(hubLinks.sendTo(natKey, 9, new byte[] {1})).isTrue();
            assertThat(hubLinks.sendTo(natKey, 7, "after the bug".getBytes(StandardCharsets.UTF_8))).isTrue();
            await().atMost(AWAIT).until(() -> atNat.size() == 2);
            assertThat(atNat).last().isEqualTo(key(hub) + " after the bug");
            nat.removePeer(key(hub));
            await().atMost(AWAIT).until(() -> hubEvents.contains("down " + natKey));
            assertThat(hubEvents).containsExactly("up " + natKey, "down " + natKey);
            assertThat(hubLinks.peers()).isEmpty();
            assertThat(hubLinks.sendToAll(7, new byte[0])).isZero();
        }
    }

    @Test
    void aTwoWayLinkDoneByHandAsTheReadmeSaysCarriesTrafficBackAndIsClosedWhenItsDialerFallsSilent() throws Exception {
        try (DospServer hub = DospServer.start(Mesh.config(tmp, 0).build());
             RawClient target = RawClient.connect(hub.port());
             RawClient dialer = RawClient.connect(hub.port())) {
            byte[] id = new byte[16];
            java.util.Arrays.fill(id, (byte) 0x5a);
            byte[] hello = FederationTrustIT.helloBody(id, new byte[16], "", 0, "127.0.0.1", hub.port());
            dialer.send(Packets.custom(0xF0, hello));
            io.dosp.protocol.SimplePacket challenge = (io.dosp.protocol.SimplePacket) dialer.receive();
            assertThat(challenge.typeCode()).isEqualTo(0xF1);
            byte[] lid = java.util.Arrays.copyOfRange(challenge.body(), 0, 16);
            byte[] lnonce = java.util.Arrays.copyOfRange(challenge.body(), 16, 32);
            dialer.send(Packets.custom(0xF2, mac("dosp-link-v2 proof", hello, lid, lnonce, new byte[0])));
            io.dosp.protocol.SimplePacket caps = (io.dosp.protocol.SimplePacket) dialer.receive();
            assertThat(caps.typeCode()).as("CAPS before ACCEPT").isEqualTo(0xF6);
            assertThat(caps.body()).isEqualTo(concat(new byte[] {1}, mac("dosp-link-v2 caps", hello, lid, lnonce,
                    new byte[] {1})));
            assertThat(((io.dosp.protocol.SimplePacket) dialer.receive()).typeCode()).as("ACCEPT").isEqualTo(0xF3);
            dialer.send(Packets.custom(0xF6, concat(new byte[] {1}, mac("dosp-link-v2 caps reply", hello, lid, lnonce,
                    new byte[] {1}))));
            // Two-way now: the listener advertises to us over our own link, without dialing anyone.
            Packet sd = dialer.receive(PacketType.SD);
            assertThat(io.dosp.protocol.Advertisement.decode(((io.dosp.protocol.SimplePacket) sd).body()).entries())
                    .anySatisfy(e -> assertThat(e.template().toString()).isEqualTo(Mesh.template(0)));
            dialer.send(Packets.sd(io.dosp.protocol.Advertisement.of(
                    new io.dosp.protocol.Advertisement.Entry("192.0.2.9", 7744, "10.9.0.x", 0))));
            await().atMost(AWAIT).until(() -> hub.routes().stream().anyMatch(r -> r.template().equals("10.9.0.x")));
            assertThat(hub.peers()).singleElement().satisfies(p -> {
                assertThat(p.address()).isEqualTo("id-5a5a5a5a5a5a5a5a@127.0.0.1");
                assertThat(p.direction()).isEqualTo(PeerStatus.INCOMING);
            });
            // The hub's client reaches 10.9.0.x through the link we dialed: a FWD comes back to us.
            target.send(Packets.s2c(Vip.parse("10.9.0.4"), Vip.ZERO, "over your link".getBytes(StandardCharsets.UTF_8)));
            Packet fwd;
            do {
                fwd = dialer.receive();
            } while (fwd.typeCode() != 0xF4);
            byte[] body = ((io.dosp.protocol.SimplePacket) fwd).body();
            assertThat(Vip.fromBytes(body, 1)).isEqualTo(Vip.parse("10.9.0.4"));
            assertThat(Vip.fromBytes(body, 5)).isEqualTo(target.vip());
            // We fall silent (no PING): the listener closes the link and withdraws its routes.
            assertThat(receive(dialer, PacketType.EXIT)).satisfies(p -> assertThat(
                    ((io.dosp.protocol.SimplePacket) p).bodyText()).isEqualTo(ServerExitReason.IDLE_TIMEOUT.text()));
            await().atMost(AWAIT).until(() -> hub.peers().isEmpty() && hub.routes().isEmpty());
        }
    }

    @Test
    void aHandshakeThatNeverProvesTheKeyIsEndedAndGivesItsPlaceBack() {
        try (DospServer hub = DospServer.start(Mesh.config(tmp, 0).federation(f -> f.maxIncomingLinks(1)).build());
             RawClient stalled = RawClient.connect(hub.port());
             RawClient second = RawClient.connect(hub.port())) {
            stalled.send(Packets.custom(0xF0, FederationTrustIT.helloBody(new byte[16], new byte[16], "", 0, "127.0.0.1",
                    hub.port())));
            assertThat(stalled.receive().typeCode()).as("CHALLENGE").isEqualTo(0xF1);
            second.send(Packets.custom(0xF0, FederationTrustIT.helloBody(new byte[16], new byte[16], "", 0, "127.0.0.1",
                    hub.port())));
            assertThat(second.expectExit()).isEqualTo(ServerExitReason.PEER_LINKS_FULL.text());
            assertThat(receive(stalled, PacketType.EXIT)).satisfies(p -> assertThat(
                    ((io.dosp.protocol.SimplePacket) p).bodyText()).isEqualTo(ServerExitReason.PEER_AUTH_FAILED.text()));
            try (DospServer nat = dialOutOnly(1)) {
                nat.addPeer(at(hub));
                awaitRoute(hub, 1, 1);
            }
        }
    }

    @Test
    void aLinkToAnOlderListenerThatOffersNoCapsStaysOneWay() {
        // The scripted listener speaks link protocol v2 as the previous build did: no CAPS before ACCEPT.
        byte[] lid = new byte[16];
        java.util.Arrays.fill(lid, (byte) 0x33);
        byte[] lnonce = new byte[16];
        java.util.Arrays.fill(lnonce, (byte) 0x44);
        try (ScriptedPeer older = ScriptedPeer.start(PeerScript.create().greet(Vip.parse("10.5.0.1"))
                     .step("v2 handshake without CAPS", c -> {
                         io.dosp.protocol.SimplePacket hello = (io.dosp.protocol.SimplePacket) c.readFrame();
                         try {
                             c.send(Packets.custom(0xF1, concat(concat(lid, lnonce),
                                     mac("dosp-link-v2 challenge", hello.body(), lid, lnonce, new byte[0]))));
                             c.readFrame(); // PROOF
                             c.send(Packets.custom(0xF3, mac("dosp-link-v2 accept", hello.body(), lid, lnonce, new byte[0])));
                         } catch (java.security.GeneralSecurityException e) {
                             throw new java.io.IOException(e);
                         }
                     })
                     .step("advertise, and forward back over the dialer's link as no older build would", c -> {
                         c.send(Packets.sd(io.dosp.protocol.Advertisement.of(
                                 new io.dosp.protocol.Advertisement.Entry("127.0.0.1", 1, "10.5.0.x", 0))));
                     })
                     .hold());
             DospServer ours = DospServer.start(Mesh.config(tmp, 0).build());
             RawClient local = RawClient.connect(ours.port())) {
            ours.addPeer(PeerSpec.of("127.0.0.1", older.port()));
            await().atMost(AWAIT).until(() -> ours.peers().stream().anyMatch(p -> p.state().equals("UP")));
            assertThat(ours.peers()).singleElement().satisfies(p -> {
                assertThat(p.extended()).isTrue();
                assertThat(p.twoWay()).isFalse();
                assertThat(p.direction()).isEqualTo(PeerStatus.OUTGOING);
            });
            // It never sees CAPS or LINK_EXT from us (our SDs come on up and every heartbeat) ...
            older.awaitReached(PeerScript.HOLD);
            await().atMost(AWAIT).until(() -> older.received().stream().filter(p -> p.type() == PacketType.SD).count() >= 2);
            assertThat(older.received()).noneMatch(p -> p.typeCode() == 0xF6 || p.typeCode() == 0xF7);
            // ... and what it sent over the link it did not dial (its SD, a heartbeat before our second SD) is not
            // taken as routes: the link is one-way.
            assertThat(ours.routes()).noneMatch(r -> r.template().equals("10.5.0.x"));
        }
    }

    private static byte[] mac(String label, byte[] hello, byte[] lid, byte[] lnonce, byte[] extra)
            throws java.security.GeneralSecurityException {
        javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
        m.init(new javax.crypto.spec.SecretKeySpec(Mesh.KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        m.update(label.getBytes(StandardCharsets.US_ASCII));
        m.update(hello);
        m.update(lid);
        m.update(lnonce);
        m.update(extra);
        return m.doFinal();
    }

    /** The next packet of {@code type} within {@link #AWAIT}, skipping others (PINGs answered, SDs, ...). */
    private static Packet receive(RawClient c, PacketType type) {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (true) {
            Packet p = c.receive(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (p.type() == type) {
                return p;
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return java.nio.ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    private static PeerLinks peerLinks(DospServer s) throws ReflectiveOperationException {
        Field f = DospServer.class.getDeclaredField("runtime");
        f.setAccessible(true);
        return ((ServerRuntime) f.get(s)).federation().orElseThrow().peerLinks();
    }

    private static DospClient client(DospServer s, int n) {
        return DospClient.connect(io.dosp.client.ClientOptions.builder().server("127.0.0.1", s.port())
                .machineHash(String.format("%064x", 100 + n)).build());
    }

    private static String adminPeers(DospServer s) {
        try (DospClient admin = client(s, 99)) {
            admin.admin().authenticate("admin-token-for-tests-0123");
            return admin.admin().command("peers");
        }
    }

}
