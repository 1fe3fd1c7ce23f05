package io.dosp.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps notices that another client can make repeat (a tunnel opened with us, a tunnel frame
 * rejected) from flooding the terminal: per kind, the first {@code burst} notices of a window are
 * printed, the rest only counted, and when the window is over one line says how many were held
 * back: {@code [tunnel] (1234 more 'opened a tunnel' notices suppressed in the last 10s)}. Counts are
 * reported by {@link #flush()}, which the shell calls on a timer and once more before it leaves.
 *
 * <p>Thread-safe (one lock; printing is cheap).
 */
final class NoticeCoalescer {
    private final Duration window;
    private final int burst;
    private final LongSupplier nanoTime;
    private final Map<String, Kind> kinds = new LinkedHashMap<>();

    private static final class Kind {
        final PrintStream out;
        final String prefix;
        long windowStart;
        int printed;
        long suppressed;

        Kind(PrintStream out, String prefix, long now) {
            this.out = out;
            this.prefix = prefix;
            this.windowStart = now;
        }
    }

    /** At most {@code burst} lines of a kind per {@code window}, on the {@code nanoTime} clock. */
    NoticeCoalescer(Duration window, int burst, LongSupplier nanoTime) {
        this.window = window;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /**
     * Prints {@code line} to {@code out}, unless {@code burst} notices of {@code kind} were printed in
     * this window already; {@code prefix} starts the summary line (e.g. {@code [tunnel]}).
     */
    synchronized void notice(String kind, PrintStream out, String prefix, String line) {
        long now = nanoTime.getAsLong();
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind(out, prefix, now));
        roll(kind, k, now);
        if (k.printed < burst) {
            k.printed++;
            out.println(line);
        } else {
            k.suppressed++;
        }
    }

    /** Reports the counts of every window that is over (or, with {@code all}, of every window). */
    synchronized void flush(boolean all) {
        long now = nanoTime.getAsLong();
        for (Map.Entry<String, Kind> e : kinds.entrySet()) {
            Kind k = e.getValue();
            if (all) {
                report(e.getKey(), k, now);
                k.windowStart = now;
                k.printed = 0;
            } else {
                roll(e.getKey(), k, now);
            }
        }
    }

    /** {@link #flush(boolean) flush(false)}. */
    void flush() {
        flush(false);
    }

    private void roll(String kind, Kind k, long now) {
        if (now - k.windowStart >= window.toNanos()) {
            report(kind, k, now);
            k.windowStart = now;
            k.printed = 0;
        }
    }

    private void report(String kind, Kind k, long now) {
        if (k.suppressed > 0) {
            long seconds = Math.max(1, Math.round((now - k.windowStart) / 1e9));
            k.out.println(k.prefix + " (" + k.suppressed + " more '" + kind + "' notices suppressed in the last "
                    + seconds + "s)");
            k.suppressed = 0;
        }
    }
}
