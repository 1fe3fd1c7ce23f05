package io.dosp.server.internal.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.Advertisement.Entry;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.cluster.ClusterIdentity;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The cluster frame (docs/cluster.md "Federation with a cluster") and what it does to routes: the nodes of one cluster
 * are one server (one route through either, no clash, split horizon across them, nothing forwarded from one to another).
 */
class ClusterLinksTest {
    private static final VipTemplate OWN = VipTemplate.parse("10.2.0.x");
    private static final VipTemplate CLUSTER = VipTemplate.parse("10.1.0.x");
    private static final VipTemplate OTHER = VipTemplate.parse("10.3.0.x");
    private static final byte[] ID = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");

    private final AtomicInteger changes = new AtomicInteger();
    private final ClusterLinks links = new ClusterLinks(changes::incrementAndGet, PeerLog.defaults());
    private final Set<String> down = new HashSet<>();
    private final RoutingTable table = new RoutingTable(OWN, 8, 100, via -> !down.contains(via));

    ClusterLinksTest() {
        table.serverOf(links::serverKey);
    }

    private static Advertisement ad(Entry... entries) {
        return Advertisement.of(entries);
    }

    @Test
    void theFrameIsTheDocumentedBytesAndDecodesBack() {
        ClusterIdentity demo = new ClusterIdentity(ID, "demo");
        byte[] payload = ClusterLinks.encode(demo);
        // After the kind byte E1 of "f7 00000017 e1 01 000102030405060708090a0b0c0d0e0f 04 64656d6f" (README, docs).
        assertThat(HexFormat.of().formatHex(LinkFrames.ext(ClusterLinks.KIND, payload).body()))
                .isEqualTo("e101000102030405060708090a0b0c0d0e0f0464656d6f");
        assertThat(ClusterLinks.decode(payload)).isEqualTo(demo);
    }

    @Test
    void malformedOrOtherVersionFramesAreIgnored() {
        byte[] good = ClusterLinks.encode(new ClusterIdentity(ID, "demo"));
        byte[] v2 = good.clone();
        v2[0] = 2;
        byte[] shortName = java.util.Arrays.copyOf(good, good.length - 1);
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        for (byte[] bad : new byte[][] {v2, shortName, longer, new byte[0], new byte[] {1}}) {
            assertThat(ClusterLinks.decode(bad)).isNull();
            links.onFrame("A1", bad);
        }
        assertThat(links.of("A1")).isNull();
        assertThat(changes).hasValue(0);
    }

    @Test
    void twoNodesOfOneClusterAreOneServerForRouting() {
        byte[] frame = ClusterLinks.encode(new ClusterIdentity(ID, "demo"));
        links.onFrame("A1", frame);
        links.onFrame("A2", frame);
        links.onFrame("A2", frame); // repeated with every SD: no change
        assertThat(changes).hasValue(2);
        assertThat(table.sameServer("A1", "A2")).isTrue();
        assertThat(table.sameServer("A1", "X")).isFalse();
        table.replace("A1", ad(new Entry("a1", 7744, CLUSTER, 0)));
        table.replace("A2", ad(new Entry("a2", 7744, CLUSTER, 0)));
        table.replace("X", ad(new Entry("x", 7744, OTHER, 0)));
        assertThat(table.routes()).hasSize(2);
        assertThat(table.lookup(Vip.parse("10.1.0.9")).via()).isEqualTo("A1"); // the first heard
        // Split horizon across the cluster: A2 is not told the route through A1; X is.
        assertThat(table.advertisementFor("A2", "b", 7744).entries()).extracting(Entry::template)
                .containsExactlyInAnyOrder(OWN, OTHER);
        assertThat(table.advertisementFor("X", "b", 7744).entries()).extracting(Entry::template)
                .containsExactlyInAnyOrder(OWN, CLUSTER);
        // A1's link goes: A2 carries the template.
        down.add("A1");
        assertThat(table.refresh()).isTrue();
        assertThat(table.lookup(Vip.parse("10.1.0.9")).via()).isEqualTo("A2");
        // A2 leaves the cluster's links: it is a server of its own again.
        links.down("A2");
        assertThat(links.of("A2")).isNull();
        assertThat(table.sameServer("A1", "A2")).isFalse();
    }

    @Test
    void aPeerOfOurOwnClusterIsRecognised() {
        ClusterIdentity demo = new ClusterIdentity(ID, "demo");
        links.own(demo);
        assertThat(links.frame()).isEqualTo(ClusterLinks.encode(demo));
        links.onFrame("A2", ClusterLinks.encode(demo));
        assertThat(links.isOwnNode("A2")).isTrue();
        links.onFrame("B", ClusterLinks.encode(new ClusterIdentity(ID, "other")));
        assertThat(links.isOwnNode("B")).isFalse();
        assertThat(table.sameServer("A2", "B")).isFalse();
    }
}
