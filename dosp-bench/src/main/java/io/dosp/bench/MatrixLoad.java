package io.dosp.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code matrix}: the s2c grid (pairs x sizes x open/closed/flood x plain/tunnel), each
 * configuration run against every target back to back (direct baseline, our server, optionally
 * the Python one and a nats-server), the whole grid repeated; prints medians and the
 * target/direct ratios taken within each repetition, and each target's CPU per message when its
 * PID is given, as Markdown tables.
 */
@Command(name = "matrix", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the s2c grid against direct loopback and the server(s); print medians and ratios.",
                "Targets of one configuration run back to back, so their ratio comes from the same moment."})
final class MatrixLoad implements Callable<Integer> {

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port of our DoSP server; omit to run direct only.")
    Integer port;

    @Option(names = "--server-pid", description = "PID of our server, for its CPU per message.")
    Long serverPid;

    @Option(names = "--python-port", description = "Port of a Python (reference) DoSP server, if one runs.")
    Integer pythonPort;

    @Option(names = "--python-pid", description = "PID of the Python server, for its CPU per message.")
    Long pythonPid;

    @Option(names = "--nats-port", description = "Port of a nats-server to add as a target, if one runs.")
    Integer natsPort;

    @Option(names = "--nats-pid", description = "PID of that nats-server, for its CPU per message.")
    Long natsPid;

    @Option(names = "--server", paramLabel = "LABEL=PORT",
            description = "A further DoSP server to compare, e.g. --server before=17746 (repeatable).")
    Map<String, Integer> moreServers = new LinkedHashMap<>();

    @Option(names = "--server-pid-of", paramLabel = "LABEL=PID",
            description = "PID of a further server (--server LABEL=PORT), for its CPU per message and RSS (repeatable).")
    Map<String, Long> morePids = new LinkedHashMap<>();

    @Option(names = "--pairs", split = ",", description = "Pair counts (default: ${DEFAULT-VALUE}).")
    int[] pairs = {1, 16, 64};

    @Option(names = "--sizes", split = ",", description = "DATA sizes in bytes (default: ${DEFAULT-VALUE}).")
    int[] sizes = {64, 1024};

    @Option(names = "--loops", split = ",", description = "open, closed and/or flood (no window) (default: ${DEFAULT-VALUE}).")
    String[] loops = {"open", "closed"};

    @Option(names = "--tunnel", split = ",", description = "off and/or on (default: ${DEFAULT-VALUE}).")
    String[] tunnel = {"off", "on"};

    @Option(names = "--repeats", description = "Repetitions of the whole grid (default: ${DEFAULT-VALUE}).")
    int repeats = 3;

