package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.internal.cluster.AclChange;
import io.dosp.server.internal.cluster.AclChange.Kind;
import org.junit.jupiter.api.Test;

/** The access-list bucket's keys (docs/cluster.md "Access lists"): each change maps to one valid key and back. */
class ClusterOpsTest {

    @Test
    void everyKindRoundTripsThroughItsKey() {
        for (AclChange c : new AclChange[] {
                new AclChange(Kind.BAN, "0123abcd", true),
                new AclChange(Kind.BAN, "odd*hash with.dots>", false),
                new AclChange(Kind.WHITELIST, "ffee", true),
                new AclChange(Kind.WHITELIST_MODE, "on", true),
                new AclChange(Kind.BLOCK, "10.7.3.9", true),
                new AclChange(Kind.REVOKE, "dave", false)}) {
            String key = ClusterOps.key(c);
            // NATS KV keys: letters, digits, '-', '_', '/', '=', '.' (no wildcards, no spaces)
            assertThat(key).matches("[A-Za-z0-9_=/.-]+");
            assertThat(ClusterOps.change(key, c.present())).isEqualTo(c);
        }
        assertThat(ClusterOps.key(new AclChange(Kind.BAN, "ab", true))).isEqualTo("ban.6162");
        assertThat(ClusterOps.key(new AclChange(Kind.WHITELIST_MODE, "on", false))).isEqualTo("mode.whitelist");
    }

    @Test
    void keysThatAreNotOursAreIgnored() {
        assertThat(ClusterOps.change("other.thing", true)).isNull();
        assertThat(ClusterOps.change("ban.zz", true)).as("not hex").isNull();
    }

    @Test
    void aGclRequestCarriesTheViewersUserGroupsAndAdminFlag() throws Exception {
        io.dosp.server.internal.session.Principal p =
                new io.dosp.server.internal.session.Principal("alice", java.util.Set.of("ops", "dev"), true, new byte[32]);
        byte[] json = ClusterOps.principalJson(p);
        assertThat(new String(json, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"user\":\"alice\",\"groups\":[\"dev\",\"ops\"],\"admin\":true}");
        io.dosp.server.internal.session.Principal back = ClusterOps.principal(json);
        assertThat(back.user()).isEqualTo("alice");
        assertThat(back.groups()).containsExactlyInAnyOrder("ops", "dev");
        assertThat(back.admin()).isTrue();
        assertThat(ClusterOps.principal(ClusterOps.principalJson(io.dosp.server.internal.session.Principal.ANONYMOUS)).anonymous())
                .isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClusterOps.principal("{}".getBytes()))
                .isInstanceOf(java.io.IOException.class);
    }
}
