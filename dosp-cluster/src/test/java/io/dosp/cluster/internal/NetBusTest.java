package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.internal.network.NetLinks;
import io.dosp.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NetBus} on a real nats-server: three nodes' directory links come up by themselves; a flooded frame is
 * published once and heard once by every other node, and not published again by a node that heard it on the bus; a
 * frame for one node reaches that node only; a node whose liveness key goes is linked down on the others (and up
 * again once it is back); a node that leaves is linked down at once.
 */
class NetBusTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** What the directory would hear. */
    static final class Heard implements NetLinks.Listener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void linkUp(String peer) {
            events.add("up " + peer);
        }

        @Override
        public void linkDown(String peer) {
            events.add("down " + peer);
        }

        @Override
        public void heartbeat(String peer) {
        }

        @Override
        public void frame(String peer, SimplePacket frame) {
            events.add("frame " + peer + " " + Integer.toHexString(frame.typeCode()) + " "
                    + new String(frame.body(), StandardCharsets.UTF_8));
        }

        long count(String event) {
            return events.stream().filter(event::equals).count();
        }
    }

    private final NatsServers nats = NatsServers.single();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Connection> connections = new ArrayList<>();
    private final List<NetBus> buses = new ArrayList<>();
    private final List<Heard> heard = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    /** The nodes the fake liveness poll lists. */
    private final Set<String> listed = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stop() throws Exception {
        buses.forEach(NetBus::close);
        for (Connection c : connections) {
            c.close();
        }
        timer.shutdownNow();
        nats.close();
    }

    private void start(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            Connection c = Nats.connect(new Options.Builder().server(nats.urls().get(0)).build());
            connections.add(c);
            listed.add("n" + i);
            NetBus bus = new NetBus(c, "t", "n" + i, NetLinks.NONE, listed::contains, timer, Duration.ofSeconds(30));
            Heard h = new Heard();
            bus.listener(h);
            buses.add(bus);
            heard.add(h);
            ids.add(HexFormat.of().formatHex(bus.serverId()));
        }
    }

    private static SimplePacket update(String text) {
        return Packets.custom(0xE0, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void linksComeUpFloodsCrossOnceAndGoneNodesAreLinkedDown() throws Exception {
        start(3);
        for (int i = 0; i < 3; i++) {
            int me = i;
            await().atMost(WAIT).until(() -> buses.get(me).up().size() == 2);
            for (int j = 0; j < 3; j++) {
                if (j != i) {
                    assertThat(heard.get(i).count("up " + ids.get(j))).isEqualTo(1);
                }
            }
        }
        assertThat(ids).doesNotHaveDuplicates(); // each node an origin of its own

        // A flood from node 0: one NATS message, heard once by 1 and 2, not by 0.
        long before = buses.get(0).counts().published();
        assertThat(buses.get(0).flood(update("u1"), null)).isZero();
        assertThat(buses.get(0).counts().published()).isEqualTo(before + 1);
        String u1 = "frame " + ids.get(0) + " e0 u1";
        await().atMost(WAIT).until(() -> heard.get(1).count(u1) == 1 && heard.get(2).count(u1) == 1);
        // Node 1 passes it on as the directory does (except: where it came from): nothing is published again.
        long before1 = buses.get(1).counts().published();
        assertThat(buses.get(1).flood(update("u1"), ids.get(0))).isZero();
        assertThat(buses.get(1).counts().published()).isEqualTo(before1);
        // A frame for node 2 only, then a flood from node 1 behind it: node 2 hears both in order, node 0 the flood.
        assertThat(buses.get(1).send(ids.get(2), Packets.custom(0xE4, "sync".getBytes(StandardCharsets.UTF_8)))).isTrue();
        buses.get(1).flood(update("u2"), null);
        String u2 = "frame " + ids.get(1) + " e0 u2";
        String sync = "frame " + ids.get(1) + " e4 sync";
        await().atMost(WAIT).until(() -> heard.get(2).count(u2) == 1 && heard.get(0).count(u2) == 1);
        assertThat(heard.get(2).events.indexOf(sync)).isBetween(0, heard.get(2).events.indexOf(u2));
        assertThat(heard.get(0).count(sync)).isZero();
        assertThat(heard.get(0).count(u1)).isZero();
        assertThat(heard.get(1).count(u1)).isEqualTo(1);

        // Node 2's liveness key goes (once a check saw it listed): 0 and 1 take its link down.
        await().atMost(WAIT).until(() -> buses.get(0).confirmedNodes().contains("n2")
                && buses.get(1).confirmedNodes().contains("n2"));
        listed.remove("n2");
        for (int i : new int[] {0, 1}) {
            await().atMost(WAIT).until(() -> heard.get(i).count("down " + ids.get(2)) == 1);
            assertThat(buses.get(i).up()).containsExactly(ids.get(1 - i));
        }
        assertThat(buses.get(0).counts().nodesGone()).isEqualTo(1);
        // Its frames are dropped (counted) while it is gone.
        long unlinked = buses.get(0).counts().unlinked();
        buses.get(2).flood(update("while-gone"), null);
        await().atMost(WAIT).until(() -> buses.get(0).counts().unlinked() > unlinked);
        assertThat(heard.get(0).events).noneMatch(e -> e.endsWith("while-gone"));
        // Listed again: the others ask for its ID, and the link comes back up.
        listed.add("n2");
        for (int i : new int[] {0, 1}) {
            await().atMost(WAIT).until(() -> heard.get(i).count("up " + ids.get(2)) == 2);
        }
        buses.get(2).flood(update("back"), null);
        await().atMost(WAIT).until(() -> heard.get(0).count("frame " + ids.get(2) + " e0 back") == 1);

        // Node 1 leaves: the others take its link down at once (no liveness poll needed).
        buses.get(1).close();
        for (int i : new int[] {0, 2}) {
            await().atMost(WAIT).until(() -> heard.get(i).count("down " + ids.get(1)) == 1);
        }
        assertThat(buses.get(0).up()).containsExactly(ids.get(2));
    }

    @Test
    void anIdWithABadNodeIdOrABadLengthLinksNothing() throws Exception {
        start(1);
        Connection raw = Nats.connect(new Options.Builder().server(nats.urls().get(0)).build());
        connections.add(raw);
        byte[] from = new byte[16];
        from[0] = 7;
        byte[] badName = "n\u001b[31m".getBytes(StandardCharsets.UTF_8);
        raw.publish("dosp.t.net", message(from, NetBus.ID, 1, badName, badName.length));
        raw.publish("dosp.t.net", message(from, NetBus.ID, 1, "n9".getBytes(StandardCharsets.UTF_8), 9)); // length lies
        raw.publish("dosp.t.net", message(from, 0xE0, -1, "x".getBytes(StandardCharsets.UTF_8), -1)); // not linked
        raw.flush(Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> buses.get(0).counts().unlinked() == 3);
        assertThat(buses.get(0).up()).isEmpty();
        assertThat(heard.get(0).events).isEmpty();
    }

    /** {@code from type} then, for an ID ({@code flags} >= 0), {@code flags len name}; else {@code name} as the body. */
    private static byte[] message(byte[] from, int type, int flags, byte[] name, int len) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(from);
        out.write(type);
        if (flags >= 0) {
            out.write(flags);
            out.write(len);
        }
        out.writeBytes(name);
        return out.toByteArray();
    }
}
