package io.dosp.server.internal.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.SimplePacket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The directory's rules with servers joined by in-memory links (frames queued, delivered one by one by the test in
 * FIFO order per link, as over TCP): flooding, snapshots, withdrawal, the earliest-claim rule, exactly-once group
 * messages in a ring.
 */
class DirectoryTest {
    /** In-memory links between numbered servers. */
    private static final class Net {
        final List<Node> nodes = new ArrayList<>();
        final Set<String> edges = new HashSet<>();
        final ArrayDeque<Object[]> queue = new ArrayDeque<>();
        /** Frames still to refuse (a full link queue): send answers false. */
        int refuse;

        Node add() {
            Node n = new Node(this, nodes.size());
            nodes.add(n);
            return n;
        }

        static String edge(int a, int b) {
            return Math.min(a, b) + "-" + Math.max(a, b);
        }

        void link(int a, int b) {
            edges.add(edge(a, b));
            nodes.get(a).dir.linkUp(nodes.get(b).id);
            nodes.get(b).dir.linkUp(nodes.get(a).id);
            pump();
        }

        void cut(int a, int b) {
            edges.remove(edge(a, b));
            queue.removeIf(f -> edge((int) f[0], (int) f[1]).equals(edge(a, b))); // lost with the link
            nodes.get(a).dir.linkDown(nodes.get(b).id);
            nodes.get(b).dir.linkDown(nodes.get(a).id);
            pump();
        }

        void pump() {
            while (!queue.isEmpty()) {
                Object[] f = queue.poll();
                int from = (int) f[0];
                int to = (int) f[1];
                if (edges.contains(edge(from, to))) {
                    nodes.get(to).dir.frame(nodes.get(from).id, (SimplePacket) f[2]);
                }
            }
        }
    }

    /** One server: its directory and what its sink heard. */
    private static final class Node implements NetLinks, Directory.Sink {
        final Net net;
        final int index;
        final byte[] idBytes = new byte[16];
        final String id;
        final Directory dir;
        final Map<Integer, List<String>> received = new HashMap<>();
        final List<String> events = new ArrayList<>();
        final List<String> lost = new ArrayList<>();

        Node(Net net, int index) {
            this.net = net;
            this.index = index;
            idBytes[15] = (byte) (index + 1);
            this.id = NetWire.hex(idBytes);
            this.dir = new Directory(this, this, 1_000_000, 65_536, 16, System::nanoTime);
        }

        @Override
        public byte[] serverId() {
            return idBytes.clone();
        }

        @Override
        public void listener(Listener listener) {
        }

        @Override
        public Set<String> up() {
            Set<String> out = new LinkedHashSet<>();
            for (Node n : net.nodes) {
                if (n != this && net.edges.contains(Net.edge(index, n.index))) {
                    out.add(n.id);
                }
            }
            return out;
        }

        @Override
        public boolean send(String peer, SimplePacket frame) {
            for (Node n : net.nodes) {
                if (n.id.equals(peer) && net.edges.contains(Net.edge(index, n.index))) {
                    if (net.refuse > 0) {
                        net.refuse--;
                        return false;
                    }
                    net.queue.add(new Object[] {index, n.index, frame});
                    return true;
                }
            }
            return false;
        }

        @Override
        public void clientUp(int vip, String user) {
            events.add("up " + vip);
        }

        @Override
        public void clientDown(int vip, int reason) {
            events.add("down " + vip + " " + reason);
        }

        @Override
        public void memberAdded(String group, int vip) {
            events.add("join " + group + " " + vip);
        }

        @Override
        public void memberRemoved(String group, int vip, int reason) {
            events.add("leave " + group + " " + vip + " " + reason);
        }

        @Override
        public void nameHolder(String name, int oldVip, int newVip, int reason) {
            events.add("name " + name + " " + oldVip + "->" + newVip + " " + reason);
        }

