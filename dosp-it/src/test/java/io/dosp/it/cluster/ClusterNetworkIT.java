package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.GroupMessage;
import io.dosp.client.NetworkClient;
import io.dosp.client.NetworkRequestException;
import io.dosp.client.PresenceEvent;
import io.dosp.client.PresenceTarget;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.TcpProxy;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups, names, presence and network views across the nodes of a cluster (docs/cluster.md "Groups, names and
 * presence"): three in-process nodes on one real nats-server, Java clients using {@code client.network()}. Each test
 * uses a cluster of its own (its own buckets and subjects).
 */
class ClusterNetworkIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.9.0.0/16");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final AtomicInteger MACHINES = new AtomicInteger();
    private static NatsServers nats;

    @TempDir
    Path tmp;
    private final List<DospServer> servers = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();
    private final List<DospClient> clients = new ArrayList<>();

    /** What a client's listener heard. */
    static final class Heard implements ClientListener {
        final List<GroupMessage> messages = new CopyOnWriteArrayList<>();
        final List<PresenceEvent> presence = new CopyOnWriteArrayList<>();
        final List<String> namesLost = new CopyOnWriteArrayList<>();

        @Override
        public void onGroupMessage(GroupMessage message) {
            messages.add(message);
        }

        @Override
        public void onPresence(PresenceEvent event) {
            presence.add(event);
        }

        @Override
        public void onNameLost(String name, String reason, Optional<Vip> winner) {
            namesLost.add(name + " " + reason + " " + winner.map(Vip::toString).orElse("-"));
        }

        long events(PresenceTarget t, Vip vip, boolean joined, String reason) {
            return presence.stream().filter(e -> e.target().equals(t) && e.vip().equals(vip) && e.joined() == joined
                    && (reason == null || e.reason().equals(reason))).count();
        }

        List<String> texts() {
            return messages.stream().map(GroupMessage::text).toList();
        }
    }

    @BeforeAll
    static void startNats() {
        nats = NatsServers.single();
    }

    @AfterAll
    static void stopNats() {
        if (nats != null) {
            nats.close();
        }
    }

    @AfterEach
    void stop() {
        clients.forEach(DospClient::close);
        servers.forEach(DospServer::close);
    }

    /** Three nodes of one new cluster, each with the network features on (the default); waits until all are linked. */
    private void startNodes() {
        startNodes(null);
    }

    /** As above, the third node's NATS connection through {@code proxy} when not null. */
    private void startNodes(TcpProxy proxy) {
        String name = "net" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        for (int i = 0; i < 3; i++) {
            NatsCluster.Builder b = i == 2 && proxy != null
                    ? NatsCluster.builder().servers(List.of(proxy.natsUrl())).discoveredServers(false)
                    : NatsCluster.builder().servers(nats.urls());
            // a long reclaim grace: a node cut off for a while keeps its clients' vIPs (no fencing in these tests)
            NatsCluster c = b.name(name).nodeName("n" + i).reclaimGrace(Duration.ofMinutes(5)).build();
            ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE).build();
            servers.add(new DospServer(config, c).start());
            clusters.add(c);
        }
        // Every node an origin of every other's directory: three origins reachable on each.
        await().atMost(WAIT).until(() -> servers.stream().allMatch(s -> s.stats().network().reachableOrigins() == 3));
    }

    private DospClient client(int node) {
        DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1", servers.get(node).port())
                .machineHash(String.format("%064x", MACHINES.incrementAndGet())).build());
        clients.add(c);
        return c;
    }

    private static Heard listen(DospClient c) {
        Heard h = new Heard();
        c.addListener(h);
        return h;
    }

    @Test
    void groupsNamesPresenceAndViewsSpanTheNodes() {
        startNodes();
        DospClient a = client(0);
        DospClient b = client(1);
        DospClient c = client(2);
        Heard ha = listen(a);
        Heard hb = listen(b);
        Heard hc = listen(c);

        // A group with members on A, B and C; B sends: A and C receive each message once, B (the sender) never.
        a.network().join("ops");
        c.network().join("ops");
        b.network().join("ops");
        List<Vip> all = List.of(a.vip(), b.vip(), c.vip()).stream().sorted().toList();
        for (DospClient x : List.of(a, b, c)) {
            await().atMost(WAIT).until(() -> x.network().members("ops").equals(all));
        }
        assertThat(b.network().sendToGroup("ops", "one")).isEqualTo(2);
        assertThat(b.network().sendToGroup("ops", "two")).isEqualTo(2);
        await().atMost(WAIT).until(() -> ha.messages.size() >= 2 && hc.messages.size() >= 2);
        a.network().sendToGroup("ops", "three"); // after B's two on every path: a duplicate of theirs would be here
        await().atMost(WAIT).until(() -> hb.messages.size() >= 1 && hc.messages.size() >= 3);
        assertThat(ha.texts()).containsExactly("one", "two");
        assertThat(hc.texts()).containsExactly("one", "two", "three");
        assertThat(hb.texts()).containsExactly("three");
        assertThat(ha.messages.get(0).sender()).isEqualTo(b.vip());
        assertThat(ha.messages.get(0).messageId()).isEqualTo(hc.messages.get(0).messageId());
        assertThat(a.network().groups()).containsEntry("ops", 3L);

        // A name registered on A: resolvable on B and C, and taken for everybody else.
        a.network().register("build-bot");
        for (DospClient x : List.of(b, c)) {
            await().atMost(WAIT).until(() -> x.network().resolve("build-bot").equals(Optional.of(a.vip())));
        }
        assertThatThrownBy(() -> c.network().register("build-bot")).isInstanceOf(NetworkRequestException.class)
                .satisfies(e -> assertThat(((NetworkRequestException) e).status()).isEqualTo("TAKEN"));
        assertThat(b.network().names()).containsEntry("build-bot", a.vip());

        // Network views on any node list every node's clients.
        for (DospClient x : List.of(a, b, c)) {
            await().atMost(WAIT).until(() -> x.network().clients().stream().map(NetworkClient::vip).toList()
                    .containsAll(all));
        }

        // Presence: a watch on C of A's client sees it leave; a watch of the name sees it go with it.
        PresenceTarget aVip = PresenceTarget.vip(a.vip());
        PresenceTarget bot = PresenceTarget.name("build-bot");
        c.network().watch(aVip);
        c.network().watch(bot);
        await().atMost(WAIT).until(() -> hc.events(aVip, a.vip(), true, null) == 1
                && hc.events(bot, a.vip(), true, null) == 1);
        a.close();
        await().atMost(WAIT).until(() -> hc.events(aVip, a.vip(), false, "left") == 1);
        await().atMost(WAIT).until(() -> hc.events(bot, a.vip(), false, null) == 1);
        await().atMost(WAIT).until(() -> b.network().members("ops").equals(List.of(b.vip(), c.vip()).stream().sorted()
                .toList()));
        assertThat(ha.namesLost).isEmpty();

        // Every directory frame crossed NATS once per node: the group messages counted once on each node.
        for (int i = 0; i < 3; i++) {
            assertThat(servers.get(i).stats().network().groupDuplicates()).isZero();
            assertThat(servers.get(i).stats().network().groupMessages()).isEqualTo(3); // each message once per node
            assertThat(clusters.get(i).networkStats().discarded()).isZero();
            assertThat(clusters.get(i).networkStats().incomingDropped()).isZero();
        }
    }

    @Test
    void racingClaimsOfOneNameOnTwoNodesLeaveExactlyOneOwnerEverywhere() throws Exception {
        startNodes();
        DospClient observer = client(0);
        DospClient b = client(1);
        DospClient c = client(2);
        Heard hb = listen(b);
        Heard hc = listen(c);
        List<String> names = List.of("race-1", "race-2", "race-3", "race-4", "race-5");
        for (String name : names) {
            CompletableFuture<Boolean> fb = b.network().registerAsync(name).handle((v, e) -> e == null);
            CompletableFuture<Boolean> fc = c.network().registerAsync(name).handle((v, e) -> e == null);
            boolean okB = fb.get(30, TimeUnit.SECONDS);
            boolean okC = fc.get(30, TimeUnit.SECONDS);
            assertThat(okB || okC).as("one claim of %s at least was accepted", name).isTrue();
        }
        for (String name : names) {
            // One holder in the end, the same on every node; a loser whose claim was accepted heard it lost.
            await().atMost(WAIT).until(() -> b.network().registeredNames().contains(name)
                    != c.network().registeredNames().contains(name));
            DospClient winner = b.network().registeredNames().contains(name) ? b : c;
            for (DospClient x : List.of(observer, b, c)) {
                await().atMost(WAIT).until(() -> x.network().resolve(name).equals(Optional.of(winner.vip())));
            }
            assertThat(observer.network().names()).containsEntry(name, winner.vip());
        }
        List<String> lost = new ArrayList<>(hb.namesLost);
        lost.addAll(hc.namesLost);
        for (String l : lost) {
            String name = l.split(" ")[0];
            DospClient winner = b.network().registeredNames().contains(name) ? b : c;
            assertThat(l).isEqualTo(name + " conflict " + winner.vip());
        }
        assertThat(lost.stream().map(l -> l.split(" ")[0]).distinct().count()).isEqualTo(lost.size());
    }

    @Test
    void aStoppedNodesClientsGroupsAndNamesLeaveTheOtherNodes() {
        startNodes();
        DospClient a = client(0);
        DospClient x = client(1);
        DospClient c = client(2);
        Heard ha = listen(a);
        x.network().join("night-shift");
        x.network().register("gone-soon");
        c.network().join("night-shift");
        PresenceTarget xVip = PresenceTarget.vip(x.vip());
        a.network().watch(xVip);
        for (DospClient y : List.of(a, c)) {
            await().atMost(WAIT).until(() -> y.network().members("night-shift").size() == 2
                    && y.network().resolve("gone-soon").equals(Optional.of(x.vip())));
        }
        await().atMost(WAIT).until(() -> ha.events(xVip, x.vip(), true, null) == 1);

        servers.get(1).close();

        for (DospClient y : List.of(a, c)) {
            await().atMost(WAIT).until(() -> y.network().members("night-shift").equals(List.of(c.vip()))
                    && y.network().resolve("gone-soon").isEmpty()
                    && y.network().clients().stream().noneMatch(n -> n.vip().equals(x.vip())));
        }
        await().atMost(WAIT).until(() -> ha.events(xVip, x.vip(), false, null) == 1);
        // The stopped node's origin went from the others' directories: two reachable origins left on each.
        for (int i : new int[] {0, 2}) {
            await().atMost(WAIT).until(() -> servers.get(i).stats().network().reachableOrigins() == 2);
            assertThat(clusters.get(i).networkStats().linkedNodes()).isEqualTo(1);
            assertThat(clusters.get(i).networkStats().nodesGone()).as("a clean leave, not a lost liveness key").isZero();
        }
        a.network().register("gone-soon"); // free again, for a client of another node
        await().atMost(WAIT).until(() -> c.network().resolve("gone-soon").equals(Optional.of(a.vip())));
    }

    @Test
    void aNodeCutOffHasItsGroupsAndNamesDroppedByTheOthersAndBackWhenItHeals() {
        TcpProxy proxy = TcpProxy.toUrl(nats.url(0));
        try {
            startNodes(proxy);
            DospClient a = client(0);
            DospClient b = client(1);
            DospClient x = client(2);
            Heard ha = listen(a);
            Heard hx = listen(x);
            x.network().join("cut-off");
            x.network().register("cut-name");
            PresenceTarget xVip = PresenceTarget.vip(x.vip());
            a.network().watch(xVip);
            for (DospClient y : List.of(a, b)) {
                await().atMost(WAIT).until(() -> y.network().members("cut-off").equals(List.of(x.vip()))
                        && y.network().resolve("cut-name").equals(Optional.of(x.vip())));
            }

            proxy.cut();
            // Its liveness key expires (L = 6 s): the other nodes drop its origin as an unreachable server's.
            for (DospClient y : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> y.network().members("cut-off").isEmpty()
                        && y.network().resolve("cut-name").isEmpty());
            }
            await().atMost(WAIT).until(() -> ha.events(xVip, x.vip(), false, "unreachable") == 1);
            for (int i : new int[] {0, 1}) {
                assertThat(clusters.get(i).networkStats().nodesGone()).isEqualTo(1);
                assertThat(servers.get(i).stats().network().reachableOrigins()).isEqualTo(2);
            }

            // Meanwhile the name looks free on this side, and a client of node B takes it.
            Heard hb = listen(b);
            b.network().register("cut-name");
            await().atMost(WAIT).until(() -> a.network().resolve("cut-name").equals(Optional.of(b.vip())));

            proxy.heal();
            // Back: the links come up again and its snapshot brings its client, group and name back everywhere.
            for (DospClient y : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> y.network().members("cut-off").equals(List.of(x.vip()))
                        && y.network().resolve("cut-name").equals(Optional.of(x.vip())));
            }
            await().atMost(WAIT).until(() -> ha.events(xVip, x.vip(), true, null) == 2);
            // The earlier claim wins the name back: B's client is told, every node agrees.
            await().atMost(WAIT).until(() -> hb.namesLost.contains("cut-name conflict " + x.vip()));
            assertThat(b.network().registeredNames()).isEmpty();
            for (DospClient y : List.of(a, b, x)) {
                await().atMost(WAIT).until(() -> y.network().resolve("cut-name").equals(Optional.of(x.vip())));
            }
            assertThat(x.network().registeredNames()).containsExactly("cut-name");
            b.network().sendToGroup("cut-off", "after the heal");
            await().atMost(WAIT).until(() -> hx.texts().contains("after the heal"));
            assertThat(hx.texts()).containsExactly("after the heal");
        } finally {
            proxy.close();
        }
    }
}
