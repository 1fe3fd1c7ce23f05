package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The liveness value of docs/cluster.md ("Node addresses and drain"), written and read back. */
class NodeLivenessTest {

    @Test
    void theValueCarriesEpochAddressAndDrainingAndReadersIgnoreTheRest() {
        NodeLiveness l = new NodeLiveness(null, "n-1-ab", 1764700000000L, null, java.util.Set::of, System::nanoTime);
        assertThat(new String(l.value(), StandardCharsets.UTF_8))
                .isEqualTo("{\"epoch\":1764700000000,\"addr\":null,\"draining\":false}");
        l.addressIfUnset("10.0.0.2:7744"); // no timer yet: only the value changes
        l.draining();
        assertThat(new String(l.value(), StandardCharsets.UTF_8))
                .isEqualTo("{\"epoch\":1764700000000,\"addr\":\"10.0.0.2:7744\",\"draining\":true}");
        l.addressIfUnset("10.0.0.9:1");
        assertThat(l.address()).as("the first (or configured) address stays").isEqualTo("10.0.0.2:7744");

        assertThat(NodeLiveness.parse(l.value())).isEqualTo(new NodeLiveness.NodeInfo("10.0.0.2:7744", true));
        assertThat(NodeLiveness.parse(bytes("{\"at\":5}"))).as("the first version's value")
                .isEqualTo(new NodeLiveness.NodeInfo(null, false));
        assertThat(NodeLiveness.parse(bytes("{\"addr\":\"h:1\",\"draining\":false,\"x\":[1]}")))
                .isEqualTo(new NodeLiveness.NodeInfo("h:1", false));
        assertThat(NodeLiveness.parse(bytes("not json"))).isNull();
        assertThat(NodeLiveness.parse(bytes("[1]"))).isNull();
    }

    @Test
    void anAdvertisedAddressIsEscapedInTheJson() {
        NodeLiveness l = new NodeLiveness(null, "n", 1, "we\"ird:1", java.util.Set::of, System::nanoTime);
        assertThat(NodeLiveness.parse(l.value()).addr()).isEqualTo("we\"ird:1");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
