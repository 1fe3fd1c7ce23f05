package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reading utime + stime from /proc/PID/stat. */
class ProcCpuTest {
    /** A /proc/self/stat line of a JVM (Linux 6.x layout, 52 fields): utime 1500, stime 250. */
    private static final String STAT = "4242 (java) S 1 4242 4242 0 -1 4194560 61234 0 12 0 1500 250 3 4 20 0 27 0 "
            + "9876 5000000000 40000 18446744073709551615 1 1 0 0 0 0 4 0 16800975 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0";

    @Test
    void utimePlusStime() {
        assertThat(ProcCpu.parseTicks(STAT)).isEqualTo(1750);
    }

    @Test
    void commandNameWithSpacesAndParentheses() {
        assertThat(ProcCpu.parseTicks(STAT.replace("(java)", "(my (odd) name)"))).isEqualTo(1750);
    }

    @Test
    void notAStatLine() {
        assertThatThrownBy(() -> ProcCpu.parseTicks("hello")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcCpu.parseTicks("1 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ownProcessIsReadAndItsCpuTimeGrows() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux /proc");
        String line = Files.readString(Path.of("/proc/self/stat"));
        assertThat(ProcCpu.parseTicks(line)).isNotNegative();
        long before = ProcCpu.ticks(ProcCpu.self());
        assertThat(before).isNotNegative();
        long spin = 0;
        long end = System.nanoTime() + 50_000_000L; // 50 ms of CPU: at least a few ticks at 100 Hz
        while (System.nanoTime() < end) {
            spin += Long.numberOfTrailingZeros(spin + System.nanoTime());
        }
        assertThat(spin).isNotNegative();
        assertThat(ProcCpu.ticks(ProcCpu.self())).isGreaterThanOrEqualTo(before);
    }

    @Test
    void missingProcessAndBadReadingsGiveNoValue() {
        assertThat(ProcCpu.ticks(Long.MAX_VALUE)).isEqualTo(-1);
        assertThat(ProcCpu.seconds(-1, 10)).isNaN();
        assertThat(ProcCpu.seconds(10, 5)).isNaN();
        assertThat(ProcCpu.ticksPerSecond()).isPositive();
        assertThat(ProcCpu.seconds(0, ProcCpu.ticksPerSecond())).isEqualTo(1.0);
    }
}
