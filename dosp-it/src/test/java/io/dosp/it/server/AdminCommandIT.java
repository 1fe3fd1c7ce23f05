package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.auth;
import static io.dosp.testkit.Expect.exchange;
import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.Expect.sync;
import static io.dosp.testkit.TestServers.config;
import static io.dosp.testkit.TestServers.vip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Expect;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ADMIN commands that inspect and manage clients (spec 5.8): help, clients, client, kick,
 * stats, broadcast, unknown commands and usage errors. Access-control commands are in
 * {@link AdminAccessIT}.
 */
class AdminCommandIT {
    static final String TOKEN = AdminAuthIT.TOKEN;

    @TempDir
    Path tmp;
    DospServer server;
    RawClient adm;

    @BeforeEach
    void startServerAndAdmin() {
        server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).build());
        adm = RawClient.connect(server.port());
        assertThat(adm.vip()).isEqualTo(vip("7.10.0.2"));
        auth(adm, TOKEN);
    }

    @AfterEach
    void stop() {
        adm.close();
        server.close();
    }

    @Test
    void helpListsEveryReferenceCommand() {
        String help = admin(adm, "help");
        for (String cmd : List.of("help", "clients", "client <vip>", "kick <vip>", "ban <vip>", "unban <hash>",
                "whitelist <hash>", "whitelist-remove <hash>", "whitelist-on", "whitelist-off", "block <vip>",
                "unblock <vip>", "stats", "broadcast <message>", "peers", "routes", "peer-add", "peer-remove", "reload",
                "drain [DURATION]", "exit")) {
            assertThat(help).contains(cmd);
        }
        assertThat(admin(adm, "HELP")).as("commands are case-insensitive").isEqualTo(help);
    }

    @Test
    void clientsListsEveryVip() {
        try (RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            b.send(Packets.clientInfo(TestServers.hash('b')));
            sync(b);
            String list = admin(adm, "clients");
            String[] lines = list.split("\n");
            assertThat(lines[0]).as("the admin connection is said separately").isEqualTo("2 clients and 1 admin connection");
            assertThat(lines).hasSize(4);
            assertThat(lines[1]).startsWith("7.10.0.2 ").contains("admin");
            assertThat(lines[2]).startsWith(a.vip() + " ").contains("hash=-").doesNotContain("admin");
            assertThat(lines[3]).startsWith(b.vip() + " ").contains("hash=bbbbbbbbbbbb...");
        }
    }

    @Test
    void clientShowsOneClientsCounters() {
        try (RawClient c = RawClient.connect(server.port())) {
            for (int i = 0; i < 3; i++) {
                c.send(Packets.ping());
                nextText(c, PacketType.PING);
            }
            String info = admin(adm, "client " + c.vip());
            assertThat(info.split("\n")).contains(
                    "vip: " + c.vip(),
                    "admin: false",
                    "hash: -",
                    "compression: false",
                    "packets_in: 3",
                    "packets_out: 5", // AIP, HSK and three PING replies
                    "bytes_in: 15",
                    "bytes_out: " + (9 + 5 + c.handshake().encode().length + 15));
            assertThat(admin(adm, "client 7.10.0.200")).isEqualTo("ERR:No client with vIP 7.10.0.200");
            assertThat(admin(adm, "client not-an-ip")).startsWith("ERR:");
        }
    }

    @Test
    void kickDisconnectsFreesTheVipAndItIsReused() {
        try (RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port());
             RawClient c = RawClient.connect(server.port())) {
            Vip kicked = b.vip();
            assertThat(kicked).isEqualTo(vip("7.10.0.4"));
            assertThat(admin(adm, "kick " + kicked)).isEqualTo("Kicked " + kicked);
            assertThat(b.expectExit()).isEqualTo("Disconnected by admin");
            assertThat(b.closedWithin(CLOSE_TIMEOUT)).isTrue();
            TestServers.awaitExactly(server, adm.vip(), a.vip(), c.vip());

            adm.send(Packets.gclRequest());
            SimplePacket gcl = Expect.next(adm, PacketType.GCL);
            assertThat(Packets.parseVipList(gcl.body())).containsExactlyInAnyOrder(adm.vip(), a.vip(), c.vip());
            assertThat(admin(adm, "client " + kicked)).isEqualTo("ERR:No client with vIP " + kicked);

            try (RawClient next = RawClient.connect(server.port())) {
                assertThat(next.vip()).as("lowest free vIP is the kicked one").isEqualTo(kicked);
                exchange(next, a, "after-kick");
            }
            assertThat(admin(adm, "kick 7.10.0.77")).isEqualTo("ERR:No client with vIP 7.10.0.77");
        }
    }

    @Test
    void statsReportsServerCounters() {
        try (RawClient c = RawClient.connect(server.port())) {
            c.send(Packets.s2c(vip("7.10.0.99"), "x".getBytes()));
            assertThat(nextText(c, PacketType.ERR)).isNotNull();
            String stats = admin(adm, "stats");
            assertThat(stats.split("\n")).contains(
                    "clients: 2",
                    "max_clients: " + Limits.DEFAULT_MAX_CLIENTS,
                    "template: 7.10.0.x",
                    "connections_accepted: 2",
                    "banned_hashes: 0",
                    "whitelist: off (0 hashes)",
                    "drops.no_route: 1",
                    "drops.outbound_limit: 0");
            assertThat(stats).contains("started_at: ", "packets_in: ", "bytes_out: ");
        }
    }

    @Test
    void statsReportsFlowControl() {
        String stats = admin(adm, "stats");
        assertThat(stats.split("\n")).contains(
                "flow.senders_paused: 0",
                "flow.memory_budget: " + Limits.derivedMemoryBudget(),
                "drops.queued_at_close: 0",
                "drops.memory_budget: 0",
                "drops.out_of_memory: 0");
        assertThat(stats).contains("flow.pauses: ", "flow.memory_in_use: ", "flow.memory_peak: ");
    }

    @Test
    void broadcastCommandSendsMsgToEveryOtherClient() {
        try (RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            assertThat(admin(adm, "broadcast  server restarts in 5 minutes ")).isEqualTo("Broadcast sent to 2 clients");
            assertThat(nextText(a, PacketType.MSG)).isEqualTo("server restarts in 5 minutes");
            assertThat(nextText(b, PacketType.MSG)).isEqualTo("server restarts in 5 minutes");
            sync(adm); // the admin got no MSG of its own
        }
    }

    @Test
    void admissionCommandsSayWhenAdmissionIsOff() {
        assertThat(admin(adm, "help")).contains("users", "revoke <user>", "unrevoke <user>");
        assertThat(admin(adm, "users")).isEqualTo("ERR:Client admission is off");
        assertThat(admin(adm, "revoke bob")).isEqualTo("ERR:Client admission is off");
        assertThat(admin(adm, "unrevoke bob")).isEqualTo("ERR:Client admission is off");
        assertThat(admin(adm, "revoke")).isEqualTo("ERR:Usage: revoke <user>");
    }

    @Test
    void unknownCommandsAndUsageErrors() {
        assertThat(admin(adm, "frobnicate now")).isEqualTo("ERR:Unknown command 'frobnicate' (try 'help')");
        assertThat(admin(adm, "")).startsWith("ERR:");
        for (String usage : List.of("client", "kick", "ban", "unban", "whitelist", "whitelist-remove", "block",
                "unblock", "broadcast")) {
            assertThat(admin(adm, usage)).as(usage).startsWith("ERR:Usage: " + usage + " <");
        }
        assertThat(admin(adm, "unban two words")).isEqualTo("ERR:Usage: unban <hash>");
        assertThat(admin(adm, "kick 999.1.1.1")).startsWith("ERR:");
        assertThat(admin(adm, "block 7.10.0")).startsWith("ERR:");
        // Still an admin after all the errors.
        assertThat(admin(adm, "clients")).startsWith("0 clients and 1 admin connection");
    }

    @Test
    void adminCommandsWorkInsideMpak() {
        try (RawClient a = RawClient.connect(server.port())) {
            adm.send(Packets.mpak(List.of(Packets.admin("kick " + a.vip()), Packets.admin("help"))));
            assertThat(nextText(adm, PacketType.ADMIN)).isEqualTo("Kicked " + a.vip());
            assertThat(nextText(adm, PacketType.ADMIN)).contains("kick <vip>");
            assertThat(a.expectExit()).isEqualTo("Disconnected by admin");
            await().atMost(TestServers.AWAIT).until(() -> server.client(a.vip()).isEmpty());
        }
    }
}
