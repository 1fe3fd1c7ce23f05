package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.SlowConsumerPolicy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

    @Test
    void durations() {
        ValueType<Duration> d = ValueTypes.duration(true);
        assertThat(d.parse("300")).isEqualTo(Duration.ofSeconds(300));
        assertThat(d.parse("2.5")).isEqualTo(Duration.ofMillis(2500));
        assertThat(d.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(d.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(d.parse("0")).isZero();
        assertThat(d.render(Duration.ofSeconds(30))).isEqualTo("30");
        assertThat(d.render(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThatThrownBy(() -> ValueTypes.duration(false).parse("0")).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> d.parse("-1")).hasMessageContaining("must be a duration");
    }

    @Test
    void longSizesAndChoices() {
        ValueType<Long> s = ValueTypes.longSize(0, Long.MAX_VALUE);
        assertThat(s.parse("4G")).isEqualTo(4L << 30);
        assertThat(s.parse("0")).isZero();
        assertThat(s.describe()).startsWith("byte size >= 0");
        ValueType<SlowConsumerPolicy> c = ValueTypes.choice(SlowConsumerPolicy.class);
        assertThat(c.parse("drop")).isEqualTo(SlowConsumerPolicy.DROP);
        assertThat(c.parse(" BACKPRESSURE ")).isEqualTo(SlowConsumerPolicy.BACKPRESSURE);
        assertThat(c.render(SlowConsumerPolicy.DROP)).isEqualTo("DROP");
        assertThatThrownBy(() -> c.parse("block")).hasMessage("must be one of BACKPRESSURE, DROP, got 'block'");
    }

    @Test
    void sizes() {
        ValueType<Integer> s = ValueTypes.size(1024, Integer.MAX_VALUE);
        assertThat(s.parse("1048576")).isEqualTo(1 << 20);
        assertThat(s.parse("1MiB")).isEqualTo(1 << 20);
        assertThat(s.parse("64k")).isEqualTo(64 << 10);
        assertThat(s.parse("1 G")).isEqualTo(1 << 30);
        assertThatThrownBy(() -> s.parse("4G")).hasMessageContaining("got '4G' (4294967296 bytes)");
        assertThatThrownBy(() -> s.parse("1.5M")).hasMessageContaining("must be a byte size");
    }

    @Test
    void booleansAndIntegers() {
        assertThat(ValueTypes.bool().parse("on")).isTrue();
        assertThat(ValueTypes.bool().parse("FALSE")).isFalse();
        assertThat(ValueTypes.integer(0, 10).parse("1_0")).isEqualTo(10);
        assertThatThrownBy(() -> ValueTypes.integer(1, Integer.MAX_VALUE).parse("0")).hasMessage("must be an integer >= 1, got 0");
    }

    @Test
    void quotingKeepsStringsStrings() {
        assertThat(ValueTypes.quote("7.10.0.x")).isEqualTo("7.10.0.x");
        assertThat(ValueTypes.quote("0.0.0.0")).isEqualTo("\"0.0.0.0\"");
        assertThat(ValueTypes.quote("yes")).isEqualTo("\"yes\"");
        assertThat(ValueTypes.quote("7.10.0.{x}")).isEqualTo("\"7.10.0.{x}\"");
        assertThat(ValueTypes.quote("a\"b")).isEqualTo("\"a\\\"b\"");
    }

    @Test
    void peers() {
        assertThat(PeerSpec.parse("dosp.example.org:7744")).isEqualTo(new PeerSpec("dosp.example.org", 7744, Optional.empty()));
        assertThat(PeerSpec.parse("[::1]:7744:10.8.0.0/16"))
                .isEqualTo(new PeerSpec("::1", 7744, Optional.of(VipTemplate.parse("10.8.0.0/16"))));
        assertThat(PeerSpec.parse("[::1]:7744:7.11.0.x")).hasToString("[::1]:7744:7.11.0.x");
        assertThatThrownBy(() -> PeerSpec.parse("h:0")).hasMessageContaining("port 0 is not in 1..65535");
        assertThatThrownBy(() -> PeerSpec.parse(":1")).hasMessageContaining("the host is missing");
        assertThatThrownBy(() -> PeerSpec.parse("h:1:7.10.x.0")).hasMessageContaining("invalid vIP template");
    }
}