        @Override
        public void ownNameLost(String name, int vip, int reason, int winner) {
            lost.add(name + " " + vip + " " + reason + " " + winner);
        }

        @Override
        public void groupMessage(byte[] msgId, int sender, String group, byte[] data, List<Integer> to) {
            for (int v : to) {
                received.computeIfAbsent(v, k -> new ArrayList<>()).add(new String(data));
            }
        }

        @Override
        public void broadcast(String text) {
        }
    }

    private static Net ring(int n) {
        Net net = new Net();
        for (int i = 0; i < n; i++) {
            net.add();
        }
        for (int i = 0; i < n; i++) {
            net.link(i, (i + 1) % n);
        }
        return net;
    }

    @Test
    void changesFloodToEveryServerAndSnapshotsCatchUpLateJoiners() {
        Net net = ring(4);
        Node a = net.nodes.get(0);
        a.dir.ownClientUp(101, "");
        a.dir.ownJoin(101, "team");
        net.pump();
        for (Node n : net.nodes) {
            assertThat(n.dir.members("team")).containsExactly(101);
        }
        Node late = net.add();
        late.dir.ownClientUp(501, "");
        late.dir.ownJoin(501, "team");
        net.link(4, 2);
        for (Node n : net.nodes) {
            assertThat(n.dir.members("team")).as("server %d", n.index).containsExactly(101, 501);
            assertThat(n.dir.clients()).hasSize(2);
        }
        assertThat(a.dir.stats().gaps.get()).isZero();
    }

    @Test
    void anUnreachableServersEntriesAreWithdrawnAndComeBack() {
        Net net = new Net();
        for (int i = 0; i < 3; i++) {
            net.add();
        }
        net.link(0, 1);
        net.link(1, 2);
        Node far = net.nodes.get(2);
        far.dir.ownClientUp(301, "");
        far.dir.ownJoin(301, "team");
        far.dir.ownClaim(301, "bob", "", 0);
        net.pump();
        Node near = net.nodes.get(0);
        assertThat(near.dir.winner("bob").vip()).isEqualTo(301);
        net.cut(1, 2);
        assertThat(near.dir.members("team")).isEmpty();
        assertThat(near.dir.winner("bob")).isNull();
        assertThat(near.events).contains("down 301 " + NetWire.UNREACHABLE, "leave team 301 " + NetWire.UNREACHABLE);
        net.link(1, 2);
        assertThat(near.dir.members("team")).containsExactly(301);
        assertThat(near.dir.winner("bob").vip()).isEqualTo(301);
    }

    @Test
    void concurrentClaimsConvergeOnTheEarliestAndTheLoserIsTold() {
        Net net = new Net();
        for (int i = 0; i < 3; i++) {
            net.add();
        }
        Node a = net.nodes.get(0);
        Node b = net.nodes.get(1);
        a.dir.ownClientUp(101, "");
        b.dir.ownClientUp(201, "");
        // b's clock runs ahead: its claim gets a larger Lamport time.
        b.dir.ownClientUp(202, "");
        b.dir.ownClientUp(203, "");
        a.dir.ownClaim(101, "alpha", "", 0);
        b.dir.ownClaim(201, "alpha", "", 0); // neither has heard of the other: both accepted
        net.link(0, 1);
        net.link(1, 2);
        for (Node n : net.nodes) {
            assertThat(n.dir.winner("alpha").vip()).as("server %d", n.index).isEqualTo(101);
            assertThat(n.dir.allClaims().get("alpha")).hasSize(1);
        }
        assertThat(b.lost).containsExactly("alpha 201 " + NetWire.CONFLICT + " 101");
        assertThat(a.lost).isEmpty();
        assertThat(b.dir.ownOwner("alpha")).isNull();
    }

