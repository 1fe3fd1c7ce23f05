package io.dosp.server.internal.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.ServerConfig;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Ban list, whitelist and banned addresses: seeded from the config, changed at runtime. (Blocked vIPs
 * live in the vIP table: {@code VipTableTest}.)
 */
class AccessControlTest {
    private static final String H1 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String H2 = "ab".repeat(32);

    private final AccessControl access = new AccessControl(ServerConfig.builder().build());

    @Test
    void banAndUnbanIgnoreCaseAndSurroundingWhitespace() {
        assertThat(access.isBanned(H1)).isFalse();
        assertThat(access.ban(" " + H1.toUpperCase() + "\n")).isTrue();
        assertThat(access.ban(H1)).as("already banned").isFalse();
        assertThat(access.isBanned(H1)).isTrue();
        assertThat(access.isBanned(H1.toUpperCase())).isTrue();
        assertThat(access.isBanned(H2)).isFalse();
        assertThat(access.bannedCount()).isEqualTo(1);

        assertThat(access.unban(H1.toUpperCase())).isTrue();
        assertThat(access.unban(H1)).as("no longer banned").isFalse();
        assertThat(access.isBanned(H1)).isFalse();
        assertThat(access.bannedCount()).isZero();
    }

    @Test
    void whitelistEntriesAndTheModeAreSeparate() {
        assertThat(access.whitelistEnabled()).isFalse();
        assertThat(access.whitelistAdd(H1)).isTrue();
        assertThat(access.whitelistAdd(H1.toUpperCase())).as("already listed").isFalse();
        assertThat(access.whitelistAdd(H2)).isTrue();
        assertThat(access.whitelistCount()).isEqualTo(2);
        assertThat(access.isWhitelisted(" " + H1 + " ")).isTrue();
        assertThat(access.whitelistEnabled()).as("listing does not turn the mode on").isFalse();

        access.whitelistEnabled(true);
        assertThat(access.whitelistEnabled()).isTrue();
        assertThat(access.whitelistRemove(H2.toUpperCase())).isTrue();
        assertThat(access.whitelistRemove(H2)).isFalse();
        assertThat(access.isWhitelisted(H2)).isFalse();
        assertThat(access.whitelistCount()).isEqualTo(1);
        access.whitelistEnabled(false);
        assertThat(access.whitelistEnabled()).isFalse();
        assertThat(access.isWhitelisted(H1)).as("turning the mode off keeps the list").isTrue();
    }

    @Test
    void theConfigSeedsEveryList() {
        AccessControl seeded = new AccessControl(ServerConfig.builder()
                .access(a -> a.bannedHashes(Set.of(H1.toUpperCase()))
                        .whitelistHashes(Set.of(H2))
                        .whitelistEnabled(true)
                        .bannedAddresses(Set.of("192.0.2.1")))
                .build());
        assertThat(seeded.isBanned(H1)).isTrue();
        assertThat(seeded.bannedCount()).isEqualTo(1);
        assertThat(seeded.isWhitelisted(H2)).isTrue();
        assertThat(seeded.whitelistCount()).isEqualTo(1);
        assertThat(seeded.whitelistEnabled()).isTrue();
        assertThat(seeded.isAddressBanned("192.0.2.1")).isTrue();
        assertThat(seeded.isAddressBanned("192.0.2.10")).as("exact address, not a prefix").isFalse();
        assertThat(access.isAddressBanned("192.0.2.1")).isFalse();
    }

    @Test
    void runtimeChangesDoNotTouchTheConfig() {
        ServerConfig config = ServerConfig.builder().access(a -> a.bannedHashes(Set.of(H1))).build();
        AccessControl a = new AccessControl(config);
        a.unban(H1);
        a.ban(H2);
        assertThat(config.access().bannedHashes()).containsExactly(H1);
        assertThat(new AccessControl(config).isBanned(H1)).isTrue();
    }
}
