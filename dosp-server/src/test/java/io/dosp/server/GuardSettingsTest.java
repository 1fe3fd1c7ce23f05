package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The settings that bound what one client can make the server do: defaults, round trip, validation naming the field. */
class GuardSettingsTest {

    @Test
    void defaultsAreSafe() {
        Limits l = Limits.defaults();
        assertThat(l.logTextLength()).isEqualTo(Limits.DEFAULT_LOG_TEXT_LENGTH).isEqualTo(200);
        assertThat(l.logLinesPerSecond()).isEqualTo(Limits.DEFAULT_LOG_LINES_PER_SECOND).isEqualTo(50);
        assertThat(l.inflateRateLimit()).isEqualTo(Limits.DEFAULT_INFLATE_RATE_LIMIT).isEqualTo(32L << 20)
                .isGreaterThan(l.maxFrameSize());
        assertThat(Limits.builder().maxFrameSize(64 << 20).build().inflateRateLimit()).as("a larger frame limit still builds")
                .isEqualTo(32L << 20);
        assertThat(l.inflatePerRead()).isEqualTo(Limits.DEFAULT_INFLATE_PER_READ).isEqualTo(1 << 20);
        assertThat(l.replyRateLimit()).isEqualTo(Limits.DEFAULT_REPLY_RATE_LIMIT).isEqualTo(64L << 10);
        Functions f = Functions.defaults();
        assertThat(f.maxCallsPerClient()).isEqualTo(Functions.DEFAULT_MAX_CALLS_PER_CLIENT).isEqualTo(8);
        assertThat(f.callTimeout()).isEqualTo(Functions.DEFAULT_CALL_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void settingsSurviveToBuilder() {
        Limits l = Limits.builder().logTextLength(40).logLinesPerSecond(3).inflateRateLimit(0).inflatePerRead(4096)
                .replyRateLimit(0).build();
        Limits copy = l.toBuilder().build();
        assertThat(copy).usingRecursiveComparison().isEqualTo(l);
        assertThat(copy.logTextLength()).isEqualTo(40);
        assertThat(copy.logLinesPerSecond()).isEqualTo(3);
        assertThat(copy.inflateRateLimit()).isZero();
        assertThat(copy.inflatePerRead()).isEqualTo(4096);
        assertThat(copy.replyRateLimit()).isZero();
        Functions f = Functions.builder().maxCallsPerClient(2).callTimeout(Duration.ofMillis(250)).build();
        assertThat(f.toBuilder().build()).usingRecursiveComparison().isEqualTo(f);
    }

    @Test
    void badValuesNameTheirField() {
        assertThat(fieldOf(() -> Limits.builder().logTextLength(15).build())).isEqualTo("limits.logTextLength");
        assertThat(fieldOf(() -> Limits.builder().logTextLength((1 << 20) + 1).build())).isEqualTo("limits.logTextLength");
        assertThat(fieldOf(() -> Limits.builder().logLinesPerSecond(0).build())).isEqualTo("limits.logLinesPerSecond");
        assertThat(fieldOf(() -> Limits.builder().inflateRateLimit(-1).build())).isEqualTo("limits.inflateRateLimit");
        assertThat(fieldOf(() -> Limits.builder().inflateRateLimit(1023).build())).isEqualTo("limits.inflateRateLimit");
        assertThat(fieldOf(() -> Limits.builder().inflatePerRead(1023).build())).isEqualTo("limits.inflatePerRead");
        assertThat(fieldOf(() -> Limits.builder().replyRateLimit(-1).build())).isEqualTo("limits.replyRateLimit");
        assertThat(fieldOf(() -> Functions.builder().maxCallsPerClient(0).build())).isEqualTo("functions.maxCallsPerClient");
        assertThat(fieldOf(() -> Functions.builder().callTimeout(Duration.ZERO).build())).isEqualTo("functions.callTimeout");
        assertThat(fieldOf(() -> Functions.builder().callTimeout(null).build())).isEqualTo("functions.callTimeout");
        assertThat(fieldOf(() -> ServerConfig.builder().limits(l -> l.logLinesPerSecond(0)).build()))
                .isEqualTo("limits.logLinesPerSecond");
        assertThat(fieldOf(() -> ServerConfig.builder().functions(x -> x.maxCallsPerClient(0)).build()))
                .isEqualTo("functions.maxCallsPerClient");
    }

    @Test
    void smallestValidValuesBuild() {
        Limits l = Limits.builder().maxFrameSize(1024).logTextLength(16).logLinesPerSecond(1).inflateRateLimit(1024)
                .inflatePerRead(1024).replyRateLimit(1).build();
        assertThat(l.inflateRateLimit()).isEqualTo(1024);
        assertThat(Functions.builder().maxCallsPerClient(1).callTimeout(Duration.ofMillis(1)).build().maxCallsPerClient())
                .isEqualTo(1);
    }
}
