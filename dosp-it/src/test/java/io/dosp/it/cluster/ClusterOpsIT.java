package io.dosp.it.cluster;

import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.auth;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.Expect.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.LoginFailedException;
import io.dosp.cluster.NatsCluster;
import io.dosp.crypto.Scram;
import io.dosp.protocol.Login;
import io.dosp.server.AdmissionConfig;
import java.nio.file.Files;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin commands, broadcasts and access lists across a cluster: three DoSP nodes in this JVM on one real
 * nats-server, raw clients over TCP, the admin connected to node A (index 0).
 */
class ClusterOpsIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.7.0.0/16");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static NatsServers nats;

    @TempDir
    Path tmp;
    private String name;
    private final List<DospServer> servers = new ArrayList<>();
    private final List<RawClient> clients = new ArrayList<>();
    private RawClient adm;

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
        clients.forEach(RawClient::close);
        servers.forEach(DospServer::close);
    }

    /** Three nodes of a new cluster and an authenticated admin on node 0. */
    private void startNodes() {
        startNodes(b -> b);
        adm = client(0);
        auth(adm, TestServers.TOKEN);
        awaitThreeNodes(() -> admin(adm, "stats"));
    }

    /** Three nodes of a new cluster, their configurations edited by {@code edit}. */
    private void startNodes(UnaryOperator<ServerConfig.Builder> edit) {
        name = "ops" + CLUSTERS.incrementAndGet() + "x" + ProcessHandle.current().pid();
        for (int i = 0; i < 3; i++) {
            NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n" + i).build();
            ServerConfig config = edit.apply(TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE)
                    .access(a -> a.adminToken(TestServers.TOKEN)).limits(l -> l.maxConnectionsPerAddress(1000))).build();
            servers.add(new DospServer(config, c).start());
        }
    }

    private static void awaitThreeNodes(java.util.concurrent.Callable<String> stats) {
        // node 0's liveness poll has seen the others (they are asked by the gathers)
        await().atMost(AWAIT).untilAsserted(() -> assertThat(stats.call()).contains("cluster.nodes: 3"));
    }

    private RawClient client(int node) {
        RawClient c = RawClient.connect(servers.get(node).port());
        clients.add(c);
        sync(c); // a valid first packet, and the session is up
        return c;
    }

    /** A client on {@code node} that sent {@code hash} as its CLIENT_INFO. */
    private RawClient clientWithHash(int node, String hash) {
        RawClient c = RawClient.connect(servers.get(node).port());
        clients.add(c);
        c.send(Packets.clientInfo(hash));
        return c;
    }

    private static String msg(RawClient c) {
        return nextText(c, PacketType.MSG);
    }

    @Test
    void bcstAndAdminBroadcastReachEveryOtherClientOfEveryNodeExactlyOnce() {
        startNodes();
        RawClient a = client(0);
        RawClient b = client(1);
        RawClient c = client(2);
        adm.send(Packets.bcst("first"));
        assertThat(nextText(adm, PacketType.BCST)).isEqualTo("Broadcast sent to 3 clients");
        assertThat(admin(adm, "broadcast second")).isEqualTo("Broadcast sent to 3 clients");
        for (RawClient r : List.of(a, b, c)) {
            // in order and once each: a duplicate of "first" would come before "second"
            assertThat(msg(r)).isEqualTo("first");
            assertThat(msg(r)).isEqualTo("second");
            sync(r);
        }
        sync(adm); // the sender got neither
        // The Java API on node B: its own client counted, every node's clients reached (the admin too this time).
        assertThat(servers.get(1).broadcast("third")).isEqualTo(1);
        for (RawClient r : List.of(a, b, c, adm)) {
            assertThat(msg(r)).isEqualTo("third");
            sync(r);
        }
    }

    @Test
    void kickAndClientOfAVipOnAnotherNodeRunOnItsNode() {
        startNodes();
        RawClient c = client(2);
        assertThat(admin(adm, "client " + c.vip())).contains("vip: " + c.vip(), "packets_in: ");
        // Pipelined: the remote command's reply comes before that of the local one sent after it.
        adm.send(Packets.admin("client " + c.vip()));
        adm.send(Packets.admin("whitelist-off"));
        assertThat(nextText(adm, PacketType.ADMIN)).startsWith("vip: " + c.vip());
        assertThat(nextText(adm, PacketType.ADMIN)).isEqualTo("Whitelist mode off");
        assertThat(admin(adm, "kick " + c.vip())).isEqualTo("Kicked " + c.vip());
        assertThat(c.expectExit()).isEqualTo(ServerExitReason.KICKED.text());
        await().atMost(AWAIT).untilAsserted(() ->
                assertThat(admin(adm, "kick " + c.vip())).isEqualTo("ERR:No client with vIP " + c.vip()));
    }

    @Test
    void banAtOneNodeSendsAwayAndRefusesTheHashOnEveryNodeUntilUnbanned() {
        startNodes();
        String h = TestServers.hash('c');
        RawClient onC = clientWithHash(2, h);
        sync(onC);
        RawClient onB = clientWithHash(1, h);
        sync(onB);
        assertThat(admin(adm, "ban " + onC.vip())).isEqualTo("Banned " + h + " and disconnected " + onC.vip());
        assertThat(onC.expectExit()).isEqualTo(ServerExitReason.HASH_BLOCKED.text());
        assertThat(onB.expectExit()).as("the same hash on another node").isEqualTo(ServerExitReason.HASH_BLOCKED.text());
        for (int node = 0; node < 3; node++) {
            assertThat(clientWithHash(node, h).expectExit()).as("node %d", node).isEqualTo(ServerExitReason.HASH_BLOCKED.text());
        }
        assertThat(admin(adm, "stats")).contains("total.banned_hashes: 3");

        assertThat(admin(adm, "unban " + h)).isEqualTo("Unbanned " + h);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(admin(adm, "stats")).contains("total.banned_hashes: 0"));
        for (int node = 0; node < 3; node++) {
            sync(clientWithHash(node, h));
        }
    }

    @Test
    void whitelistAndItsModeAtOneNodeHoldOnEveryNode() {
        startNodes();
        String ok = TestServers.hash('w');
        String other = TestServers.hash('x');
        assertThat(admin(adm, "whitelist " + ok)).isEqualTo("Whitelisted " + ok);
        assertThat(admin(adm, "whitelist-on")).startsWith("Whitelist mode on");
        await().atMost(AWAIT).untilAsserted(() -> assertThat(admin(adm, "stats"))
                .contains("== node", "whitelist: on (1 hashes)").doesNotContain("whitelist: off"));
        for (int node = 1; node < 3; node++) {
            sync(clientWithHash(node, ok));
            assertThat(clientWithHash(node, other).expectExit()).as("node %d", node)
                    .isEqualTo(ServerExitReason.NOT_WHITELISTED.text());
        }
        assertThat(admin(adm, "whitelist-off")).isEqualTo("Whitelist mode off");
        await().atMost(AWAIT).untilAsserted(() -> assertThat(admin(adm, "stats")).doesNotContain("whitelist: on"));
        sync(clientWithHash(2, other));
        assertThat(admin(adm, "whitelist-remove " + ok)).isEqualTo("Removed " + ok + " from the whitelist");
        await().atMost(AWAIT).untilAsserted(() -> assertThat(admin(adm, "stats")).doesNotContain("(1 hashes)"));
    }

    @Test
    void blockAtOneNodeRefusesTheVipOnEveryNode() {
        startNodes();
        RawClient c = client(2);
        Vip wanted = Vip.parse("10.7.201.7");
        assertThat(admin(adm, "block " + wanted)).isEqualTo("Blocked " + wanted);
        await().atMost(AWAIT).untilAsserted(() -> {
            c.send(Packets.rqip(wanted));
            assertThat(rqipReply(c)).startsWith("E:");
        });
        assertThat(admin(adm, "unblock " + wanted)).isEqualTo("Unblocked " + wanted);
        await().atMost(AWAIT).untilAsserted(() -> {
            c.send(Packets.rqip(wanted));
            assertThat(rqipReply(c)).startsWith("D:");
        });
    }

    private static String rqipReply(RawClient c) {
        return ((SimplePacket) c.receive(PacketType.RQIP)).bodyText();
    }

    @Test
    void statsAndClientsGatherEveryNode() {
        startNodes();
        RawClient a = client(0);
        RawClient b = client(1);
        RawClient c1 = client(2);
        RawClient c2 = client(2);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(admin(adm, "stats")).contains("cluster.nodes: 3"));
        String stats = admin(adm, "stats");
        assertThat(stats).contains("cluster.answered: 3", "cluster.partial: no", "total.clients: 5");
        assertThat(stats.split("\n== node ")).hasSize(4);
        String list = admin(adm, "clients");
        assertThat(list.lines().findFirst().orElseThrow()).isEqualTo("5 connections on 3 nodes");
        for (RawClient r : List.of(adm, a, b, c1, c2)) {
            assertThat(list).contains("\n" + r.vip() + "  ");
        }
    }

    @Test
    void aNodeThatLeftIsNotAskedAndOneThatDoesNotAnswerIsReportedClearly() throws Exception {
        startNodes();
        RawClient c = client(2);
        Vip onC = c.vip();
        servers.get(2).close(); // a clean stop: its liveness key and its claims go
        await().atMost(AWAIT).untilAsserted(() -> assertThat(admin(adm, "stats")).contains("cluster.nodes: 2", "cluster.partial: no"));
        await().atMost(AWAIT).untilAsserted(() ->
                assertThat(admin(adm, "kick " + onC)).isEqualTo("ERR:No client with vIP " + onC));

        // A node that died without leaving (as after SIGKILL, within its liveness TTL): listed, holding a vIP, silent.
        Vip ghostVip = Vip.parse("10.7.250.1");
        try (Connection nc = Nats.connect(nats.url(0))) {
            Runnable ghostAlive = () -> {
                try {
                    nc.keyValue("dosp_" + name + "_nodes").put("node.ghost-1", "{\"epoch\":1}".getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            ghostAlive.run();
            nc.keyValue("dosp_" + name + "_vip").put("ip." + ghostVip,
                    "{\"node\":\"ghost-1\",\"epoch\":1,\"since\":1,\"state\":\"held\"}".getBytes(StandardCharsets.UTF_8));
            await().atMost(AWAIT).untilAsserted(() -> {
                ghostAlive.run();
                assertThat(admin(adm, "stats")).contains("cluster.nodes: 3");
            });
            ghostAlive.run();
            String stats = admin(adm, "stats");
            assertThat(stats).contains("cluster.answered: 2", "cluster.partial: yes, no answer from ghost-1 (");
            ghostAlive.run();
            assertThat(admin(adm, "kick " + ghostVip)).startsWith("ERR:node ghost-1 did not answer");
            ghostAlive.run();
            assertThat(admin(adm, "broadcast hello")).startsWith("Broadcast sent to 0 clients (partial: ghost-1 (no answer");
        }
    }

    /** A users-file line; 4096 iterations keep the test fast. */
    private static String user(String name, String password, String attributes) {
        return AdmissionConfig.User.parseLine("user " + name + " "
                + Scram.verifier(password.toCharArray(), "ops-it-salt".getBytes(StandardCharsets.US_ASCII), 4096).encode()
                + " " + attributes).toLine();
    }

    @Test
    void revokeAtOneNodeEndsTheUsersSessionsAndRefusesItsLoginsOnEveryNode() throws Exception {
        Path users = tmp.resolve("users");
        Files.createDirectories(tmp);
        Files.write(users, List.of(user("alice", "alice-pw", "admin groups=ops"), user("dave", "dave-pw", "groups=ops")));
        startNodes(b -> b.admission(a -> a.enabled(true).usersFile(users).loginTimeout(Duration.ofSeconds(10))));
        try (DospClient alice = DospClient.connect(TestServers.options(servers.get(0)).login("alice", "alice-pw".toCharArray()).build())) {
            awaitThreeNodes(() -> alice.admin().command("stats"));
            List<DisconnectedException> ended = new CopyOnWriteArrayList<>();
            DospClient dave = DospClient.connect(TestServers.options(servers.get(2)).login("dave", "dave-pw".toCharArray()).build());
            try (dave) {
                dave.addListener(new ClientListener() {
                    @Override
                    public void onDisconnected(DisconnectedException cause) {
                        ended.add(cause);
                    }
                });
                String usersList = alice.admin().command("users");
                assertThat(usersList).contains("cluster.answered: 3", "== node ").contains("online=" + dave.vip());
                assertThat(alice.admin().command("revoke dave")).isEqualTo("Revoked dave; 0 session(s) ended");
                await().atMost(AWAIT).until(() -> !ended.isEmpty());
                assertThat(ended.get(0).serverReason()).isEqualTo(ServerExitReason.ACCESS_REVOKED.text());
            }
            for (int node = 0; node < 3; node++) {
                int n = node;
                await().atMost(AWAIT).untilAsserted(() -> assertThatThrownBy(() -> DospClient.connect(
                        TestServers.options(servers.get(n)).login("dave", "dave-pw".toCharArray()).build()).close())
                        .isInstanceOfSatisfying(LoginFailedException.class,
                                e -> assertThat(e.code()).isEqualTo(Login.FailureCode.REVOKED)));
            }
            assertThat(alice.admin().command("unrevoke dave")).isEqualTo("Unrevoked dave");
            await().atMost(AWAIT).untilAsserted(() -> {
                try (DospClient again = DospClient.connect(
                        TestServers.options(servers.get(1)).login("dave", "dave-pw".toCharArray()).build())) {
                    assertThat(again.vip()).isNotNull();
                }
            });
        }
    }

    @Test
    void gclWithAdmissionListsWhatTheGrantsAllowOnEveryNode() throws Exception {
        Path users = tmp.resolve("users");
        Files.createDirectories(tmp);
        Files.write(users, List.of(user("alice", "alice-pw", "groups=ops"), user("bob", "bob-pw", "groups=devices"),
                user("carol", "carol-pw", "groups=other"), user("root", "root-pw", "admin groups=admins"),
                "grant group:ops -> user:bob, group:ops", "grant user:bob -> group:ops"));
        startNodes(b -> b.admission(a -> a.enabled(true).usersFile(users).loginTimeout(Duration.ofSeconds(10))));
        try (DospClient root = login(0, "root");
                DospClient alice = login(0, "alice");
                DospClient bob = login(1, "bob");
                DospClient carol = login(2, "carol");
                DospClient alice2 = login(2, "alice")) {
            awaitThreeNodes(() -> root.admin().command("stats"));
            // alice (group ops) may reach bob and group ops on any node; carol nobody; bob group ops. (Awaited: each
            // node asks the nodes its registry mirror and liveness know of, a few ms behind the logins.)
            await().atMost(AWAIT).untilAsserted(() -> {
                assertThat(alice.clients()).containsExactlyInAnyOrder(alice.vip(), alice2.vip(), bob.vip());
                assertThat(alice2.clients()).containsExactlyInAnyOrder(alice.vip(), alice2.vip(), bob.vip());
                assertThat(bob.clients()).containsExactlyInAnyOrder(bob.vip(), alice.vip(), alice2.vip());
            });
            assertThat(carol.clients()).containsExactly(carol.vip());
        }
    }

    private DospClient login(int node, String user) {
        return DospClient.connect(TestServers.options(servers.get(node)).login(user, (user + "-pw").toCharArray()).build());
    }
}
