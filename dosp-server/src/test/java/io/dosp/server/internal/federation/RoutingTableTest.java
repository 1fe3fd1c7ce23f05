package io.dosp.server.internal.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.Advertisement.Entry;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.internal.federation.RoutingTable.Route;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The federation routing table without links: lowest hop count wins, each advertisement replaces
 * what its peer said before (withdrawal), split horizon in what we advertise, the hop and route
 * limits, static routes, and peers that cannot carry traffic.
 */
class RoutingTableTest {
    private static final VipTemplate OWN = t("7.10.0.x");
    private static final VipTemplate T11 = t("7.11.0.x");
    private static final VipTemplate T12 = t("7.12.0.x");
    private static final VipTemplate T13 = t("7.13.0.x");

    private final Set<String> down = new HashSet<>();
    private final RoutingTable table = new RoutingTable(OWN, 8, 100, via -> !down.contains(via));

    private static VipTemplate t(String text) {
        return VipTemplate.parse(text);
    }

    /** What peer {@code name} would advertise about {@code template} at {@code hopCount}. */
    private static Entry e(String owner, VipTemplate template, int hopCount) {
        return new Entry(owner, 7744, template, hopCount);
    }

    private static Advertisement ad(Entry... entries) {
        return Advertisement.of(entries);
    }

    @Test
    void anAdvertisedTemplateIsOneHopMoreThanThePeerSays() {
        assertThat(table.replace("A", ad(e("a", T11, 0), e("c", T12, 1)))).isTrue();
        Route direct = table.lookup(Vip.parse("7.11.0.5"));
        assertThat(direct).isEqualTo(new Route(T11, 1, "A", "a", 7744, false));
        Route twoHops = table.lookup(Vip.parse("7.12.0.200"));
        assertThat(twoHops.hops()).isEqualTo(2);
        assertThat(twoHops.via()).isEqualTo("A");
        assertThat(twoHops.ownerHost()).isEqualTo("c");
        assertThat(table.lookup(Vip.parse("7.13.0.2"))).isNull();
        assertThat(table.lookup(Vip.parse("7.10.0.2"))).as("our own template is not a route").isNull();
    }

    @Test
    void theLowestHopCountWinsWhateverTheOrder() {
        table.replace("A", ad(e("x", T12, 2)));
        table.replace("B", ad(e("x", T12, 0)));
        table.replace("C", ad(e("x", T12, 1)));
        assertThat(table.lookup(Vip.parse("7.12.0.9")).via()).isEqualTo("B");
        assertThat(table.routes()).hasSize(1);
        assertThat(table.routes().get(0).hops()).isEqualTo(1);
    }

    @Test
    void aNewAdvertisementReplacesThePeersOldOneSoMissingEntriesAreWithdrawn() {
        table.replace("A", ad(e("x", T12, 1)));
        table.replace("B", ad(e("x", T12, 0), e("b", T11, 0)));
        assertThat(table.lookup(Vip.parse("7.12.0.9")).via()).isEqualTo("B");

        // B withdraws 7.12: the route falls back to A's longer one; B's other entry stays.
        assertThat(table.replace("B", ad(e("b", T11, 0)))).isTrue();
        Route fallback = table.lookup(Vip.parse("7.12.0.9"));
        assertThat(fallback.via()).isEqualTo("A");
        assertThat(fallback.hops()).isEqualTo(2);
        assertThat(table.lookup(Vip.parse("7.11.0.9")).via()).isEqualTo("B");

        // An empty advertisement withdraws everything the peer offered.
        assertThat(table.replace("A", Advertisement.EMPTY)).isTrue();
        assertThat(table.lookup(Vip.parse("7.12.0.9"))).isNull();
    }

    @Test
    void theSameAdvertisementAgainChangesNothing() {
        assertThat(table.replace("A", ad(e("a", T11, 0)))).isTrue();
        assertThat(table.replace("A", ad(e("a", T11, 0)))).isFalse();
        assertThat(table.refresh()).isFalse();
    }

    @Test
    void aLinkGoingDownDropsWhatItTaught() {
        table.replace("A", ad(e("a", T11, 0)));
        table.replace("B", ad(e("a", T11, 1)));
        assertThat(table.dropVia("A", false)).isTrue();
        assertThat(table.lookup(Vip.parse("7.11.0.3")).via()).isEqualTo("B");
        assertThat(table.dropVia("B", false)).isTrue();
        assertThat(table.routes()).isEmpty();
        assertThat(table.dropVia("never-heard-of", false)).isFalse();
    }

    @Test
    void theOwnTemplateAndOverlappingOnesAreIgnored() {
        table.replace("A", ad(e("a", OWN, 0), e("a", t("7.10.x.x"), 0), e("z", t("7.10.0.x"), 3), e("a", T11, 0)));
        assertThat(table.routes()).extracting(Route::template).containsExactly(T11);
    }

