package io.dosp.server.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.server.AdmissionConfig;
import io.dosp.server.internal.session.Principal;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Grants: open with none, default deny with some, principals by user, group, anonymous, * and remote. */
class GrantPolicyTest {
    private static final Principal ALICE = new Principal("alice", Set.of("ops"), true, null);
    private static final Principal BOB = new Principal("bob", Set.of("devices"), false, null);
    private static final Principal CAROL = new Principal("carol", Set.of(), false, null);

    @Test
    void withoutGrantsEveryoneAdmittedReachesEveryone() {
        GrantPolicy open = new GrantPolicy(List.of());
        assertThat(open.open()).isTrue();
        assertThat(open.allows(CAROL, ALICE)).isTrue();
        assertThat(open.allows(Principal.ANONYMOUS, BOB)).isTrue();
        assertThat(open.allowsRemote(CAROL)).isTrue();
    }

    @Test
    void withGrantsOnlyWhatTheyAllowOneWay() {
        GrantPolicy p = new GrantPolicy(List.of(AdmissionConfig.Grant.parseLine("grant group:ops -> group:devices,user:carol"),
                AdmissionConfig.Grant.parseLine("anonymous -> user:bob")));
        assertThat(p.allows(ALICE, BOB)).isTrue();
        assertThat(p.allows(ALICE, CAROL)).isTrue();
        assertThat(p.allows(BOB, ALICE)).as("grants are one way").isFalse();
        assertThat(p.allows(CAROL, BOB)).isFalse();
        assertThat(p.allows(ALICE, ALICE)).as("not even to oneself unless granted").isFalse();
        assertThat(p.allows(Principal.ANONYMOUS, BOB)).isTrue();
        assertThat(p.allows(Principal.ANONYMOUS, CAROL)).isFalse();
        assertThat(p.allows(ALICE, Principal.ANONYMOUS)).isFalse();
        assertThat(p.allowsRemote(ALICE)).isFalse();
    }

    @Test
    void starAndRemote() {
        GrantPolicy p = new GrantPolicy(List.of(AdmissionConfig.Grant.parseLine("user:bob -> *"),
                AdmissionConfig.Grant.parseLine("user:carol -> remote")));
        assertThat(p.allows(BOB, Principal.ANONYMOUS)).isTrue();
        assertThat(p.allowsRemote(BOB)).isTrue();
        assertThat(p.allowsRemote(CAROL)).isTrue();
        assertThat(p.allows(CAROL, BOB)).isFalse();
    }

    @Test
    void networkGrantsGovernJoinSendAndNamesOnlyOnceOneOfTheirKindExists() {
        GrantPolicy p = new GrantPolicy(List.of(AdmissionConfig.Grant.parseLine("grant group:ops -> join:alerts,send:team-*"),
                AdmissionConfig.Grant.parseLine("grant user:carol -> name:carol")));
        assertThat(p.allowsUse(ALICE, GrantPolicy.Use.JOIN, "alerts")).isTrue();
        assertThat(p.allowsUse(BOB, GrantPolicy.Use.JOIN, "alerts")).isFalse();
        assertThat(p.allowsUse(ALICE, GrantPolicy.Use.JOIN, "other")).isFalse();
        assertThat(p.allowsUse(ALICE, GrantPolicy.Use.SEND, "team-red")).isTrue();
        assertThat(p.allowsUse(ALICE, GrantPolicy.Use.SEND, "teams")).isFalse();
        assertThat(p.allowsUse(CAROL, GrantPolicy.Use.NAME, "carol")).isTrue();
        assertThat(p.allowsUse(BOB, GrantPolicy.Use.NAME, "carol")).isFalse();
        // Network grants alone leave S2C open, as with no grant at all.
        assertThat(p.open()).isTrue();
        assertThat(p.allows(BOB, CAROL)).isTrue();
        GrantPolicy onlyJoin = new GrantPolicy(List.of(AdmissionConfig.Grant.parseLine("grant * -> join:*")));
        assertThat(onlyJoin.allowsUse(BOB, GrantPolicy.Use.NAME, "anything")).isTrue(); // no name: grant at all
        assertThat(onlyJoin.allowsUse(BOB, GrantPolicy.Use.JOIN, "anything")).isTrue();
        assertThatThrownBy(() -> AdmissionConfig.Grant.parseLine("grant * -> join:Bad!"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdmissionConfig.Grant.parseLine("grant join:x -> *"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
