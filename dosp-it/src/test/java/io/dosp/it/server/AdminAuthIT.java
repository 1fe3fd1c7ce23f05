package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.auth;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.Expect.sync;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin authentication over real sockets (spec 5.8): configured and generated tokens, the
 * reference token rule, the failure limit, and what non-admins are refused.
 */
class AdminAuthIT {
    /** sha256_hex("admin:changeme"), the reference's default admin token. */
    static final String REFERENCE_TOKEN = "6baeda18c5c461cc8be4ce8007960d99e51045bbbd00fd7f26c976bd9427d8bb";
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void referenceTokenRuleGivesTheKnownToken() throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest("admin:changeme".getBytes(StandardCharsets.UTF_8));
        assertThat(HexFormat.of().formatHex(d)).isEqualTo(REFERENCE_TOKEN);
    }

    @Test
    void configuredTokensAuthenticateAndWrongOnesAreRefused() {
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN).adminToken(REFERENCE_TOKEN)).build());
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            assertThat(server.adminTokenFile()).isEmpty();
            assertThat(Files.exists(tmp.resolve("admin.token"))).as("no token file when tokens are configured").isFalse();

            a.send(Packets.auth("not-the-token-at-all"));
            assertThat(nextText(a, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
            assertThat(admin(a, "help")).isEqualTo("ERR:Not authenticated as admin");

            auth(a, TOKEN);
            assertThat(server.client(a.vip()).orElseThrow().isAdmin()).isTrue();
            assertThat(admin(a, "help")).contains("kick <vip>");

            // The token made by the reference rule, surrounded by whitespace as a line read from a file would be.
            b.send(Packets.auth("  " + REFERENCE_TOKEN + "\n"));
            assertThat(nextText(b, PacketType.AUTH)).isEqualTo("OK");
            assertThat(server.client(b.vip()).orElseThrow().isAdmin()).isTrue();
        }
    }

    @Test
    void tooManyFailedAttemptsEndTheConnection() {
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).limits(l -> l.maxAuthFailures(3)).build());
             RawClient bystander = RawClient.connect(server.port());
             RawClient guesser = RawClient.connect(server.port())) {
            for (int i = 1; i <= 2; i++) {
                guesser.send(Packets.auth("guess-number-" + i + "-xxxxxxxx"));
                assertThat(nextText(guesser, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
            }
            sync(guesser); // still connected after two failures
            guesser.send(Packets.auth(TOKEN.toUpperCase()));
            assertThat(nextText(guesser, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
            assertThat(nextText(guesser, PacketType.EXIT)).isEqualTo("Too many failed authentication attempts");
            assertThat(guesser.closedWithin(CLOSE_TIMEOUT)).isTrue();

            TestServers.awaitExactly(server, bystander.vip());
            assertThat(server.stats().drops(DropReason.AUTH_FAILURES)).isEqualTo(1);
            sync(bystander);
        }
    }

    @Test
    void successResetsTheFailureCount() {
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).limits(l -> l.maxAuthFailures(3)).build());
             RawClient c = RawClient.connect(server.port())) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 2; i++) {
                    c.send(Packets.auth("wrong-token-wrong-token"));
                    assertThat(nextText(c, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
                }
                auth(c, TOKEN);
            }
            sync(c);
            assertThat(server.stats().drops(DropReason.AUTH_FAILURES)).isZero();
        }
    }

    @Test
    void generatedTokenIsWrittenOwnerOnlyWorksAndIsReusedOnRestart() throws Exception {
        Path file = tmp.resolve("state").resolve("admin.token");
        ServerConfig cfg = config(tmp).access(a -> a.adminTokenFile(file)).build();
        String token;
        try (DospServer server = DospServer.start(cfg)) {
            assertThat(server.adminTokenFile()).contains(file.toAbsolutePath());
            assertThat(Files.isRegularFile(file)).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            token = Files.readString(file).trim();
            assertThat(token).matches("[0-9a-f]{64}");
            try (RawClient c = RawClient.connect(server.port())) {
                c.send(Packets.auth("0000000000000000000000000000000000000000000000000000000000000000"));
                assertThat(nextText(c, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
                auth(c, token);
                assertThat(admin(c, "stats")).contains("clients: 1");
            }
        }
        try (DospServer restarted = DospServer.start(cfg);
             RawClient c = RawClient.connect(restarted.port())) {
            assertThat(Files.readString(file).trim()).as("the restart keeps the token").isEqualTo(token);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            auth(c, token);
        }
    }

    @Test
    void generatedTokensDifferPerTokenFile() throws Exception {
        try (DospServer one = DospServer.start(config(tmp).access(a -> a.adminTokenFile(tmp.resolve("one"))).build());
             DospServer two = DospServer.start(config(tmp).access(a -> a.adminTokenFile(tmp.resolve("two"))).build());
             RawClient c = RawClient.connect(two.port())) {
            String t1 = Files.readString(tmp.resolve("one")).trim();
            String t2 = Files.readString(tmp.resolve("two")).trim();
            assertThat(t1).isNotEqualTo(t2);
            c.send(Packets.auth(t1));
            assertThat(nextText(c, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
            auth(c, t2);
        }
    }

    @Test
    void nonAdminsAreRefusedAdminAndBroadcast() {
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).build());
             RawClient plain = RawClient.connect(server.port());
             RawClient other = RawClient.connect(server.port())) {
            assertThat(admin(plain, "clients")).isEqualTo("ERR:Not authenticated as admin");
            assertThat(admin(plain, "kick " + other.vip())).isEqualTo("ERR:Not authenticated as admin");

            plain.send(Packets.bcst("hello everyone"));
            SimplePacket err = next(plain, PacketType.ERR);
            assertThat(err.bodyText()).isEqualTo("ERR:Admin only");

            // Nothing reached the other client, and the refused one is still connected.
            sync(other);
            sync(plain);
            assertThat(server.clients()).hasSize(2);
        }
    }

    @Test
    void adminBroadcastReachesEveryOtherClient() {
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).build());
             RawClient adm = RawClient.connect(server.port());
             RawClient x = RawClient.connect(server.port());
             RawClient y = RawClient.connect(server.port());
             RawClient z = RawClient.connect(server.port())) {
            auth(adm, TOKEN);
            adm.send(Packets.bcst("maintenance at 10:00"));
            // The reply comes first: a MSG to the admin itself would have been queued before it.
            assertThat(nextText(adm, PacketType.BCST)).isEqualTo("Broadcast sent to 3 clients");
            for (RawClient c : new RawClient[] {x, y, z}) {
                assertThat(nextText(c, PacketType.MSG)).isEqualTo("maintenance at 10:00");
            }
            sync(adm);

            z.close();
            TestServers.awaitExactly(server, adm.vip(), x.vip(), y.vip());
            adm.send(Packets.bcst("second"));
            assertThat(nextText(adm, PacketType.BCST)).isEqualTo("Broadcast sent to 2 clients");
            assertThat(nextText(x, PacketType.MSG)).isEqualTo("second");
            assertThat(nextText(y, PacketType.MSG)).isEqualTo("second");
        }
    }

    @Test
    void exitEndsAdminRights() {
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.adminToken(TOKEN)).build());
             RawClient c = RawClient.connect(server.port());
             RawClient other = RawClient.connect(server.port())) {
            auth(c, TOKEN);
            assertThat(admin(c, "exit")).isEqualTo("Admin session ended");
            assertThat(server.client(c.vip()).orElseThrow().isAdmin()).isFalse();
            assertThat(admin(c, "clients")).isEqualTo("ERR:Not authenticated as admin");
            c.send(Packets.bcst("no longer allowed"));
            assertThat(nextText(c, PacketType.ERR)).isEqualTo("ERR:Admin only");
            sync(other); // got no MSG
            auth(c, TOKEN); // and may authenticate again
            assertThat(admin(c, "clients")).startsWith("1 client and 1 admin connection");
        }
    }
}
