package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Vip;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private static final String TOKEN = "0123456789abcdef";

    @Test
    void defaultsAreTheDocumentedConstants() {
        AccessPolicy a = AccessPolicy.defaults();
        assertThat(a.adminTokens()).isEmpty();
        assertThat(a.adminTokenFile()).as("an embedded server writes no file unless asked").isNull();
        assertThat(a.bannedHashes()).isEmpty();
        assertThat(a.whitelistHashes()).isEmpty();
        assertThat(a.whitelistEnabled()).isEqualTo(AccessPolicy.DEFAULT_WHITELIST_ENABLED).isFalse();
        assertThat(a.blockedVips()).isEqualTo(AccessPolicy.DEFAULT_BLOCKED_VIPS)
                .containsExactlyInAnyOrder(Vip.ZERO, Vip.parse("127.0.0.1"));
        assertThat(a.bannedAddresses()).isEmpty();
    }

    @Test
    void everyRuleNamesItsField() {
        assertThat(AccessPolicy.builder().adminTokenFile(null).build().adminTokenFile()).as("no file: memory only").isNull();
        assertThat(fieldOf(() -> AccessPolicy.builder().adminToken("short").build())).isEqualTo("access.adminTokens");
        assertThat(fieldOf(() -> AccessPolicy.builder().adminToken("0123456789 abcdef").build())).isEqualTo("access.adminTokens");
        assertThat(fieldOf(() -> AccessPolicy.builder().adminTokens(Set.of(TOKEN, "x")).build())).isEqualTo("access.adminTokens");
    }

    @Test
    void hashesAreKeptInLowerCase() {
        AccessPolicy a = AccessPolicy.builder().bannedHashes(Set.of("ABcd")).whitelistHashes(Set.of("EF")).build();
        assertThat(a.bannedHashes()).containsExactly("abcd");
        assertThat(a.whitelistHashes()).containsExactly("ef");
    }

    @Test
    void toBuilderRoundTrips() {
        AccessPolicy a = AccessPolicy.builder().adminToken(TOKEN).adminTokenFile(Path.of("t")).bannedHashes(Set.of("aa"))
                .whitelistHashes(Set.of("bb")).whitelistEnabled(true).blockedVips(Set.of(Vip.parse("7.10.0.9")))
                .bannedAddresses(Set.of("10.0.0.1")).build();
        assertThat(a.toBuilder().build()).usingRecursiveComparison().isEqualTo(a);
        assertThat(a.toBuilder().adminToken(TOKEN + "2").build().adminTokens()).containsExactlyInAnyOrder(TOKEN, TOKEN + "2");
        assertThat(a.adminTokens()).containsExactly(TOKEN);
    }
}