    @Test
    void equalLamportTimesAreBrokenByServerId() {
        Net net = new Net();
        net.add();
        net.add();
        Node a = net.nodes.get(0);
        Node b = net.nodes.get(1);
        a.dir.ownClientUp(101, "");
        b.dir.ownClientUp(201, "");
        a.dir.ownClaim(101, "same", "", 0);
        b.dir.ownClaim(201, "same", "", 0);
        net.link(0, 1);
        assertThat(a.dir.winner("same").vip()).isEqualTo(101); // id ...01 < ...02
        assertThat(b.dir.winner("same").vip()).isEqualTo(101);
        assertThat(b.lost).hasSize(1);
    }

    @Test
    void groupMessagesReachEachMemberOnceInARingWhileALinkIsCut() {
        Net net = ring(5);
        for (Node n : net.nodes) {
            int vip = 1000 + n.index;
            n.dir.ownClientUp(vip, "");
            n.dir.ownJoin(vip, "team");
        }
        net.pump();
        Node sender = net.nodes.get(0);
        int[] count = new int[1];
        for (int k = 0; k < 10; k++) {
            sender.dir.sendGroup(1000, "team", ("m" + k).getBytes(), count);
            if (k == 4) {
                net.cut(2, 3);
            }
            net.pump();
        }
        assertThat(count[0]).isEqualTo(4);
        long duplicates = 0;
        for (Node n : net.nodes) {
            duplicates += n.dir.stats().groupDuplicates.get();
            if (n.index == 0) {
                assertThat(n.received).isEmpty(); // the sender itself
            } else {
                List<String> got = n.received.get(1000 + n.index);
                assertThat(got).as("member on server %d", n.index).hasSize(10).doesNotHaveDuplicates();
            }
        }
        assertThat(duplicates).as("copies that arrived by a second path were suppressed").isPositive();
    }

    @Test
    void aLeavingClientsNamesAreHeldThenExpire() {
        Net net = new Net();
        net.add();
        net.add();
        net.link(0, 1);
        Node a = net.nodes.get(0);
        a.dir.ownClientUp(101, "alice");
        long at = a.dir.ownClaim(101, "alice", "alice", 0);
        net.pump();
        assertThat(a.dir.ownClientDown(101, NetWire.LEFT)).containsExactly("alice");
        net.pump();
        Node b = net.nodes.get(1);
        assertThat(b.dir.winner("alice").vip()).isZero(); // held for a reconnect
        a.dir.ownClientUp(102, "alice");
        a.dir.ownClaim(102, "alice", "alice", a.dir.ownHeld("alice").claim());
        net.pump();
        assertThat(b.dir.winner("alice").vip()).isEqualTo(102);
        assertThat(b.dir.winner("alice").lamport()).isEqualTo(at); // the same claim, re-taken
        a.dir.ownClientDown(102, NetWire.LEFT);
        assertThat(a.dir.expire("alice", at)).isTrue();
        net.pump();
        assertThat(b.dir.winner("alice")).isNull();
    }

    @Test
    void badFramesFromAPeerAreRefusedWithAClearErrorAndChangeNothing() {
        Net net = new Net();
        net.add();
        net.add();
        net.link(0, 1);
        Node a = net.nodes.get(0);
        Node b = net.nodes.get(1);
        b.dir.ownClientUp(201, "");
        b.dir.ownJoin(201, "team");
        net.pump();
        java.util.Random random = new java.util.Random(16);
        int refused = 0;
        for (int k = 0; k < 20_000; k++) {
            int type = 0xE0 + random.nextInt(9);
            byte[] body = new byte[random.nextInt(64)];
            random.nextBytes(body);
            if (body.length > 16 && random.nextBoolean()) {
                System.arraycopy(b.idBytes, 0, body, 0, 16); // b's own origin, so the rest is read
            }
            try {
                a.dir.frame(b.id, io.dosp.protocol.Packets.custom(type, body));
            } catch (io.dosp.protocol.MalformedPacketException e) {
                refused++;
            }
        }
        assertThat(refused).isPositive();
        net.queue.clear(); // whatever the noise made a answer (SYNC_REQUESTs) is dropped
        // The directory still works and still knows b's member.
        b.dir.ownClientUp(202, "");
        b.dir.ownJoin(202, "team");
        net.pump();
        assertThat(a.dir.members("team")).contains(202);
    }

