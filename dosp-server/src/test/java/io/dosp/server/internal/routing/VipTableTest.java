package io.dosp.server.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.RqipReply;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.AccessPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VipTableTest {
    private static final VipTemplate T24 = VipTemplate.parse("7.10.0.x");

    private static Vip v(String s) {
        return Vip.parse(s);
    }

    private static VipTable<String> table() {
        return new VipTable<>(T24, Set.of());
    }

    @Test
    void allocatesTheLowestFreeVipAndReusesAReleasedOne() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        Vip b = t.allocate().orElseThrow();
        t.bind(a, "a");
        t.bind(b, "b");
        assertThat(a).isEqualTo(v("7.10.0.2"));
        assertThat(b).isEqualTo(v("7.10.0.3"));

        assertThat(t.release(a, "a")).isTrue();
        assertThat(t.holder(a.value())).isNull();
        assertThat(t.allocate()).contains(a);
    }

    @Test
    void freedVipsAreReusedLeastRecentlyUsedAndNotWithinTheirQuarantine() {
        long[] now = {0};
        VipTable<String> t = new VipTable<>(VipTemplate.parse("7.10.0.0/29"), Set.of(), Duration.ofSeconds(60),
                () -> now[0]);
        List<Vip> all = new ArrayList<>();
        for (Optional<Vip> x = t.allocate(); x.isPresent(); x = t.allocate()) {
            t.bind(x.get(), x.get().toString().intern()); // holders are compared by identity
            all.add(x.get());
        }
        assertThat(all).hasSize(5); // .2 .. .6
        Vip first = all.get(3);
        Vip second = all.get(0);
        assertThat(t.release(first, first.toString().intern())).isTrue();
        now[0] += 1_000_000_000L;
        assertThat(t.release(second, second.toString().intern())).isTrue();
        assertThat(t.allocate()).as("both quarantined: the template is full").isEmpty();
        assertThat(t.quarantinedCount()).isEqualTo(2);
        assertThat(t.move(all.get(1).toString().intern(), all.get(1), first)).as("RQIP of a quarantined vIP")
                .startsWith("IP was released recently").contains("limits.vipQuarantine");
        now[0] += 59_500_000_000L; // first: 60.5 s ago, second: 59.5 s ago
        assertThat(t.allocate()).as("least recently freed, out of quarantine").contains(first);
        assertThat(t.allocate()).isEmpty();
        now[0] += 1_000_000_000L;
        assertThat(t.move(all.get(1).toString().intern(), all.get(1), second)).isNull();
        assertThat(t.holder(second)).contains(all.get(1).toString().intern());
        // the vIP moved away from is quarantined in its turn
        assertThat(t.quarantinedCount()).isEqualTo(1);
        assertThat(t.allocate()).isEmpty();
    }

    @Test
    void releaseByAnotherHolderChangesNothing() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        t.bind(a, "a");
        assertThat(t.release(a, "intruder")).isFalse();
        assertThat(t.holder(a)).contains("a");
        assertThat(t.allocate()).contains(v("7.10.0.3"));
    }

    @Test
    void looksUpHoldersByValueAndListsThemInOrder() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        Vip b = t.allocate().orElseThrow();
        t.bind(b, "b");
        t.bind(a, "a");
        assertThat(t.holder(a.value())).isEqualTo("a");
        assertThat(t.holder(b)).contains("b");
        assertThat(t.holder(v("7.10.0.9").value())).isNull();
        assertThat(t.holder(v("7.11.0.2").value())).isNull(); // outside the template
        assertThat(t.holder(v("0.0.0.0").value())).isNull();
        assertThat(t.holder(v("255.255.255.255").value())).isNull();
        assertThat(t.vips()).containsExactly(a, b);
        assertThat(t.holders()).containsExactlyInAnyOrder("a", "b");
        assertThat(t.size()).isEqualTo(2);
    }

    @Test
    void movesAHolderAndFreesItsOldVip() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        t.bind(a, "a");
        Vip wanted = v("7.10.0.77");

        assertThat(t.move("a", a, wanted)).isNull();
        assertThat(t.holder(wanted.value())).isEqualTo("a");
        assertThat(t.holder(a.value())).isNull();
        assertThat(t.vips()).containsExactly(wanted);
        assertThat(t.allocate()).contains(a); // the old vIP is free again
    }

    @Test
    void refusesMovesToTakenBlockedForeignOrUnassignableVips() {
        VipTable<String> t = new VipTable<>(T24, Set.of(v("7.10.0.50")));
        Vip a = t.allocate().orElseThrow();
        Vip b = t.allocate().orElseThrow();
        t.bind(a, "a");
        t.bind(b, "b");

        assertThat(t.move("a", a, b)).isEqualTo(RqipReply.IN_USE);
        assertThat(t.move("a", a, v("7.10.0.50"))).isEqualTo(RqipReply.CANNOT_BE_USED);
        assertThat(t.move("a", a, v("7.10.0.255"))).isEqualTo(RqipReply.CANNOT_BE_USED);
        assertThat(t.move("a", a, v("7.10.0.1"))).isEqualTo(RqipReply.CANNOT_BE_USED);
        assertThat(t.move("a", a, v("7.11.0.5"))).isEqualTo("IP outside this server's range 7.10.0.x");
        assertThat(t.move("a", a, a)).isNull();
        assertThat(t.holder(a)).contains("a");
        assertThat(t.holder(b)).contains("b");
    }

    @Test
    void aVipBlockedWhileFreeIsNotHandedOutUntilUnblocked() {
        VipTable<String> t = table();
        assertThat(t.block(v("7.10.0.2"))).isTrue();
        assertThat(t.block(v("7.10.0.2"))).isFalse();
        assertThat(t.isBlocked(v("7.10.0.2"))).isTrue();
        assertThat(t.allocate()).contains(v("7.10.0.3"));

        assertThat(t.unblock(v("7.10.0.2"))).isTrue();
        assertThat(t.unblock(v("7.10.0.2"))).isFalse();
        assertThat(t.allocate()).contains(v("7.10.0.2"));
    }

    @Test
    void aVipBlockedWhileHeldStaysReservedAfterItsHolderLeaves() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        t.bind(a, "a");
        t.block(a);
        assertThat(t.holder(a)).contains("a"); // blocking does not evict the holder

        assertThat(t.release(a, "a")).isTrue();
        assertThat(t.allocate()).contains(v("7.10.0.3"));

        t.unblock(a);
        assertThat(t.allocate()).contains(a);
    }

    @Test
    void aVipMovedAwayFromWhileBlockedStaysReserved() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        t.bind(a, "a");
        t.block(a);
        assertThat(t.move("a", a, v("7.10.0.9"))).isNull();
        assertThat(t.allocate()).contains(v("7.10.0.3"));
    }

    @Test
    void detachFreesTheVipForClients() {
        VipTable<String> t = table();
        Vip a = t.allocate().orElseThrow();
        t.bind(a, "link");
        t.detach(a, "link");
        assertThat(t.holder(a.value())).isNull();
        assertThat(t.holders()).isEmpty();
        assertThat(t.allocate()).contains(a);
    }

    @Test
    void aFullTemplateAllocatesNothing() {
        VipTable<String> t = new VipTable<>(VipTemplate.parse("7.10.0.0/30"), List.of());
        Vip only = t.allocate().orElseThrow();
        assertThat(only).isEqualTo(v("7.10.0.2"));
        assertThat(t.allocate()).isEmpty();
        t.bind(only, "a");
        t.release(only, "a");
        assertThat(t.allocate()).contains(only);
    }

    @Test
    void wideTemplatesAreLookedUpThroughPages() {
        VipTable<String> t = new VipTable<>(VipTemplate.parse("10.x.x.x"), Set.of());
        assertThat(VipTemplate.parse("10.x.x.x").size()).isGreaterThan(VipTable.FLAT_MAX_SLOTS);
        Vip low = t.allocate().orElseThrow();
        t.bind(low, "low");
        Vip far = v("10.200.7.9");
        assertThat(t.move("low", low, far)).isNull();
        assertThat(t.holder(far.value())).isEqualTo("low");
        assertThat(t.holder(v("10.200.7.10").value())).isNull(); // same page, empty slot
        assertThat(t.holder(v("10.200.8.9").value())).isNull(); // page never allocated
        assertThat(t.holder(v("11.0.0.2").value())).isNull();
        assertThat(t.holder(low.value())).isNull();
        assertThat(t.contains(v("10.255.255.255").value())).isTrue();
        assertThat(t.contains(v("9.255.255.255").value())).isFalse();
        assertThat(t.release(far, "low")).isTrue();
        assertThat(t.holder(far.value())).isNull();
    }

    @Test
    void aSlash16IsFlat() {
        VipTable<String> t = new VipTable<>(VipTemplate.parse("10.7.x.x"), Set.of());
        Vip top = v("10.7.255.254");
        Vip a = t.allocate().orElseThrow();
        t.bind(a, "a");
        assertThat(t.move("a", a, top)).isNull();
        assertThat(t.holder(top.value())).isEqualTo("a");
        assertThat(t.holder(v("10.8.0.2").value())).isNull();
    }

    @Test
    void theDefaultBlocksTheZeroAndLoopbackVips() {
        VipTable<String> t = new VipTable<>(T24, AccessPolicy.DEFAULT_BLOCKED_VIPS);
        assertThat(t.isBlocked(Vip.ZERO)).isTrue();
        assertThat(t.isBlocked(v("127.0.0.1"))).isTrue();
        assertThat(t.isBlocked(v("7.10.0.2"))).isFalse();
    }

    @Test
    void blockAndUnblockVips() {
        VipTable<String> t = new VipTable<>(T24, AccessPolicy.DEFAULT_BLOCKED_VIPS);
        Vip x = v("7.10.0.9");
        assertThat(t.block(x)).isTrue();
        assertThat(t.block(x)).as("already blocked").isFalse();
        assertThat(t.isBlocked(x)).isTrue();
        assertThat(t.unblock(x)).isTrue();
        assertThat(t.unblock(x)).as("not blocked").isFalse();
        assertThat(t.isBlocked(x)).isFalse();
        assertThat(t.unblock(Vip.ZERO)).as("the defaults can be lifted").isTrue();
        assertThat(t.isBlocked(Vip.ZERO)).isFalse();
    }
}
