package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Vip;
import org.junit.jupiter.api.Test;

class VipRegistryTest {

    @Test
    void registryKeysAreTheDottedVipAfterIpAndOtherKeysAreNoVips() {
        Vip v = Vip.parse("10.7.3.9");
        assertThat(VipRegistry.key(v)).isEqualTo("ip.10.7.3.9");
        assertThat(VipRegistry.vipOfKey("ip.10.7.3.9")).isEqualTo(v.value());
        assertThat(VipRegistry.vipOfKey("lock.janitor")).isNull();
        assertThat(VipRegistry.vipOfKey("ip.10.7.3")).isNull();
        assertThat(VipRegistry.vipOfKey("ip.not-a-vip")).isNull();
        assertThat(VipRegistry.vipOfKey(null)).isNull();
    }
}
