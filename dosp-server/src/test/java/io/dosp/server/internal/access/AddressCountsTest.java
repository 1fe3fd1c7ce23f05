package io.dosp.server.internal.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.local.LocalAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** What a per-address limit counts a connection under, and the counts themselves. */
class AddressCountsTest {

    private static InetAddress key(String ip) {
        return AddressKey.of(new InetSocketAddress(ip, 4000));
    }

    @Test
    void ipv4IsItselfIpv6IsItsSlash64MappedIsIpv4() throws Exception {
        assertThat(key("203.0.113.7")).isEqualTo(InetAddress.getByName("203.0.113.7"));
        assertThat(key("2001:db8:1:2:aaaa::1")).isEqualTo(key("2001:db8:1:2:bbbb:cccc:dddd:eeee"))
                .isEqualTo(InetAddress.getByName("2001:db8:1:2::"));
        assertThat(key("2001:db8:1:3::1")).isNotEqualTo(key("2001:db8:1:2::1"));
        assertThat(AddressKey.of(new InetSocketAddress(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                (byte) 0xff, (byte) 0xff, (byte) 203, 0, 113, 7}), 1))).isEqualTo(key("203.0.113.7"));
        assertThat(AddressKey.of(new LocalAddress("dosp"))).as("in-process: not limited").isNull();
        assertThat(AddressKey.describe(key("2001:db8:1:2::5"))).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(AddressKey.describe(key("203.0.113.7"))).isEqualTo("203.0.113.7");
    }

    @Test
    void atMostMaxPerAddressAndClosingFreesASlot() {
        AddressCounts c = new AddressCounts(2);
        InetAddress a = key("198.51.100.1");
        InetAddress b = key("198.51.100.2");
        assertThat(c.tryAcquire(a)).isTrue();
        assertThat(c.tryAcquire(a)).isTrue();
        assertThat(c.tryAcquire(a)).isFalse();
        assertThat(c.count(a)).isEqualTo(2);
        assertThat(c.tryAcquire(b)).isTrue();
        c.release(a);
        assertThat(c.tryAcquire(a)).isTrue();
        c.release(a);
        c.release(a);
        c.release(b);
        assertThat(c.count(a)).isZero();
        assertThat(c.count(b)).isZero();
        assertThat(c.tryAcquire(null)).as("in-process").isTrue();
    }

    @Test
    void zeroMeansNoLimitButConnectionsAreCountedSoALaterLimitHolds() {
        AddressCounts c = new AddressCounts(0);
        InetAddress a = key("198.51.100.1");
        for (int i = 0; i < 1000; i++) {
            assertThat(c.tryAcquire(a)).isTrue();
        }
        assertThat(c.count(a)).isEqualTo(1000);
        c.max(2);
        assertThat(c.tryAcquire(a)).as("over the new limit").isFalse();
        for (int i = 0; i < 998; i++) {
            c.release(a);
        }
        assertThat(c.tryAcquire(a)).isFalse();
        c.release(a);
        assertThat(c.tryAcquire(a)).isTrue();
        assertThat(c.count(a)).isEqualTo(2);
    }
}