    @Option(names = {"-d", "--duration"}, description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    double duration = 5;

    @Option(names = "--warmup", description = "Unmeasured seconds at the start of each run (default: ${DEFAULT-VALUE}).")
    double warmup = 1;

    @Option(names = "--drain", description = "Seconds to wait for messages in flight after sending stops (default: ${DEFAULT-VALUE}).")
    double drain = 5;

    @Option(names = "--server-warmup", description = "Seconds of unrecorded load on each server before the grid, to warm its JIT (default: ${DEFAULT-VALUE}).")
    double serverWarmup = 10;

    @Option(names = {"-w", "--window"}, description = "Open-loop window per pair (default: ${DEFAULT-VALUE}).")
    int window = 1024;

    @Option(names = "--batch", description = "Most messages per write (default: ${DEFAULT-VALUE}).")
    int batch = 256;

    @Option(names = "--threads", description = "Generator I/O threads (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Option(names = "--json-out", description = "Append every run, then the summary, as JSON lines to this file.")
    Path jsonOut;

    private static final List<String> LOOPS = List.of("open", "closed", "flood");

    private record Target(String label, String kind, int port, Long pid) {
    }

    private record Config(int pairs, int size, String loop, boolean tunnel) {
        String key() {
            return pairs + " x " + size + " B " + loop + (tunnel ? " tunnel" : "");
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Target> targets = new ArrayList<>();
        targets.add(new Target(S2cSpec.DIRECT, S2cSpec.DIRECT, 0, null));
        if (port != null) {
            targets.add(new Target("server", S2cSpec.SERVER, port, serverPid));
        }
        if (pythonPort != null) {
            targets.add(new Target("python", S2cSpec.SERVER, pythonPort, pythonPid));
        }
        if (natsPort != null) {
            targets.add(new Target("nats", S2cSpec.NATS, natsPort, natsPid));
        }
        moreServers.forEach((label, p) -> targets.add(new Target(label, S2cSpec.SERVER, p, morePids.get(label))));
        List<Config> configs = new ArrayList<>();
        for (String t : tunnel) {
            for (String l : loops) {
                if (!LOOPS.contains(l)) {
                    throw new IllegalArgumentException("--loops takes open, closed or flood, got " + l);
                }
                for (int p : pairs) {
                    for (int s : sizes) {
                        configs.add(new Config(p, s, l, t.equals("on")));
                    }
                }
            }
        }
        for (Target t : targets) {
            if (!t.kind.equals(S2cSpec.DIRECT) && serverWarmup > 0) {
                System.err.printf(Locale.ROOT, "warming up %s for %.0f s%n", t.label, serverWarmup);
                S2cRun.run(spec(new Config(16, 64, "open", false), t, 0, serverWarmup));
            }
        }
        Map<Config, Map<String, List<S2cResult>>> results = new LinkedHashMap<>();
        boolean allClean = true;
        for (int rep = 1; rep <= repeats; rep++) {
            for (Config c : configs) {
                for (Target t : targets) {
                    S2cResult r = S2cRun.run(spec(c, t, warmup, duration));
                    results.computeIfAbsent(c, k -> new LinkedHashMap<>()).computeIfAbsent(t.label, k -> new ArrayList<>()).add(r);
                    allClean &= r.clean();
                    System.err.printf(Locale.ROOT, "[%d/%d] %-28s %-7s %,12.0f msgs/s  p50 %8.1f us  p99 %8.1f us  cpu %s us/msg"
                            + "  rss %s MiB  lost %d dup %d reord %d S2CF %d%s%n", rep, repeats, c.key(), t.label, r.msgsPerSecond(),
                            r.latencyMicros(50), r.latencyMicros(99), cpu(r.cpuMicrosPerMessage()),
                            Double.isNaN(r.rssPeakMegabytes()) ? "-" : String.format(Locale.ROOT, "%.0f", r.rssPeakMegabytes()),
                            r.lost(), r.duplicated(),
                            r.reordered(), r.refused(), r.clean() ? "" : "  NOT CLEAN");
                    appendJson(r.toJson().put("repeat", rep).toString());
                }
            }
        }
        print(results, targets);
        return allClean ? 0 : 1;
    }

    private S2cSpec spec(Config c, Target t, double warmupSeconds, double seconds) {
        int w = switch (c.loop) {
            case "closed" -> 1;
            case "flood" -> S2cSpec.FLOOD;
            default -> window;
        };
        return new S2cSpec(t.kind, t.label, host, t.port, c.pairs, c.size, w, batch, S2cLoad.millis(warmupSeconds),
                S2cLoad.millis(seconds), S2cLoad.millis(drain), c.tunnel, threads, t.pid);
    }

    private void print(Map<Config, Map<String, List<S2cResult>>> results, List<Target> targets) throws IOException {
        List<String> servers = targets.stream().map(Target::label).filter(l -> !l.equals(S2cSpec.DIRECT)).toList();
        PrintWriter out = new PrintWriter(System.out, true);
        Json summary = Json.obj().put("mode", "matrix-summary").put("repeats", repeats).put("duration_s", duration)
                .put("window", window).put("batch", batch).put("threads", threads);
        List<Json> rows = new ArrayList<>();
        for (String loop : LOOPS) {
            if (results.keySet().stream().noneMatch(c -> c.loop.equals(loop))) {
                continue;
            }
            out.printf(Locale.ROOT, "%n%s, medians of %d runs%n%n", switch (loop) {
                case "closed" -> "Closed loop (window 1, round trip)";
                case "flood" -> "Flood (no window, one-way)";
                default -> "Open loop (window " + window + ", one-way)";
            }, repeats);
            StringBuilder head = new StringBuilder("| pairs | size | tunnel | direct msgs/s | direct p50 / p99 µs |");
            StringBuilder rule = new StringBuilder("|---|---|---|---|---|");
            for (String s : servers) {
                head.append(' ').append(s).append(" msgs/s | ").append(s).append(" MB/s | ").append(s)
                        .append(" p50 / p99 / p99.9 / max µs | ").append(s).append(" / direct msgs/s | ").append(s)
                        .append(" / direct p99 | ").append(s).append(" CPU µs/msg | lost / dup / reord / S2CF |");
                rule.append("---|---|---|---|---|---|---|");
            }
            out.println(head);
            out.println(rule);
            for (Map.Entry<Config, Map<String, List<S2cResult>>> e : results.entrySet()) {
                Config c = e.getKey();
                if (!c.loop.equals(loop)) {
                    continue;
                }
                List<S2cResult> direct = e.getValue().get(S2cSpec.DIRECT);
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s |", c.pairs,
                        c.size == 1024 ? "1 KiB" : c.size + " B", c.tunnel ? "yes" : "no", rate(median(direct, S2cResult::msgsPerSecond)),
                        lat(median(direct, r -> r.latencyMicros(50))) + " / " + lat(median(direct, r -> r.latencyMicros(99)))));
                Json jrow = Json.obj().put("pairs", c.pairs).put("size", c.size).put("loop", loop)
                        .put("tunnel", c.tunnel).put("direct_msgs_per_s", median(direct, S2cResult::msgsPerSecond))
                        .put("direct_p99_us", median(direct, r -> r.latencyMicros(99)))
                        .put("direct_generator_cpu_us_per_msg", median(direct, S2cResult::generatorCpuMicrosPerMessage));
                for (String s : servers) {
                    List<S2cResult> rs = e.getValue().get(s);
                    double[] tput = new double[rs.size()];
                    double[] p99 = new double[rs.size()];
                    long lost = 0;
                    long dup = 0;
                    long reord = 0;
                    long refused = 0;
                    for (int i = 0; i < rs.size(); i++) {
                        tput[i] = rs.get(i).msgsPerSecond() / direct.get(i).msgsPerSecond();
                        p99[i] = rs.get(i).latencyMicros(99) / direct.get(i).latencyMicros(99);
                        lost += rs.get(i).lost();
                        dup += rs.get(i).duplicated();
                        reord += rs.get(i).reordered();
                        refused += rs.get(i).refused();
                    }
                    double cpu = median(rs, S2cResult::cpuMicrosPerMessage);
                    row.append(String.format(Locale.ROOT, " %s | %.1f | %s / %s / %s / %s | %.3f | %.2f | %s | %d / %d / %d / %d |",
                            rate(median(rs, S2cResult::msgsPerSecond)), median(rs, S2cResult::megabytesPerSecond),
                            lat(median(rs, r -> r.latencyMicros(50))), lat(median(rs, r -> r.latencyMicros(99))),
                            lat(median(rs, r -> r.latencyMicros(99.9))), lat(median(rs, S2cResult::maxLatencyMicros)),
                            median(tput), median(p99), cpu(cpu),
                            lost, dup, reord, refused));
                    jrow.put(s, Json.obj().put("msgs_per_s", median(rs, S2cResult::msgsPerSecond))
                            .put("mb_per_s", median(rs, S2cResult::megabytesPerSecond))
                            .put("p50_us", median(rs, r -> r.latencyMicros(50))).put("p99_us", median(rs, r -> r.latencyMicros(99)))
                            .put("p999_us", median(rs, r -> r.latencyMicros(99.9))).put("max_us", median(rs, S2cResult::maxLatencyMicros))
                            .put("ratio_msgs_to_direct", median(tput)).put("ratio_p99_to_direct", median(p99))
                            .put("cpu_us_per_msg", cpu).put("lost", lost).put("duplicated", dup).put("reordered", reord)
                            .put("s2cf_refused", refused)
                            .put("rss_peak_mb_max", rs.stream().mapToDouble(S2cResult::rssPeakMegabytes).max().orElse(Double.NaN)));
                }
                out.println(row);
                rows.add(jrow);
            }
        }
        appendJson(summary.put("rows", rows).toString());
    }

    private static double median(List<S2cResult> rs, ToDoubleFunction<S2cResult> f) {
        return median(rs.stream().mapToDouble(f).toArray());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String rate(double msgsPerSecond) {
        return msgsPerSecond >= 1e6 ? String.format(Locale.ROOT, "%.2f M", msgsPerSecond / 1e6)
                : String.format(Locale.ROOT, "%.1f k", msgsPerSecond / 1e3);
    }

    private static String cpu(double microsPerMessage) {
        return Double.isFinite(microsPerMessage) ? String.format(Locale.ROOT, "%.3f", microsPerMessage) : "n/a";
    }

    private static String lat(double micros) {
        return micros >= 1000 ? String.format(Locale.ROOT, "%.0f", micros) : String.format(Locale.ROOT, "%.1f", micros);
    }

    private void appendJson(String line) throws IOException {
        if (jsonOut != null) {
            Files.writeString(jsonOut, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }
}
