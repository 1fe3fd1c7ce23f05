package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The loopback source addresses idle clients are spread over. */
class IdleLoadTest {

    @Test
    void startAtTwoAndSkipLastOctetsZeroAnd255() {
        InetSocketAddress[] a = IdleLoad.sourceAddresses(300);
        assertThat(a).hasSize(300);
        assertThat(a[0].getHostString()).isEqualTo("127.0.0.2");
        assertThat(a[252].getHostString()).isEqualTo("127.0.0.254");
        assertThat(a[253].getHostString()).isEqualTo("127.0.1.1");
        assertThat(Arrays.stream(a).map(InetSocketAddress::getHostString).distinct()).hasSize(300);
        assertThat(Arrays.stream(a).allMatch(s -> s.getPort() == 0 && s.getAddress().isLoopbackAddress())).isTrue();
    }

    @Test
    void noneMeansTheKernelChooses() {
        assertThat(IdleLoad.sourceAddresses(0)).isEmpty();
        assertThatThrownBy(() -> IdleLoad.sourceAddresses(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
