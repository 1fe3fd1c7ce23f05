package io.dosp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The resident set size of a process ({@code VmRSS} in {@code /proc/PID/status}), sampled every
 * {@value #INTERVAL_MILLIS} ms on a thread of its own while it is open; {@link #peakBytes()} is the
 * largest sample (and one taken at the start and the end). A missing process reads as -1.
 */
final class RssSampler implements AutoCloseable {
    static final int INTERVAL_MILLIS = 100;

    private final long pid;
    private final AtomicLong peak = new AtomicLong(-1);
    private final ScheduledExecutorService timer;

    private RssSampler(long pid) {
        this.pid = pid;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-rss");
            t.setDaemon(true);
            return t;
        });
        sample();
        timer.scheduleAtFixedRate(this::sample, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts sampling {@code pid}, or returns null when there is no PID to sample. */
    static RssSampler start(Long pid) {
        return pid == null ? null : new RssSampler(pid);
    }

    /** The current VmRSS of {@code pid} in bytes, or -1. */
    static long rssBytes(long pid) {
        long kib = rssKiB(pid);
        return kib < 0 ? -1 : kib * 1024;
    }

    /** The current VmRSS of {@code pid} in KiB (as {@code /proc} gives it), or -1 (no such process). */
    static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private void sample() {
        long now = rssBytes(pid);
        peak.accumulateAndGet(now, Math::max);
    }

    /** The largest sample so far, in bytes (-1: none could be read). */
    long peakBytes() {
        return peak.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        sample();
    }
}