    @Test
    void updatesLostToAFullLinkQueueAreRepairedByHeads() {
        Net net = new Net();
        net.add();
        net.add();
        net.link(0, 1);
        Node a = net.nodes.get(0);
        Node b = net.nodes.get(1);
        a.dir.ownClientUp(101, "");
        net.refuse = 1; // the JOIN's UPDATE is lost
        a.dir.ownJoin(101, "team");
        a.dir.ownClaim(101, "late", "", 0); // the next one arrives: a gap, b asks for a snapshot
        net.pump();
        assertThat(b.dir.stats().gaps.get()).isEqualTo(1);
        assertThat(b.dir.members("team")).containsExactly(101);
        net.refuse = 1; // the last UPDATE is lost: nothing follows it, only HEADS tells
        a.dir.ownLeave(101, "team", NetWire.REQUESTED);
        net.pump();
        assertThat(b.dir.members("team")).containsExactly(101);
        a.dir.heartbeat(b.id);
        net.pump();
        assertThat(b.dir.members("team")).isEmpty();
        assertThat(b.dir.winner("late").vip()).isEqualTo(101);
        assertThat(a.dir.stats().linkDrops.get()).isEqualTo(2);
    }

    /** A line of servers 0-1-2; server 0's client 101 held "mover" and left; its token key flooded. */
    private static byte[] heldWithKey(Net net, byte[] token) {
        Node a = net.nodes.get(0);
        a.dir.ownClientUp(101, "");
        a.dir.ownClaim(101, "mover", "", 0);
        net.pump();
        assertThat(a.dir.ownClientDown(101, NetWire.LEFT)).containsExactly("mover");
        assertThat(a.dir.ownHeldKey("mover", Network.tokenKey(token))).isTrue();
        net.pump();
        return Network.tokenKey(token);
    }

    private static Net line(int n) {
        Net net = new Net();
        for (int i = 0; i < n; i++) {
            net.add();
        }
        for (int i = 0; i + 1 < n; i++) {
            net.link(i, i + 1);
        }
        return net;
    }

    @Test
    void aHeldNamesTokenKeyReachesEveryServerAndTheNameFollowsItsClientAtTheHeldClaimsTime() {
        Net net = line(3);
        byte[] token = new byte[16];
        token[0] = 7;
        byte[] key = heldWithKey(net, token);
        Node a = net.nodes.get(0);
        Node c = net.nodes.get(2);
        long at = a.dir.ownHeld("mover").claim();
        Directory.Held there = c.dir.heldElsewhere("mover");
        assertThat(there).isNotNull();
        assertThat(there.claim()).isEqualTo(at);
        assertThat(java.security.MessageDigest.isEqual(Network.tokenKey(token), there.key())).isTrue();
        assertThat(a.dir.heldElsewhere("mover")).as("the origin's own held name is not 'elsewhere'").isNull();
        // The client comes back on server 2 with its token: server 2 claims the name at the held claim's time.
        c.dir.ownClientUp(301, "");
        c.dir.ownClaim(301, "mover", "", there.claim());
        net.pump();
        for (Node n : net.nodes) {
            Directory.Claim w = n.dir.winner("mover");
            assertThat(w.vip()).as("server %d", n.index).isEqualTo(301);
            assertThat(w.lamport()).isEqualTo(at);
            assertThat(n.dir.allClaims().get("mover")).as("server %d", n.index).hasSize(1);
        }
        assertThat(a.dir.ownOwner("mover")).as("the origin dropped its held claim").isNull();
        assertThat(a.dir.ownHeld("mover")).isNull();
        assertThat(a.lost).isEmpty();
        assertThat(c.lost).isEmpty();
        assertThat(key).hasSize(NetFrames.KEY_BYTES);
    }

