package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Exponential growth, the cap, jitter from an injected random, and no overflow at huge attempts. */
class BackoffTest {
    private static final long MS = 1_000_000L;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    @ParameterizedTest(name = "attempt {0} -> {1} ms")
    @CsvSource({"0, 100", "1, 200", "2, 400", "3, 800", "4, 1000", "5, 1000", "62, 1000", "63, 1000", "1000, 1000",
            "2147483647, 1000", "-1, 100", "-2147483648, 100"})
    void ceilingDoublesUpToTheCap(int attempt, long millis) {
        assertThat(backoff.ceilingNanos(attempt)).isEqualTo(millis * MS);
    }

    @Test
    void jitterScalesTheCeilingIntoHalfToWhole() {
        assertThat(backoff.delayNanos(2, () -> 0.0)).isEqualTo(200 * MS);
        assertThat(backoff.delayNanos(2, () -> 0.5)).isEqualTo(300 * MS);
        // The largest random value rounds 0.5 + 0.5 * r up to 1.0 in double arithmetic: at most the ceiling.
        assertThat(backoff.delayNanos(2, () -> Math.nextDown(1.0))).isLessThanOrEqualTo(400 * MS).isGreaterThan(399 * MS);
        assertThat(backoff.delayNanos(10, () -> 0.0)).isEqualTo(500 * MS);
        assertThat(backoff.delayNanos(10, () -> 0.25)).isEqualTo(625 * MS);
    }

    @Test
    void theSameRandomGivesTheSameDelays() {
        double[] values = {0.1, 0.9, 0.3, 0.7};
        long[] first = new long[values.length];
        long[] second = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            first[i] = backoff.delayNanos(i, () -> v);
            second[i] = backoff.delayNanos(i, () -> v);
        }
        assertThat(second).isEqualTo(first);
    }

    @Test
    void theThreadLocalRandomStaysInTheJitterRange() {
        for (int attempt = 0; attempt < 8; attempt++) {
            long ceiling = backoff.ceilingNanos(attempt);
            for (int i = 0; i < 100; i++) {
                assertThat(backoff.delayNanos(attempt)).isBetween(ceiling / 2, ceiling);
            }
        }
    }

    @Test
    void hugeCapsAndAttemptsNeverOverflow() {
        Backoff wide = new Backoff(Duration.ofSeconds(1), Duration.ofNanos(Long.MAX_VALUE));
        long previous = 0;
        for (int attempt = 0; attempt <= 200; attempt++) {
            long c = wide.ceilingNanos(attempt);
            assertThat(c).as("attempt %d", attempt).isPositive().isGreaterThanOrEqualTo(previous);
            assertThat(wide.delayNanos(attempt, () -> Math.nextDown(1.0))).as("attempt %d", attempt).isPositive();
            previous = c;
        }
        assertThat(wide.ceilingNanos(33)).isEqualTo(1_000_000_000L << 33);
        assertThat(wide.ceilingNanos(34)).isEqualTo(Long.MAX_VALUE);
        assertThat(wide.ceilingNanos(Integer.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(wide.delayNanos(Integer.MAX_VALUE, () -> 0.0)).isEqualTo(Long.MAX_VALUE / 2 + 1);
    }

    @Test
    void initialEqualToMaxIsAConstantDelay() {
        Backoff constant = new Backoff(Duration.ofMillis(50), Duration.ofMillis(50));
        assertThat(constant.ceilingNanos(0)).isEqualTo(50 * MS);
        assertThat(constant.ceilingNanos(30)).isEqualTo(50 * MS);
    }

    @Test
    void validationNamesTheField() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("PT0S")
                .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo("backoff.initial"));
        assertThatThrownBy(() -> new Backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo("backoff.initial"));
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("PT2S").hasMessageContaining("PT1S")
                .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo("backoff.max"));
        assertThatThrownBy(() -> new Backoff(null, Duration.ofSeconds(1))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), null)).isInstanceOf(NullPointerException.class);
    }
}
