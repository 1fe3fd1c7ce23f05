package io.dosp.it.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.NetClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Groups, names, presence and network views across a federation (docs/network.md), over real sockets: servers in a
 * line, a ring and a full mesh; links cut and restored; raw EXT clients ({@link NetClient}).
 */
class NetworkIT {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final int OK = 0;
    private static final int TAKEN = 5;
    private static final int NOT_FOUND = 6;

    @TempDir
    Path tmp;

    private final List<NetClient> clients = new ArrayList<>();

    private NetClient client(Mesh mesh, int server) {
        NetClient c = NetClient.connect(mesh.server(server).port());
        clients.add(c);
        return c;
    }

    private static void link(Mesh mesh, String topology, int n) {
        for (int i = 0; i + 1 < n; i++) {
            mesh.link(i, i + 1);
        }
        if (topology.equals("ring")) {
            mesh.link(n - 1, 0);
        }
        if (topology.equals("mesh")) {
            for (int i = 0; i < n; i++) {
                for (int j = i + 2; j < n; j++) {
                    mesh.link(i, j);
                }
            }
        }
    }

    private void closeClients() {
        clients.forEach(NetClient::close);
        clients.clear();
    }

    private static void sendBatch(NetClient sender, String group, String tag, int count, int expectMembers) {
        for (int k = 0; k < count; k++) {
            NetClient.Result r = sender.send(group, (tag + "-" + k).getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).as("SEND %s-%d", tag, k).isEqualTo(OK);
            if (expectMembers >= 0) {
                assertThat(java.nio.ByteBuffer.wrap(r.payload(), 16, 4).getInt()).isEqualTo(expectMembers);
            }
        }
    }

    /** Every member's texts, each exactly once (a duplicate fails at once). */
    private static Map<String, Integer> counts(NetClient member) {
        Map<String, Integer> out = new HashMap<>();
        for (NetClient.GroupMessage m : member.messages()) {
            out.merge(m.text(), 1, Integer::sum);
        }
        return out;
    }

    private static Set<String> texts(String tag, int count) {
        Set<String> out = new HashSet<>();
        for (int k = 0; k < count; k++) {
            out.add(tag + "-" + k);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"line", "ring", "mesh"})
    void groupMessagesReachEveryMemberExactlyOnceWhileLinksAreCutAndRestored(String topology) {
        int n = topology.equals("ring") ? 5 : 4;
        try (Mesh mesh = new Mesh(tmp.resolve(topology), n)) {
            link(mesh, topology, n);
            mesh.awaitFullRoutes();
            List<NetClient> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 2; k++) {
                    NetClient m = client(mesh, i);
                    assertThat(m.join("team").status()).isEqualTo(OK);
                    members.add(m);
                }
            }
            NetClient sender = client(mesh, 0);
            int total = members.size();
            // Every server's directory knows every member.
            for (int i = 0; i < n; i++) {
                NetClient probe = members.get(2 * i);
                await().atMost(LONG).until(() -> probe.members("team").size() == total);
            }
            sendBatch(sender, "team", "a", 30, total);
            // In a line a cut leaves no other path: what is still on its way over the cut link is lost with it.
            for (NetClient m : members) {
                await().atMost(LONG).until(() -> counts(m).keySet().containsAll(texts("a", 30)));
            }

            // Cut a link: in a ring or a mesh every server stays reachable; in a line the far side is cut off.
            mesh.unlink(1, 2);
            sendBatch(sender, "team", "b", 30, -1);
            // Restore it.
            mesh.link(1, 2);
            mesh.awaitFullRoutes();
            for (int i = 0; i < n; i++) {
                NetClient probe = members.get(2 * i);
                await().atMost(LONG).until(() -> probe.members("team").size() == total);
            }
            sendBatch(sender, "team", "c", 30, total);

