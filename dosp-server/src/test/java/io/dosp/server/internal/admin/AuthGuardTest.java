package io.dosp.server.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.internal.admin.AuthGuard.Outcome;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** AUTH failures per address on a fake clock: backoff doubling, the ban, what is never checked, and forgetting. */
class AuthGuardTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final AtomicLong clock = new AtomicLong(42 * SECOND);
    private final AtomicInteger checks = new AtomicInteger();

    private AuthGuard<InetAddress> guard(int allowance, Duration backoff, Duration ban) {
        return new AuthGuard<>(allowance, backoff, ban, clock::get);
    }

    private AuthGuard.Verdict attempt(AuthGuard<InetAddress> g, InetAddress from, boolean right) {
        return g.attempt(from, () -> {
            checks.incrementAndGet();
            return right;
        });
    }

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void failuresBackOffDoublingThenBanAndNothingIsCheckedMeanwhile() throws Exception {
        AuthGuard<InetAddress> g = guard(6, Duration.ofSeconds(1), Duration.ofMinutes(10));
        InetAddress a = ip("203.0.113.7");
        assertThat(attempt(g, a, false).outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(attempt(g, a, false).outcome()).as("the first two failures cost no wait").isEqualTo(Outcome.REFUSED);
        assertThat(attempt(g, a, false).outcome()).isEqualTo(Outcome.REFUSED);
        for (long wait : new long[] {1, 2, 4}) {
            AuthGuard.Verdict v = attempt(g, a, true); // even the right token is not looked at during the wait
            assertThat(v.outcome()).isEqualTo(Outcome.THROTTLED);
            assertThat(v.waitNanos()).isEqualTo(wait * SECOND);
            clock.addAndGet(wait * SECOND - 1);
            assertThat(attempt(g, a, true).outcome()).isEqualTo(Outcome.THROTTLED);
            clock.addAndGet(1);
            assertThat(attempt(g, a, false).outcome()).isEqualTo(wait == 4 ? Outcome.REFUSED_NOW_BANNED : Outcome.REFUSED);
        }
        assertThat(checks.get()).isEqualTo(6);
        for (int i = 0; i < 1_000; i++) {
            assertThat(attempt(g, a, true).outcome()).isEqualTo(Outcome.THROTTLED);
        }
        assertThat(checks.get()).as("a banned address gets no more guesses").isEqualTo(6);
        clock.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(attempt(g, a, true).outcome()).as("after the ban, a fresh allowance").isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void addressesAreCountedApartAndASuccessForgets() throws Exception {
        AuthGuard<InetAddress> g = guard(3, Duration.ZERO, Duration.ofMinutes(1));
        InetAddress a = ip("198.51.100.1");
        InetAddress b = ip("198.51.100.2");
        attempt(g, a, false);
        attempt(g, a, false);
        assertThat(attempt(g, b, true).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(attempt(g, a, true).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(g.tracked()).isZero();
        attempt(g, a, false);
        attempt(g, a, false);
        assertThat(attempt(g, a, false).outcome()).as("the count started again after the success")
                .isEqualTo(Outcome.REFUSED_NOW_BANNED);
        assertThat(attempt(g, b, false).outcome()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    void aQuietPeriodAsLongAsTheBanForgetsFailures() throws Exception {
        AuthGuard<InetAddress> g = guard(3, Duration.ZERO, Duration.ofMinutes(1));
        InetAddress a = ip("192.0.2.9");
        attempt(g, a, false);
        attempt(g, a, false);
        clock.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(attempt(g, a, false).outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(attempt(g, a, false).outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(attempt(g, a, false).outcome()).isEqualTo(Outcome.REFUSED_NOW_BANNED);
    }

    @Test
    void noAllowanceOrNoAddressMeansEveryAttemptIsChecked() throws Exception {
        AuthGuard<InetAddress> off = guard(0, Duration.ofSeconds(1), Duration.ofMinutes(1));
        for (int i = 0; i < 50; i++) {
            assertThat(attempt(off, ip("192.0.2.1"), false).outcome()).isEqualTo(Outcome.REFUSED);
        }
        AuthGuard<InetAddress> on = guard(2, Duration.ofSeconds(1), Duration.ofMinutes(1));
        for (int i = 0; i < 50; i++) {
            assertThat(attempt(on, null, false).outcome()).as("in-process").isEqualTo(Outcome.REFUSED);
        }
        assertThat(checks.get()).isEqualTo(100);
    }

    @Test
    void backoffIsCappedAtTheBan() {
        AuthGuard<InetAddress> g = guard(100, Duration.ofSeconds(1), Duration.ofMinutes(15));
        assertThat(g.backoff(1)).isZero();
        assertThat(g.backoff(2)).isZero();
        assertThat(g.backoff(3)).isEqualTo(SECOND);
        assertThat(g.backoff(4)).isEqualTo(2 * SECOND);
        assertThat(g.backoff(12)).isEqualTo(512 * SECOND);
        assertThat(g.backoff(13)).isEqualTo(Duration.ofMinutes(15).toNanos());
        assertThat(g.backoff(99)).isEqualTo(Duration.ofMinutes(15).toNanos());
    }

    @Test
    void theTableIsBounded() throws Exception {
        AuthGuard<InetAddress> g = guard(5, Duration.ZERO, Duration.ofMinutes(1));
        byte[] b = new byte[16];
        b[0] = 0x20;
        b[1] = 0x01;
        for (int i = 0; i < AuthGuard.MAX_TRACKED + 100; i++) {
            b[4] = (byte) (i >> 16);
            b[5] = (byte) (i >> 8);
            b[6] = (byte) i;
            attempt(g, InetAddress.getByAddress(b), false);
        }
        assertThat(g.tracked()).isEqualTo(AuthGuard.MAX_TRACKED);
    }
}