    @Test
    void anotherTokensKeyDoesNotMatchAndAHeldNameWithoutAKeyIsNotOfferedElsewhere() {
        Net net = line(2);
        byte[] token = new byte[16];
        token[3] = 1;
        heldWithKey(net, token);
        Node b = net.nodes.get(1);
        byte[] wrong = token.clone();
        wrong[15] ^= 1;
        assertThat(java.security.MessageDigest.isEqual(Network.tokenKey(wrong), b.dir.heldElsewhere("mover").key()))
                .isFalse();
        // A held name whose origin sent no key (an older build, or no token) is not offered: TAKEN until the grace
        // ends, as before.
        Node a = net.nodes.get(0);
        a.dir.ownClientUp(102, "");
        a.dir.ownClaim(102, "keyless", "", 0);
        a.dir.ownClientDown(102, NetWire.LEFT);
        net.pump();
        assertThat(b.dir.winner("keyless").vip()).isZero();
        assertThat(b.dir.heldElsewhere("keyless")).isNull();
    }

    @Test
    void atEqualClaimTimesALiveClaimBeatsAHeldOneWhateverTheServerIds() {
        Net net = line(2);
        Node a = net.nodes.get(0);
        Node b = net.nodes.get(1);
        // b (id ...02) claims at the time of a's (id ...01) held claim: b's live claim wins on both.
        b.dir.ownClientUp(201, "");
        a.dir.ownClientUp(101, "");
        long at = a.dir.ownClaim(101, "tie", "", 0);
        a.dir.ownClientDown(101, NetWire.LEFT);
        net.pump();
        b.dir.ownClaim(201, "tie", "", at);
        net.pump();
        assertThat(a.dir.winner("tie").vip()).isEqualTo(201);
        assertThat(b.dir.winner("tie").vip()).isEqualTo(201);
        assertThat(a.dir.ownOwner("tie")).isNull();
    }

    @Test
    void aServerThatLinksLaterGetsTheTokenKeyWithTheSnapshot() {
        Net net = line(2);
        byte[] token = new byte[16];
        token[9] = 42;
        byte[] key = heldWithKey(net, token);
        Node late = net.add();
        net.link(2, 1); // late hears of server 0 only through server 1's snapshot of it
        Directory.Held there = late.dir.heldElsewhere("mover");
        assertThat(there).isNotNull();
        assertThat(there.key()).isEqualTo(key);
        assertThat(there.claim()).isEqualTo(net.nodes.get(0).dir.ownHeld("mover").claim());
        // A repeated key (here: a second snapshot) changes nothing and is not sent on again.
        long before = late.dir.stats().duplicates.get();
        net.nodes.get(1).dir.linkDown(late.id);
        net.nodes.get(1).dir.linkUp(late.id);
        net.pump();
        assertThat(late.dir.heldElsewhere("mover").key()).isEqualTo(key);
        assertThat(late.dir.stats().duplicates.get()).isGreaterThan(before);
    }

    @Test
    void aMalformedNameKeyIsRefusedAndOneForAnUnknownHeldClaimIsIgnored() {
        Net net = line(2);
        Node a = net.nodes.get(0);
        Node b = net.nodes.get(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.dir.frame(a.id,
                io.dosp.protocol.Packets.custom(NetFrames.NAME_KEY, new byte[40])))
                .isInstanceOf(io.dosp.protocol.MalformedPacketException.class);
        byte[] body = new NetWire.Writer(64).bytes(a.idBytes).i64(5).bytes(new byte[32]).str("ghost").toBytes();
        long before = b.dir.stats().duplicates.get();
        b.dir.frame(a.id, io.dosp.protocol.Packets.custom(NetFrames.NAME_KEY, body));
        assertThat(b.dir.heldElsewhere("ghost")).isNull();
        assertThat(b.dir.stats().duplicates.get()).isEqualTo(before + 1);
        assertThat(net.queue).isEmpty(); // not sent on
    }
}