            Set<String> always = new HashSet<>(texts("a", 30));
            always.addAll(texts("c", 30));
            for (int idx = 0; idx < members.size(); idx++) {
                NetClient m = members.get(idx);
                int server = idx / 2;
                boolean stillReachable = !topology.equals("line") || server <= 1;
                await().atMost(LONG).untilAsserted(() -> {
                    Map<String, Integer> c = counts(m);
                    assertThat(c.keySet()).containsAll(always);
                    if (stillReachable) {
                        assertThat(c.keySet()).containsAll(texts("b", 30));
                    }
                });
                Map<String, Integer> c = counts(m);
                assertThat(c.values()).as("member %d on server %d: no duplicate", idx, server).allMatch(v -> v == 1);
                assertThat(m.messages()).allMatch(g -> g.group().equals("team") && g.sender().equals(sender.vip()));
            }
            assertThat(sender.messages()).as("the sender is not a member").isEmpty();
            closeClients();
        }
    }

    @Test
    void presenceEventsReachWatchersOnEveryServer() {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            link(mesh, "line", 3);
            mesh.awaitFullRoutes();
            NetClient subject = client(mesh, 0);
            List<NetClient> watchers = List.of(client(mesh, 0), client(mesh, 1), client(mesh, 2));
            NetClient other = client(mesh, 2);
            for (NetClient w : watchers) {
                await().atMost(LONG).until(() -> w.total(0x80) == 5);
                assertThat(w.watch(subject.vip()).status()).isEqualTo(OK);
                assertThat(w.watch(2, "bob").status()).isEqualTo(OK);
                assertThat(w.watch(3, "ops").status()).isEqualTo(OK);
            }
            // The current state: the subject is online.
            for (NetClient w : watchers) {
                await().atMost(LONG).until(() -> w.events().stream()
                        .anyMatch(e -> e.targetType() == 1 && e.event() == 1 && e.vip().equals(subject.vip())));
            }
            assertThat(subject.join("ops").status()).isEqualTo(OK);
            assertThat(subject.register("bob", null).status()).isEqualTo(OK);
            assertThat(other.resolve("bob").status()).isIn(OK, NOT_FOUND); // may not have arrived yet
            await().atMost(LONG).until(() -> other.resolve("bob").status() == OK);
            assertThat(other.resolve("bob").vip()).isEqualTo(subject.vip());
            for (NetClient w : watchers) {
                await().atMost(LONG).until(() -> has(w, 3, "ops", 1, subject.vip(), 0) && has(w, 2, "bob", 1, subject.vip(), 0));
            }
            assertThat(subject.leave("ops").status()).isEqualTo(OK);
            for (NetClient w : watchers) {
                await().atMost(LONG).until(() -> has(w, 3, "ops", 2, subject.vip(), 7)); // left: requested
            }
            subject.close();
            for (NetClient w : watchers) {
                await().atMost(LONG).until(() -> has(w, 1, subject.vip().toString(), 2, subject.vip(), 1)
                        && has(w, 2, "bob", 2, subject.vip(), 1)); // left
            }
            // A server cut off: its clients are 'unreachable' on the others.
            NetClient far = client(mesh, 2);
            NetClient near = watchers.get(0);
            assertThat(near.watch(far.vip()).status()).isEqualTo(OK);
            await().atMost(LONG).until(() -> has(near, 1, far.vip().toString(), 1, far.vip(), 0));
            mesh.unlink(1, 2);
            await().atMost(LONG).until(() -> has(near, 1, far.vip().toString(), 2, far.vip(), 6)); // unreachable
            mesh.link(1, 2);
            await().atMost(LONG).until(() -> near.events().stream().filter(e -> e.targetType() == 1
                    && e.vip().equals(far.vip()) && e.event() == 1).count() == 2); // joined again
            closeClients();
        }
    }

    private static boolean has(NetClient w, int type, String target, int event, Vip vip, int reason) {
        return w.events().stream().anyMatch(e -> e.targetType() == type && e.target().equals(target)
                && e.event() == event && e.vip().equals(vip) && e.reason() == reason);
    }

    @Test
    void aNameIsUniqueUnderConcurrentRegistrationFromDifferentServers() throws Exception {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            link(mesh, "mesh", 3);
            mesh.awaitFullRoutes();
            List<NetClient> contenders = List.of(client(mesh, 0), client(mesh, 1), client(mesh, 2));
            for (NetClient c : contenders) {
                await().atMost(LONG).until(() -> c.total(0x80) == 3);
            }
            for (int round = 0; round < 5; round++) {
                String name = "name-" + round;
                List<CompletableFuture<NetClient.Result>> fs = new ArrayList<>();
                for (NetClient c : contenders) {
                    fs.add(CompletableFuture.supplyAsync(() -> c.register(name, null)));
                }
                for (CompletableFuture<NetClient.Result> f : fs) {
                    assertThat(f.get().status()).isIn(OK, TAKEN);
                }
                // All servers converge on one holder; every other contender lost it (TAKEN or NAME_LOST).
                await().atMost(LONG).until(() -> {
                    Set<Vip> holders = new HashSet<>();
                    for (NetClient c : contenders) {
                        NetClient.Result r = c.resolve(name);
                        if (r.status() != OK) {
                            return false;
                        }
                        holders.add(r.vip());
                    }
                    return holders.size() == 1;
                });
                Vip holder = contenders.get(0).resolve(name).vip();
                for (int i = 0; i < contenders.size(); i++) {
                    NetClient c = contenders.get(i);
                    if (!c.vip().equals(holder)) {
                        NetClient.Result again = c.register(name, null);
                        assertThat(again.status()).as("contender %d", i).isEqualTo(TAKEN);
                    }
                }
            }
            // Partitioned registration of one name on both sides; when the link is back, one claim wins everywhere.
            mesh.unlink(0, 1);
            mesh.unlink(0, 2);
            NetClient lone = contenders.get(0);
            await().atMost(LONG).until(() -> lone.total(0x80) == 1);
            assertThat(lone.register("split", null).status()).isEqualTo(OK);
            assertThat(contenders.get(1).register("split", null).status()).isEqualTo(OK);
            mesh.link(0, 1);
            mesh.link(0, 2);
            mesh.awaitFullRoutes();
            await().atMost(LONG).until(() -> {
                Set<Vip> holders = new HashSet<>();
                for (NetClient c : contenders) {
                    NetClient.Result r = c.resolve("split");
                    if (r.status() != OK) {
                        return false;
                    }
                    holders.add(r.vip());
                }
                return holders.size() == 1;
            });
            Vip winner = lone.resolve("split").vip();
            NetClient loser = winner.equals(lone.vip()) ? contenders.get(1) : lone;
            await().atMost(LONG).until(() -> loser.lost().stream()
                    .anyMatch(l -> l.name().equals("split") && l.reason() == 8 && l.winner().equals(winner)));
            closeClients();
        }
    }

    @Test
    void networkViewsAgreeOnEveryServer() {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            link(mesh, "ring", 3);
            mesh.awaitFullRoutes();
            RawClient plain = RawClient.connect(mesh.server(0).port()); // no HELLO: must never see a network frame
            plain.send(Packets.ping("hi".getBytes(StandardCharsets.UTF_8))); // its first packet, within the door's deadline
            assertThat(plain.receive().type()).isEqualTo(PacketType.PING);
            List<NetClient> cs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                NetClient c = client(mesh, i % 3);
                assertThat(c.join("g" + (i % 2)).status()).isEqualTo(OK);
                assertThat(c.register("n" + i, null).status()).isEqualTo(OK);
                cs.add(c);
            }
            for (NetClient c : cs) {
                await().atMost(LONG).until(() -> c.total(0x80) == 7 /* with the plain client */ && c.total(0x81) == 2 && c.total(0x82) == 6);
            }
            // A group message sent to a group with members on every server, from a member.
            NetClient.Result r = cs.get(0).send("g0", "hi".getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).isEqualTo(OK);
            assertThat(java.nio.ByteBuffer.wrap(r.payload(), 16, 4).getInt()).isEqualTo(2);
            await().atMost(LONG).until(() -> cs.get(2).messages().size() == 1 && cs.get(4).messages().size() == 1);
            assertThat(cs.get(0).messages()).isEmpty();
            assertThat(cs.get(1).messages()).isEmpty();
            // Bad input gets a clear status, and harms nobody.
            assertThat(cs.get(1).join("Bad Name!").status()).isEqualTo(1);
            assertThat(cs.get(1).leave("never").status()).isEqualTo(4);
            assertThat(cs.get(1).unregister("n0").status()).isEqualTo(NOT_FOUND);
            assertThat(cs.get(1).send("g0", new byte[65_537]).status()).isEqualTo(7);
            for (NetClient c : cs) {
                assertThat(c.isClosed()).isFalse();
            }
            // Admin: the network views, and a broadcast to every client of every server (MSG, once each).
            try (RawClient admin = RawClient.connect(mesh.server(1).port())) {
                admin.send(Packets.auth("admin-token-for-tests-0123"));
                assertThat(((SimplePacket) admin.receive(PacketType.AUTH)).bodyText()).isEqualTo("OK");
                admin.send(Packets.admin("groups"));
                assertThat(((SimplePacket) admin.receive(PacketType.ADMIN)).bodyText()).startsWith("2 group(s)")
                        .contains("g0  members=3", "g1  members=3");
                admin.send(Packets.admin("names"));
                assertThat(((SimplePacket) admin.receive(PacketType.ADMIN)).bodyText()).startsWith("6 name(s)");
                admin.send(Packets.admin("broadcast --network all hands"));
                assertThat(((SimplePacket) admin.receive(PacketType.ADMIN)).bodyText())
                        .isEqualTo("Broadcast sent to the network");
            }
            for (NetClient c : cs) {
                await().atMost(LONG).until(() -> c.broadcasts().contains("all hands"));
            }
            assertThat(plain.receive(PacketType.MSG)).satisfies(m -> assertThat(((SimplePacket) m).bodyText())
                    .isEqualTo("all hands")); // MSG is plain DoSP: the reference-style client gets it too
            assertThat(cs.get(0).watch(plain.vip()).status()).isEqualTo(OK); // watched, it still gets nothing
            // Its PING is answered after everything queued to it before: the echo is the first packet it gets.
            plain.send(Packets.ping("probe".getBytes(StandardCharsets.UTF_8)));
            Packet first = plain.receive();
            assertThat(first.type()).isEqualTo(PacketType.PING);
            assertThat(((SimplePacket) first).bodyText()).isEqualTo("probe");
            plain.close();
            closeClients();
        }
    }

    @Test
    void aNameIsHeldForItsClientsReconnectAndReclaimedWithItsToken() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            link(mesh, "line", 2);
            mesh.awaitFullRoutes();
            NetClient first = client(mesh, 0);
            NetClient.Result reg = first.register("carl", null);
            assertThat(reg.status()).isEqualTo(OK);
            byte[] token = reg.payload();
            assertThat(token).hasSize(16);
            NetClient watcher = client(mesh, 1);
            await().atMost(LONG).until(() -> watcher.resolve("carl").status() == OK);
            assertThat(watcher.watch(2, "carl").status()).isEqualTo(OK);
            first.close();
            await().atMost(LONG).until(() -> has(watcher, 2, "carl", 2, first.vip(), 1)); // left
            assertThat(watcher.resolve("carl").status()).isEqualTo(NOT_FOUND); // held, nobody to reach
            assertThat(watcher.register("carl", null).status()).isEqualTo(TAKEN); // held for its holder
            NetClient again = client(mesh, 0);
            assertThat(again.register("carl", null).status()).isEqualTo(TAKEN); // no token: not its holder
            NetClient.Result back = again.register("carl", token);
            assertThat(back.status()).isEqualTo(OK);
            assertThat(back.payload()).isEqualTo(token);
            await().atMost(LONG).until(() -> watcher.resolve("carl").status() == OK
                    && watcher.resolve("carl").vip().equals(again.vip()));
            await().atMost(LONG).until(() -> has(watcher, 2, "carl", 1, again.vip(), 0));
            assertThat(again.unregister("carl").status()).isEqualTo(OK);
            await().atMost(LONG).until(() -> watcher.register("carl", null).status() == OK);
            closeClients();
        }
    }

    @Test
    void aHeldNameFollowsItsTokenToAnotherServerAtOnceAndAnotherTokenIsRefused() {
        // A grace period far longer than the test waits: the names can only move because their token keys flooded.
        try (Mesh mesh = new Mesh(tmp, 3, c -> c.network(n -> n.nameGrace(Duration.ofMinutes(30))))) {
            link(mesh, "line", 3);
            mesh.awaitFullRoutes();
            NetClient first = client(mesh, 0);
            NetClient.Result dora = first.register("dora", null);
            NetClient.Result dolly = first.register("dolly", null);
            assertThat(dora.status()).isEqualTo(OK);
            assertThat(dolly.status()).isEqualTo(OK);
            NetClient watcher = client(mesh, 1);
            await().atMost(LONG).until(() -> watcher.resolve("dolly").status() == OK);
            assertThat(watcher.watch(2, "dora").status()).isEqualTo(OK);
            first.close();
            await().atMost(LONG).until(() -> has(watcher, 2, "dora", 2, first.vip(), 1)); // left: held
            NetClient moved = client(mesh, 2);
            // dolly's key travels after dora's on the same links: once dolly follows, server 2 knows dora's key too.
            await().atMost(LONG).until(() -> moved.register("dolly", dolly.payload()).status() == OK);
            byte[] wrong = dora.payload().clone();
            wrong[0] ^= 1;
            assertThat(moved.register("dora", wrong).status()).isEqualTo(TAKEN);
            assertThat(moved.register("dora", dolly.payload()).status()).isEqualTo(TAKEN); // another name's token
            assertThat(moved.register("dora", null).status()).isEqualTo(TAKEN);
            NetClient.Result back = moved.register("dora", dora.payload());
            assertThat(back.status()).isEqualTo(OK);
            assertThat(back.payload()).isEqualTo(dora.payload());
            // Every server agrees on the new holder; the origin let its held claim go.
            NetClient home = client(mesh, 0);
            for (NetClient c : List.of(home, watcher, moved)) {
                await().atMost(LONG).until(() -> c.resolve("dora").status() == OK
                        && c.resolve("dora").vip().equals(moved.vip()));
                await().atMost(LONG).until(() -> c.resolve("dolly").status() == OK
                        && c.resolve("dolly").vip().equals(moved.vip()));
            }
            assertThat(home.register("dora", null).status()).isEqualTo(TAKEN);
            await().atMost(LONG).until(() -> has(watcher, 2, "dora", 1, moved.vip(), 0)); // joined
            assertThat(moved.lost()).isEmpty();
            closeClients();
        }
    }

    @Test
    void rqipKeepsNamesAndMembershipsUnderTheNewVip() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            link(mesh, "line", 2);
            mesh.awaitFullRoutes();
            NetClient mover = client(mesh, 0);
            NetClient far = client(mesh, 1);
            assertThat(mover.join("crew").status()).isEqualTo(OK);
            assertThat(mover.register("mover", null).status()).isEqualTo(OK);
            Vip before = mover.vip();
            await().atMost(LONG).until(() -> far.resolve("mover").status() == OK);
            assertThat(far.watch(before).status()).isEqualTo(OK);
            Vip wanted = Vip.parse("10.1.0.200");
            mover.rqip(wanted);
            await().atMost(LONG).until(() -> mover.vip().equals(wanted));
            await().atMost(LONG).until(() -> far.resolve("mover").status() == OK
                    && far.resolve("mover").vip().equals(wanted));
            await().atMost(LONG).until(() -> far.members("crew").equals(List.of(wanted)));
            await().atMost(LONG).until(() -> has(far, 1, before.toString(), 2, before, 2)); // left: moved
            closeClients();
        }
    }
}
