package io.dosp.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.InvalidConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MonitorConfigTest {

    @Test
    void defaultsAreLoopbackAndBounded() {
        MonitorConfig c = MonitorConfig.builder().port(9464).build();
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.loopback()).isTrue();
        assertThat(c.maxConnections()).isEqualTo(MonitorConfig.DEFAULT_MAX_CONNECTIONS);
        assertThat(c.maxHeaderBytes()).isEqualTo(8192);
        assertThat(c.maxEventSubscribers()).isEqualTo(MonitorConfig.DEFAULT_MAX_EVENT_SUBSCRIBERS);
        assertThat(c.maxPageSize()).isEqualTo(MonitorConfig.DEFAULT_MAX_PAGE_SIZE);
    }

    @Test
    void loopbackIsWhatTheHostResolvesTo() {
        assertThat(MonitorConfig.builder().port(0).host("localhost").build().loopback()).isTrue();
        assertThat(MonitorConfig.builder().port(0).host("::1").build().loopback()).isTrue();
        assertThat(MonitorConfig.builder().port(0).host("0.0.0.0").build().loopback()).isFalse();
        assertThat(MonitorConfig.builder().port(0).host("::").build().loopback()).isFalse();
    }

    @Test
    void badValuesNameTheirField() {
        assertField(MonitorConfig.builder(), "monitor.port", "must be set");
        assertField(MonitorConfig.builder().port(70000), "monitor.port", "0..65535");
        assertField(MonitorConfig.builder().port(0).host(" "), "monitor.host", "empty");
        assertField(MonitorConfig.builder().port(0).host("no-such-host.invalid"), "monitor.host", "cannot resolve");
        assertField(MonitorConfig.builder().port(0).maxConnections(0), "monitor.maxConnections", "1..10000");
        assertField(MonitorConfig.builder().port(0).maxConnectionsPerAddress(0), "monitor.maxConnectionsPerAddress",
                "at least 1");
        assertField(MonitorConfig.builder().port(0).maxHeaderBytes(100), "monitor.maxHeaderBytes", "1024..65536");
        assertField(MonitorConfig.builder().port(0).idleTimeout(Duration.ZERO), "monitor.idleTimeout", "positive");
        assertField(MonitorConfig.builder().port(0).idleTimeout(Duration.ofMillis(500)), "monitor.idleTimeout",
                "longer than the event interval");
        assertField(MonitorConfig.builder().port(0).eventInterval(Duration.ofMillis(10)), "monitor.eventInterval", "100 ms");
        assertField(MonitorConfig.builder().port(0).maxPageSize(0), "monitor.maxPageSize", "1..100000");
        assertField(MonitorConfig.builder().port(0).maxAuthFailures(0), "monitor.maxAuthFailures", "at least 1");
    }

    private static void assertField(MonitorConfig.Builder b, String field, String problem) {
        assertThatThrownBy(b::build).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.problem()).contains(problem);
        });
    }
}