    @Test
    void entriesPastTheHopLimitAreIgnored() {
        RoutingTable limited = new RoutingTable(OWN, 3, 100, via -> true);
        limited.replace("A", ad(e("x", T12, 2), e("y", T13, 3)));
        assertThat(limited.lookup(Vip.parse("7.12.0.1")).hops()).isEqualTo(3);
        assertThat(limited.lookup(Vip.parse("7.13.0.1"))).as("4 hops > maxHops 3").isNull();
    }

    @Test
    void pastTheRouteLimitTheShortestAreKept() {
        RoutingTable limited = new RoutingTable(OWN, 8, 2, via -> true);
        limited.replace("A", ad(e("x", T11, 2), e("y", T12, 0), e("z", T13, 1)));
        assertThat(limited.routes()).extracting(Route::template).containsExactlyInAnyOrder(T12, T13);
        assertThat(limited.lookup(Vip.parse("7.11.0.1"))).isNull();
    }

    @Test
    void routesAreOrderedByTemplate() {
        table.replace("A", ad(e("x", T13, 0), e("y", T11, 0), e("z", T12, 0)));
        assertThat(table.routes()).extracting(Route::template).containsExactly(T11, T12, T13);
    }

    @Test
    void splitHorizonNeverTellsAPeerWhatItTaughtUs() {
        table.replace("A", ad(e("a", T11, 0)));
        table.replace("B", ad(e("b", T12, 0), e("c", T13, 1)));

        Advertisement toA = table.advertisementFor("A", "me", 7000);
        assertThat(toA.entries()).containsExactly(new Entry("me", 7000, OWN, 0), new Entry("b", 7744, T12, 1),
                new Entry("c", 7744, T13, 2));
        Advertisement toB = table.advertisementFor("B", "me", 7000);
        assertThat(toB.entries()).containsExactly(new Entry("me", 7000, OWN, 0), new Entry("a", 7744, T11, 1));
        Advertisement toNewPeer = table.advertisementFor("C", "me", 7000);
        assertThat(toNewPeer.entries()).hasSize(4);
    }

    @Test
    void routesAtTheHopLimitAreNotPassedOn() {
        RoutingTable limited = new RoutingTable(OWN, 3, 100, via -> true);
        limited.replace("A", ad(e("x", T12, 1), e("y", T13, 2)));
        assertThat(limited.advertisementFor("B", "me", 1).entries()).extracting(Entry::template).containsExactly(OWN, T12);
    }

    @Test
    void staticRoutesAreHopOneAndOutliveAdvertisementsAndLinkLoss() {
        assertThat(table.putStatic("R", T11, "ref", 7755)).isTrue();
        assertThat(table.lookup(Vip.parse("7.11.0.4"))).isEqualTo(new Route(T11, 1, "R", "ref", 7755, true));

        // A reference peer advertises nothing: its empty SD keeps the static route.
        assertThat(table.replace("R", Advertisement.EMPTY)).isFalse();
        assertThat(table.lookup(Vip.parse("7.11.0.4")).isStatic()).isTrue();
        table.replace("R", ad(e("ref", T12, 0)));
        assertThat(table.routes()).extracting(Route::template).containsExactly(T11, T12);

        // The link goes down: learned routes go, the static one stays until the peer is removed.
        assertThat(table.dropVia("R", false)).isTrue();
        assertThat(table.routes()).extracting(Route::template).containsExactly(T11);
        assertThat(table.dropVia("R", true)).isTrue();
        assertThat(table.routes()).isEmpty();
    }

    @Test
    void aStaticRouteTiesWithALearnedDirectOneAndTheFirstPeerKeepsIt() {
        table.putStatic("R", T11, "ref", 7755);
        table.replace("A", ad(e("a", T11, 0)));
        assertThat(table.lookup(Vip.parse("7.11.0.4")).via()).isEqualTo("R");
        table.replace("A", ad(e("a", T12, 0)));
        assertThat(table.routes()).hasSize(2);
    }

    @Test
    void onlyPeersThatCanCarryTrafficGiveRoutesButTheirOffersAreKept() {
        table.replace("A", ad(e("x", T12, 0)));
        table.replace("B", ad(e("x", T12, 2)));
        down.add("A");
        assertThat(table.refresh()).isTrue();
        assertThat(table.lookup(Vip.parse("7.12.0.1")).via()).isEqualTo("B");
        down.add("B");
        assertThat(table.refresh()).isTrue();
        assertThat(table.routes()).isEmpty();
        down.clear();
        assertThat(table.refresh()).isTrue();
        assertThat(table.lookup(Vip.parse("7.12.0.1")).via()).as("A's offer was kept while it was down").isEqualTo("A");
    }

    @Test
    void lookupChecksEveryRoute() {
        table.replace("A", ad(e("a", T11, 0), e("b", t("10.20.x.x"), 0)));
        assertThat(table.lookup(Vip.parse("10.20.3.4")).ownerHost()).isEqualTo("b");
        assertThat(table.lookup(Vip.parse("10.21.3.4"))).isNull();
        assertThat(table.routes()).hasSize(2);
    }
}
