package io.dosp.it.server;

import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link DospServer} offers front ends such as the monitoring listener: {@code isListening},
 * {@code isAdminToken}, {@code kick} and {@code ban} (the admin commands' effects, without an admin session).
 */
class ServerFrontEndApiIT {
    @TempDir
    Path tmp;

    @Test
    void isListeningFollowsStartAndClose() {
        DospServer server = new DospServer(TestServers.config(tmp).access(a -> a.adminToken(TOKEN)).build());
        assertThat(server.isListening()).isFalse();
        server.start();
        assertThat(server.isListening()).isTrue();
        server.close();
        assertThat(server.isListening()).isFalse();
    }

    @Test
    void aLocalOnlyServerListensOnItsLocalTransport() {
        try (DospServer server = DospServer.start(ServerConfig.builder().tcp(false).localTransport(true)
                .localName("front-end-api-" + System.nanoTime()).access(a -> a.adminToken(TOKEN)
                        .adminTokenFile(tmp.resolve("t"))).build())) {
            assertThat(server.isListening()).isTrue();
        }
    }

    @Test
    void isAdminTokenAcceptsTheConfiguredTokenOnly() {
        try (DospServer server = TestServers.start(tmp)) {
            assertThat(server.isAdminToken(TOKEN)).isTrue();
            assertThat(server.isAdminToken(TOKEN + "x")).isFalse();
            assertThat(server.isAdminToken("")).isFalse();
            assertThat(server.isAdminToken(null)).isFalse();
        }
    }

    @Test
    void kickSendsTheAdminsExitAndBanRefusesTheHashAfterwards() {
        try (DospServer server = TestServers.start(tmp);
             RawClient noHash = RawClient.connect(portOf(server));
             RawClient hashed = RawClient.connect(portOf(server))) {
            String hash = "ef".repeat(32);
            hashed.send(Packets.clientInfo(hash));
            await().atMost(AWAIT).until(() -> server.client(hashed.vip()).flatMap(c -> c.machineHash()).isPresent());

            assertThat(server.kick(Vip.parse("7.10.0.200"))).isFalse();
            assertThat(server.ban(Vip.parse("7.10.0.200"))).isEmpty();
            assertThatThrownBy(() -> server.ban(noHash.vip())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has not sent a client hash");

            assertThat(server.kick(noHash.vip())).isTrue();
            assertThat(noHash.expectExit()).isEqualTo("Disconnected by admin");

            assertThat(server.ban(hashed.vip())).isEqualTo(Optional.of(hash));
            assertThat(hashed.expectExit()).isEqualTo("Your client hash is blocked");
            TestServers.awaitExactly(server);

            long before = server.stats().drops(DropReason.BANNED);
            try (RawClient again = RawClient.connect(portOf(server))) {
                again.send(Packets.clientInfo(hash));
                assertThat(again.expectExit()).isEqualTo("Your client hash is blocked");
            }
            assertThat(server.stats().drops(DropReason.BANNED)).isEqualTo(before + 1);
        }
    }

    private static int portOf(DospServer server) {
        return server.port();
    }
}
