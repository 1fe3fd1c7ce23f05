package io.dosp.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * CPU time of a process from {@code /proc/PID/stat}: {@code utime + stime} (fields 14 and 15,
 * user and system time of all its threads, in clock ticks of {@code getconf CLK_TCK}, usually
 * 100 per second). Two readings bracket a measured window; their difference over the messages
 * routed in it is the target's CPU cost per message.
 *
 * <p>Stateless and thread-safe; the tick rate is looked up once.
 */
final class ProcCpu {
    /** Used when {@code getconf CLK_TCK} cannot be run; it is 100 on every common Linux. */
    static final long DEFAULT_TICKS_PER_SECOND = 100;
    private static volatile long ticksPerSecond;

    private ProcCpu() {
    }

    /** {@code utime + stime} in clock ticks from one {@code /proc/PID/stat} line. */
    static long parseTicks(String statLine) {
        // Field 2 (comm) is in parentheses and may itself hold spaces and ')': fields 3.. follow the last ')'.
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + statLine);
        }
        String[] f = statLine.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) {
            throw new IllegalArgumentException("/proc/PID/stat line too short: " + statLine);
        }
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** The process's CPU time so far in clock ticks, or -1 when it cannot be read (gone, not Linux). */
    static long ticks(long pid) {
        try {
            return parseTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** This process's PID. */
    static long self() {
        return ProcessHandle.current().pid();
    }

    /** Seconds of CPU between two {@link #ticks} readings; NaN when either failed. */
    static double seconds(long startTicks, long endTicks) {
        if (startTicks < 0 || endTicks < startTicks) {
            return Double.NaN;
        }
        return (endTicks - startTicks) / (double) ticksPerSecond();
    }

    /** {@code getconf CLK_TCK}, or {@link #DEFAULT_TICKS_PER_SECOND}. */
    static long ticksPerSecond() {
        long t = ticksPerSecond;
        if (t == 0) {
            t = DEFAULT_TICKS_PER_SECOND;
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                try (InputStream in = p.getInputStream()) {
                    String out = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
                    if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                        t = Long.parseLong(out);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // keep the default
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ticksPerSecond = t;
        }
        return t;
    }
}
