package io.dosp.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LogLimiterTest {

    @Test
    void letsThroughItsLinesPerIntervalAndCountsTheRest() {
        AtomicInteger total = new AtomicInteger();
        LogLimiter l = new LogLimiter(3, 1, TimeUnit.HOURS, total::incrementAndGet);
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (l.allow()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(3);
        assertThat(total).hasValue(97);
        assertThat(l.heldBackNote()).isEqualTo(" (97 similar lines held back)");
        assertThat(l.heldBackNote()).as("the count resets once reported").isEmpty();
        l.allow();
        assertThat(l.heldBack()).isEqualTo(1);
    }

    @Test
    void aNewIntervalLetsLinesThroughAgain() {
        LogLimiter l = new LogLimiter(1, 1, TimeUnit.NANOSECONDS, null);
        assertThat(l.allow()).isTrue();
        long start = System.nanoTime();
        while (System.nanoTime() - start < 1_000) {
            Thread.onSpinWait(); // a 1 ns interval is over at once; spin a microsecond to be sure
        }
        assertThat(l.allow()).isTrue();
    }

    @Test
    void theOneLineFormKeepsItsMeaning() {
        LogLimiter l = new LogLimiter(1, TimeUnit.HOURS);
        assertThat(l.allow()).isTrue();
        assertThat(l.allow()).isFalse();
        assertThat(l.heldBack()).isEqualTo(1);
        assertThatThrownBy(() -> new LogLimiter(0, 1, TimeUnit.SECONDS, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void peerLogSharesOneLimiterPerKindAndCountsServerWide() {
        Counters counters = new Counters();
        PeerLog log = new PeerLog(20, 2, counters);
        assertThat(log.limiter("a")).isSameAs(log.limiter("a")).isNotSameAs(log.limiter("b"));
        for (int i = 0; i < 5; i++) {
            log.limiter("a").allow();
            log.limiter("b").allow();
        }
        assertThat(counters.snapshot(0).guard().logLinesSuppressed()).isEqualTo(6);
        assertThat(log.text("line\nforged" + "x".repeat(100))).isEqualTo("line\\nforged" + "x".repeat(8) + "…(92 more)");
    }
}
