package io.dosp.bench;

import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one s2c run measured. Throughput counts messages delivered to receivers during the
 * measured window (not the warm-up), by arrival time. Latency is one-way (sender's write to the
 * receiver's read, same clock) in open loop and the round trip in closed loop; both include
 * queueing. Loss, duplicates and reordering are counted over the whole run, warm-up included,
 * after waiting for the messages still in flight; in closed loop they cover both directions. A
 * message the server answered with ERR S2CF is {@code refused}, not lost: lost is what was
 * neither delivered nor refused. CPU per message divides the CPU time of the measured window by
 * the messages routed in it (both directions in closed loop).
 */
record S2cResult(S2cSpec spec, long sent, long delivered, long measuredDelivered, long measuredRoundTrips,
        Histogram latency, long lost, long duplicated, long reordered, long rejected, long refused, long errFrames,
        long exits, int disconnects, boolean drained, CpuUse cpu, String lastError, String failure) {

    static S2cResult collect(S2cSpec spec, List<S2cPair> pairs, boolean drained, CpuUse cpu, String failure) {
        long sent = 0;
        long delivered = 0;
        long measured = 0;
        long roundTrips = 0;
        long lost = 0;
        long dup = 0;
        long reord = 0;
        long rejected = 0;
        long refused = 0;
        long err = 0;
        String lastError = null;
        long exits = 0;
        int disconnects = 0;
        Histogram latency = new Histogram(S2cEndpoint.MAX_LATENCY_NANOS, 3);
        for (S2cPair p : pairs) {
            S2cEndpoint s = p.sender;
            S2cEndpoint r = p.receiver;
            sent += s.sent;
            delivered += r.received;
            measured += r.measured;
            lost += Math.max(0, r.tracker.lost(s.sent) - s.refused);
            dup += r.tracker.duplicates() + r.tracker.invalid();
            reord += r.tracker.reordered();
            if (spec.closedLoop()) {
                roundTrips += s.measured;
                // Every arrival at the receiver was echoed once; what the sender did not get was lost on the way back.
                lost += Math.max(0, r.received - s.received - r.refused);
                dup += Math.max(0, s.tracker.duplicates() - r.tracker.duplicates()) + s.tracker.invalid();
                reord += s.tracker.reordered();
            }
            rejected += s.rejected + r.rejected;
            refused += s.refused + r.refused;
            err += s.errFrames + r.errFrames;
            lastError = r.lastError != null ? r.lastError : s.lastError != null ? s.lastError : lastError;
            exits += s.exits + r.exits;
            disconnects += (s.disconnected ? 1 : 0) + (r.disconnected ? 1 : 0);
            for (S2cEndpoint e : List.of(s, r)) {
                if (e.latency != null) {
                    latency.add(e.latency);
                }
            }
        }
        return new S2cResult(spec, sent, delivered, measured, roundTrips, latency, lost, dup, reord, rejected, refused,
                err, exits, disconnects, drained, cpu, lastError, failure);
    }

    double seconds() {
        return spec.durationMillis() / 1000.0;
    }

    /** Messages delivered per second in the measured window. */
    double msgsPerSecond() {
        return measuredDelivered / seconds();
    }

    /** DATA (plaintext) megabytes per second delivered, 10^6 bytes. */
    double megabytesPerSecond() {
        return measuredDelivered * (double) spec.size() / 1e6 / seconds();
    }

    double roundTripsPerSecond() {
        return measuredRoundTrips / seconds();
    }

    /** Messages the target routed in the measured window: deliveries, plus echoes in closed loop. */
    long measuredRouted() {
        return spec.closedLoop() ? measuredDelivered + measuredRoundTrips : measuredDelivered;
    }

    /** Target CPU microseconds per routed message; NaN for direct or without a PID. */
    /** The target's peak RSS over the run in MiB, NaN when unknown. */
    double rssPeakMegabytes() {
        return cpu.targetRssPeakBytes() < 0 ? Double.NaN : cpu.targetRssPeakBytes() / (1024.0 * 1024.0);
    }

    double cpuMicrosPerMessage() {
        return cpu.targetMicrosPerMessage(measuredRouted());
    }

    /** The generator's own CPU microseconds per routed message. */
    double generatorCpuMicrosPerMessage() {
        return cpu.generatorMicrosPerMessage(measuredRouted());
    }

    String latencyKind() {
        return spec.closedLoop() ? "round_trip" : "one_way";
    }

    /** Latency percentile in microseconds (NaN when nothing was measured). */
    double latencyMicros(double percentile) {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxLatencyMicros() {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0;
    }

    /** No loss, no duplicates, nothing left in flight, no connection lost, no failure. */
    boolean clean() {
        return failure == null && drained && lost == 0 && duplicated == 0 && disconnects == 0 && rejected == 0;
    }

    String loopName() {
        return spec.loopName();
    }

    Json toJson() {
        Json lat = Json.obj().put("kind", latencyKind()).put("count", latency.getTotalCount())
                .put("p50_us", latencyMicros(50)).put("p99_us", latencyMicros(99)).put("p999_us", latencyMicros(99.9))
                .put("max_us", maxLatencyMicros()).put("mean_us", latency.getTotalCount() == 0 ? Double.NaN : latency.getMean() / 1000.0);
        return Json.obj().put("mode", "s2c").put("target", spec.label()).put("direct", spec.direct())
                .put("host", spec.direct() ? null : spec.host()).put("port", spec.direct() ? null : spec.port())
                .put("pairs", spec.pairs()).put("size", spec.size()).put("loop", loopName()).put("window", spec.window())
                .put("batch", spec.batch()).put("tunnel", spec.tunnel()).put("threads", spec.threads())
                .put("transport", Transport.name()).put("warmup_s", spec.warmupMillis() / 1000.0).put("duration_s", seconds())
                .put("sent", sent).put("delivered", delivered).put("measured_delivered", measuredDelivered)
                .put("msgs_per_s", msgsPerSecond()).put("mb_per_s", megabytesPerSecond())
                .put("round_trips_per_s", spec.closedLoop() ? roundTripsPerSecond() : null)
                .put("latency", lat).put("lost", lost).put("duplicated", duplicated).put("reordered", reordered)
                .put("s2cf_refused", refused).put("tunnel_rejected", rejected).put("err_frames", errFrames)
                .put("last_error", lastError).put("exit_frames", exits)
                .put("cpu_s", cpu.targetSeconds()).put("cpu_us_per_msg", cpuMicrosPerMessage())
                .put("generator_cpu_s", cpu.generatorSeconds())
                .put("generator_cpu_us_per_msg", generatorCpuMicrosPerMessage())
                .put("target_rss_peak_mb", rssPeakMegabytes())
                .put("disconnects", disconnects).put("drained", drained).put("clean", clean()).put("failure", failure);
    }

    String toTable() {
        StringBuilder sb = new StringBuilder();
        line(sb, "target", spec.label() + (spec.direct() ? " (loopback, no server)" : " " + spec.host() + ":" + spec.port()));
        line(sb, "pairs x size", spec.pairs() + " x " + spec.size() + " B" + (spec.tunnel() ? " (tunnel, " + spec.dataLength() + " B on the wire)" : ""));
        line(sb, "loop", spec.closedLoop() ? "closed (window 1, echo)" : spec.flood() ? "flood (no window, batch " + spec.batch() + ")"
                : "open (window " + spec.window() + ", batch " + spec.batch() + ")");
        line(sb, "measured", String.format(Locale.ROOT, "%.1f s after %.1f s warm-up, %d threads (%s)", seconds(),
                spec.warmupMillis() / 1000.0, spec.threads(), Transport.name()));
        line(sb, "delivered msgs/s", String.format(Locale.ROOT, "%,.0f", msgsPerSecond()));
        line(sb, "delivered MB/s", String.format(Locale.ROOT, "%.1f", megabytesPerSecond()));
        if (spec.closedLoop()) {
            line(sb, "round trips/s", String.format(Locale.ROOT, "%,.0f", roundTripsPerSecond()));
        }
        line(sb, "latency (" + latencyKind().replace('_', ' ') + ")", String.format(Locale.ROOT,
                "p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us", latencyMicros(50), latencyMicros(99),
                latencyMicros(99.9), maxLatencyMicros()));
        line(sb, "sent / delivered", sent + " / " + delivered);
        line(sb, "lost / dup / reordered", lost + " / " + duplicated + " / " + reordered);
        if (refused > 0 || spec.flood()) {
            line(sb, "refused (ERR S2CF)", String.valueOf(refused));
        }
        line(sb, "CPU us/msg", String.format(Locale.ROOT, "target %s  generator %s", cpuText(cpu.targetSeconds(),
                cpuMicrosPerMessage()), cpuText(cpu.generatorSeconds(), generatorCpuMicrosPerMessage())));
        if (cpu.targetRssPeakBytes() >= 0) {
            line(sb, "target RSS peak", String.format(Locale.ROOT, "%.1f MiB", rssPeakMegabytes()));
        }
        if (spec.tunnel()) {
            line(sb, "tunnel frames rejected", String.valueOf(rejected));
        }
        if (errFrames > 0 || exits > 0 || disconnects > 0) {
            line(sb, "ERR / EXIT / disconnects", errFrames + " / " + exits + " / " + disconnects
                    + (lastError == null ? "" : " (last ERR: " + lastError + ")"));
        }
        if (!drained) {
            line(sb, "drained", "no: messages still in flight after " + spec.drainMillis() + " ms");
        }
        if (failure != null) {
            line(sb, "failure", failure);
        }
        return sb.toString();
    }

    private static String cpuText(double seconds, double microsPerMessage) {
        return Double.isFinite(microsPerMessage)
                ? String.format(Locale.ROOT, "%.3f (%.2f s)", microsPerMessage, seconds) : "n/a";
    }

    private static void line(StringBuilder sb, String name, String value) {
        sb.append(String.format(Locale.ROOT, "%-24s %s%n", name, value));
    }
}
