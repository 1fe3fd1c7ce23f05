package io.dosp.it.server;

import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.Expect.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.server.DospServer;
import io.dosp.server.Reconfiguration;
import io.dosp.server.ReloadException;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code DospServer.reconfigure} and {@code reload}: what applies live, what is refused, and that nobody is dropped. */
class ReconfigureIT {
    private static final String OTHER_TOKEN = "f".repeat(16) + "0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void limitsListsAndTokensApplyLiveAndRestartOnlySettingsAreRefused() {
        ServerConfig.Builder base = TestServers.config(tmp).access(a -> a.adminToken(TestServers.TOKEN));
        try (DospServer server = DospServer.start(base.build());
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            String banned = TestServers.hash('e');
            Reconfiguration r = server.reconfigure(base.limits(l -> l.maxClients(2))
                    .access(x -> x.bannedHashes(Set.of(banned)).adminTokens(Set.of(OTHER_TOKEN)))
                    .port(server.port() + 1).compression(true).build());
            assertThat(r.applied()).contains("limits.maxClients: 100000 -> 2")
                    .anyMatch(s -> s.startsWith("access.bannedHashes: +[" + banned + "]"))
                    .anyMatch(s -> s.startsWith("access.adminTokens: 1 -> 1 configured"));
            assertThat(r.refused()).anyMatch(s -> s.startsWith("port: ") && s.contains("needs a restart"))
                    .anyMatch(s -> s.startsWith("compression: false -> true"));
            assertThat(r.summary()).doesNotContain(OTHER_TOKEN).doesNotContain(TestServers.TOKEN);

            // Nobody was dropped; the third connection is over the new limit.
            sync(a);
            sync(b);
            try (RawClient c = RawClient.connectRaw(server.port())) {
                assertThat(c.expectExit()).isEqualTo("Server full");
            }
            // The new token works, the old one no longer does.
            a.send(Packets.auth(TestServers.TOKEN));
            assertThat(nextText(a, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
            a.send(Packets.auth(OTHER_TOKEN));
            assertThat(nextText(a, PacketType.AUTH)).isEqualTo("OK");
            // Reloading the same configuration again changes nothing live; the restart-only ones are still reported.
            Reconfiguration again = server.reconfigure(base.build());
            assertThat(again.applied()).isEmpty();
            assertThat(again.refused()).anyMatch(s -> s.startsWith("port: "));
        }
    }

    @Test
    void aBannedHashOnTheNewListIsRefusedAndAConnectedBannedClientIsSentAway() {
        ServerConfig.Builder base = TestServers.config(tmp).access(a -> a.adminToken(TestServers.TOKEN));
        try (DospServer server = DospServer.start(base.build());
             RawClient keep = RawClient.connect(server.port());
             RawClient banned = RawClient.connect(server.port())) {
            keep.send(Packets.clientInfo(TestServers.hash('a')));
            banned.send(Packets.clientInfo(TestServers.hash('b')));
            sync(keep);
            sync(banned);
            server.reconfigure(base.access(x -> x.bannedHashes(Set.of(TestServers.hash('b')))).build());
            assertThat(banned.expectExit()).isEqualTo("Your client hash is blocked");
            sync(keep);
        }
    }

    @Test
    void reloadReadsTheSourceAndAFailingSourceChangesNothing() {
        ServerConfig.Builder base = TestServers.config(tmp).access(a -> a.adminToken(TestServers.TOKEN));
        AtomicReference<ServerConfig> next = new AtomicReference<>();
        try (DospServer server = DospServer.start(base.build());
             RawClient adm = RawClient.connect(server.port())) {
            adm.send(Packets.auth(TestServers.TOKEN));
            assertThat(nextText(adm, PacketType.AUTH)).isEqualTo("OK");
            assertThat(admin(adm, "reload")).startsWith("ERR:This server has no configuration source");
            assertThatThrownBy(server::reload).isInstanceOf(ReloadException.class);

            server.reloadFrom(() -> {
                ServerConfig c = next.get();
                if (c == null) {
                    throw new IllegalArgumentException("dosp.yaml line 3: max_clients: not a number");
                }
                return c;
            });
            assertThat(admin(adm, "reload")).isEqualTo("ERR:reload failed, nothing changed: dosp.yaml line 3: max_clients: not a number");
            assertThat(admin(adm, "stats")).contains("max_clients: 100000");

            next.set(base.limits(l -> l.maxClients(7)).build());
            assertThat(admin(adm, "reload")).startsWith("Reloaded: 1 change applied")
                    .contains("applied: limits.maxClients: 100000 -> 7");
            assertThat(admin(adm, "stats")).contains("max_clients: 7");
            assertThat(admin(adm, "reload")).isEqualTo("Reloaded: nothing changed");
        }
    }
}
