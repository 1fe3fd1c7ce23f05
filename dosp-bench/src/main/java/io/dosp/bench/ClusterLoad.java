package io.dosp.bench;

import io.dosp.cluster.ClusterStats;
import io.dosp.cluster.NatsCluster;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cluster}: S2C across the nodes of a cluster on one nats-server it starts itself, next to a single server and
 * direct loopback in the same run (for ratios on a shared, noisy machine), the whole set repeated; then the CPU per
 * frame of each step of the cross-node path from thread CPU time, the cost model of the cluster design for 1-8
 * nodes, and its check against 1, 2 and 3 nodes measured here. All servers run in this JVM with one worker thread
 * each and 64 KiB frames at most (NATS' default {@code max_payload} is 1 MiB), so that a thread's CPU time belongs to one node and one role (see {@link ThreadCpu}).
 *
 * <p>Runs per repetition, for each size: {@code direct} (no server), {@code single} (one server, no cluster),
 * {@code cross on} and {@code cross off} (2 nodes, every sender on node 0 and its receiver on node 1, batching on
 * and off); and at the first size {@code spread N} for N = 1, 2, 3 (pairs spread evenly over every (sender node,
 * receiver node) combination, so (N-1)/N of the frames cross nodes, as in the model).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"S2C across cluster nodes (batching on/off) vs one server vs direct loopback, repeated;",
                "CPU per frame for each step, the cost model for 1-8 nodes and its check against 1-3 nodes."})
final class ClusterLoad implements Callable<Integer> {

    @Option(names = "--nats-server", description = "nats-server executable (default: ${DEFAULT-VALUE}).")
    String natsServer = "nats-server";

    @Option(names = {"-p", "--pairs"}, description = "Pairs in the cross-node and single runs (default: ${DEFAULT-VALUE}).")
    int pairs = 36;

    @Option(names = "--spread-pairs", description = "Pairs in the spread runs, a multiple of 36 spreads evenly over "
            + "1, 2 and 3 nodes (default: ${DEFAULT-VALUE}).")
    int spreadPairs = 36;

    @Option(names = "--sizes", split = ",", description = "DATA bytes per message (default: ${DEFAULT-VALUE}).")
    int[] sizes = {64, 1024};

    @Option(names = {"-w", "--window"}, description = "Messages in flight per pair (default: ${DEFAULT-VALUE}).")
    int window = 128;

    @Option(names = {"-r", "--repeat"}, description = "Repetitions; medians are reported (default: ${DEFAULT-VALUE}).")
    int repeat = 3;

    @Option(names = {"-d", "--duration"}, description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    double duration = 3;

    @Option(names = "--warmup", description = "Warm-up seconds per run (default: ${DEFAULT-VALUE}).")
    double warmup = 1;

    @Option(names = "--threads", description = "Generator I/O threads (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Option(names = "--json", description = "Also print every run as one JSON line (prefix 'run ').")
    boolean json;

    /** What one run measured. */
    record Run(int rep, String label, int size, int nodes, double msgsPerS, double p99us, long frames,
            Map<String, Long> cpuNanos, List<Long> ioNanosByNode, double natsServerSeconds, long framesSent,
            long batchesSent, long refused, long lost, boolean clean, String drops) {

        double perFrameMicros(long nanos) {
            return frames == 0 ? Double.NaN : nanos / 1e3 / frames;
        }

        long cpu(String role) {
            return cpuNanos.getOrDefault(role, 0L);
        }

        long io() {
            return ioNanosByNode.stream().mapToLong(Long::longValue).sum();
        }

        /** Node CPU (workers and jnats threads) per delivered frame, in microseconds. */
        double nodeMicros() {
            return perFrameMicros(io() + cpu(ThreadCpu.READER) + cpu(ThreadCpu.WRITER) + cpu(ThreadCpu.DISPATCHER));
        }

        double batch() {
            return batchesSent == 0 ? Double.NaN : (double) framesSent / batchesSent;
        }
    }

    private final List<Run> runs = new ArrayList<>();
    private Path tmp;
    private int clusterSeq;

    @Override
    public Integer call() throws Exception {
        tmp = Files.createTempDirectory("dosp-bench-cluster");
        boolean clean = true;
        try (NatsProcess nats = NatsProcess.start(natsServer)) {
            System.out.printf(Locale.ROOT, "# cluster: nats-server %s (pid %d), %d pairs (spread %d), window %d, "
                    + "%.1f s measured after %.1f s warm-up, %d repetitions, %d cores%n", nats.url(), nats.pid(), pairs,
                    spreadPairs, window, duration, warmup, repeat, Runtime.getRuntime().availableProcessors());
            for (int rep = 1; rep <= repeat; rep++) {
                for (int size : sizes) {
                    clean &= add(direct(rep, size));
                    clean &= add(server(rep, "single", size, null, 0, false, pairs, i -> 0, i -> 0));
                    clean &= add(server(rep, "cross on", size, nats, 2, true, pairs, i -> 0, i -> 1));
                    clean &= add(server(rep, "cross off", size, nats, 2, false, pairs, i -> 0, i -> 1));
                }
                for (int n = 1; n <= 3; n++) {
                    int nodes = n;
                    clean &= add(server(rep, "spread " + n, sizes[0], nats, n, true, spreadPairs, i -> i % nodes,
                            i -> (i / nodes) % nodes));
                }
            }
        }
        report();
        return clean ? 0 : 1;
    }

    /** Every run so far, in order. */
    List<Run> runs() {
        return List.copyOf(runs);
    }

    private boolean add(Run r) {
        runs.add(r);
        System.out.printf(Locale.ROOT, "# rep %d %-10s %5d B: %,10.0f msgs/s  p99 %8.0f us  node CPU %.2f us/frame"
                + "  batch %.1f  refused %d  lost %d%s%s%n", r.rep(), r.label(), r.size(), r.msgsPerS(), r.p99us(),
                r.nodeMicros(), r.batch(), r.refused(), r.lost(), r.clean() ? "" : "  NOT CLEAN",
                r.drops().isEmpty() ? "" : "  drops: " + r.drops());
        if (json) {
            System.out.println("run " + Json.obj().put("rep", r.rep()).put("label", r.label()).put("size", r.size())
                    .put("nodes", r.nodes()).put("msgs_per_s", r.msgsPerS()).put("p99_us", r.p99us())
                    .put("frames", r.frames()).put("cpu_ns", r.cpuNanos().toString())
                    .put("io_ns_by_node", r.ioNanosByNode().toString()).put("nats_server_cpu_s", r.natsServerSeconds())
                    .put("frames_sent", r.framesSent()).put("batches_sent", r.batchesSent()).put("refused", r.refused())
                    .put("lost", r.lost()).put("clean", r.clean()).put("drops", r.drops()));
        }
        return r.clean();
    }

    private S2cSpec spec(String target, String label, int port, int size, int nPairs) {
        return new S2cSpec(target, label, "127.0.0.1", port, nPairs, size, window, 64, S2cLoad.millis(warmup),
                S2cLoad.millis(duration), 5_000, false, threads, null);
    }

    private Run direct(int rep, int size) throws InterruptedException {
        ThreadCpu cpu = new ThreadCpu();
        Map<String, Long>[] used = holder();
        S2cResult r = S2cRun.run(spec(S2cSpec.DIRECT, "direct", 0, size, pairs), new S2cRun.Hooks() {
            @Override
            public int senderPort(int index) {
                return 0;
            }

            @Override
            public int receiverPort(int index) {
                return 0;
            }

            @Override
            public void measureStart() {
                cpu.start();
            }

            @Override
            public void measureEnd() {
                used[0] = cpu.end();
            }
        });
        return new Run(rep, "direct", size, 0, r.msgsPerSecond(), r.latencyMicros(99), r.measuredDelivered(),
                used[0] == null ? Map.of() : used[0], List.of(), 0, 0, 0, r.refused(), r.lost(), r.clean(), "");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long>[] holder() {
        return new Map[1];
    }

    /**
     * {@code nodes} servers (0: one server without a cluster) on {@code nats}, pair i's sender on node
     * {@code senderNode(i)} and receiver on {@code receiverNode(i)}.
     */
    private Run server(int rep, String label, int size, NatsProcess nats, int nodes, boolean batching, int nPairs,
            IntUnaryOperator senderNode, IntUnaryOperator receiverNode) throws Exception {
        List<DospServer> servers = new ArrayList<>();
        List<NatsCluster> clusters = new ArrayList<>();
        String name = "bench" + ProcessHandle.current().pid() + "x" + (++clusterSeq);
        try {
            for (int i = 0; i < Math.max(1, nodes); i++) {
                Path dir = Files.createDirectories(tmp.resolve(name + "n" + i));
                ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).workerThreads(1)
                        .template("10.7.x.x").limits(l -> l.maxConnectionsPerAddress(100_000).maxFrameSize(64 << 10))
                        .access(a -> a.adminToken("admin-token-for-bench-0123").adminTokenFile(dir.resolve("token")))
                        .build();
                if (nodes == 0) {
                    servers.add(DospServer.start(config));
                } else {
                    NatsCluster c = NatsCluster.builder().servers(List.of(nats.url())).name(name).nodeName("n" + i)
                            .batching(batching).build();
                    servers.add(new DospServer(config, c).start());
                    clusters.add(c);
                }
            }
            ThreadCpu cpu = new ThreadCpu();
            Map<String, Long>[] used = holder();
            long[] natsTicks = new long[2];
            long[] sent = new long[2];
            long[] batches = new long[2];
            S2cResult r = S2cRun.run(spec(S2cSpec.SERVER, label, servers.get(0).port(), size, nPairs), new S2cRun.Hooks() {
                @Override
                public int senderPort(int index) {
                    return servers.get(senderNode.applyAsInt(index)).port();
                }

                @Override
                public int receiverPort(int index) {
                    return servers.get(receiverNode.applyAsInt(index)).port();
                }

                @Override
                public void connected() throws InterruptedException {
                    // every node's mirror must know every client before the first frame, or it is refused
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    for (NatsCluster c : clusters) {
                        while (c.claimedVips().size() < 2 * nPairs) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException("node " + c.nodeId() + " sees "
                                        + c.claimedVips().size() + " of " + 2 * nPairs + " clients after 30 s");
                            }
                            Thread.sleep(5);
                        }
                    }
                }

                @Override
                public void measureStart() {
                    natsTicks[0] = nats == null ? 0 : ProcCpu.ticks(nats.pid());
                    sent[0] = clusters.stream().mapToLong(c -> c.stats().framesSent()).sum();
                    batches[0] = clusters.stream().mapToLong(c -> c.stats().batchesSent()).sum();
                    cpu.start();
                }

                @Override
                public void measureEnd() {
                    used[0] = cpu.end();
                    natsTicks[1] = nats == null ? 0 : ProcCpu.ticks(nats.pid());
                    sent[1] = clusters.stream().mapToLong(c -> c.stats().framesSent()).sum();
                    batches[1] = clusters.stream().mapToLong(c -> c.stats().batchesSent()).sum();
                }
            });
            Map<String, Long> byRole = used[0] == null ? Map.of() : used[0];
            // Worker pools were numbered in the order the servers were built: the lowest is node 0.
            long[] pools = byRole.keySet().stream().filter(k -> k.startsWith("io:")).mapToLong(k -> {
                try {
                    return Long.parseLong(k.substring(3));
                } catch (NumberFormatException e) {
                    return Long.MAX_VALUE;
                }
            }).sorted().toArray();
            List<Long> io = new ArrayList<>();
            for (long p : pools) {
                io.add(byRole.get("io:" + p));
            }
            StringBuilder drops = new StringBuilder();
            for (int i = 0; i < servers.size(); i++) {
                servers.get(i).stats().drops().forEach((reason, n) -> {
                    if (n > 0) {
                        drops.append(' ').append(reason).append('=').append(n);
                    }
                });
                if (i < clusters.size()) {
                    ClusterStats cs = clusters.get(i).stats();
                    if (cs.framesDiscarded() + cs.failuresReturned() + cs.incomingDropped() > 0) {
                        drops.append(" node").append(i).append(":discarded=").append(cs.framesDiscarded())
                                .append(",returned=").append(cs.failuresReturned()).append(",dropped=")
                                .append(cs.incomingDropped());
                    }
                }
            }
            for (DospServer s : servers) {
                s.close();
            }
            servers.clear();
            return new Run(rep, label, size, nodes, r.msgsPerSecond(), r.latencyMicros(99), r.measuredDelivered(),
                    byRole, io, nats == null ? 0 : ProcCpu.seconds(natsTicks[0], natsTicks[1]), sent[1] - sent[0],
                    batches[1] - batches[0], r.refused(), r.lost(), r.clean(), drops.toString().trim());
        } finally {
            for (DospServer s : servers) {
                s.close();
            }
        }
    }

    // ---- the report ----

    private List<Run> of(String label, int size) {
        return runs.stream().filter(r -> r.label().equals(label) && r.size() == size).toList();
    }

    private Run of(String label, int size, int rep) {
        return runs.stream().filter(r -> r.label().equals(label) && r.size() == size && r.rep() == rep).findFirst()
                .orElseThrow();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private double median(String label, int size, java.util.function.ToDoubleFunction<Run> f) {
        return median(of(label, size).stream().mapToDouble(f).toArray());
    }

    /** The median over repetitions of a ratio taken within each repetition. */
    private double ratio(String a, String b, int size) {
        double[] v = new double[repeat];
        for (int rep = 1; rep <= repeat; rep++) {
            v[rep - 1] = of(a, size, rep).msgsPerS() / of(b, size, rep).msgsPerS();
        }
        return median(v);
    }

    /**
     * The steps, in microseconds of node CPU per frame (per NATS message for {@code perMessage}), from one
     * repetition's runs at one size. {@code local} = ingress parse + local delivery (the single server: one worker
     * thread does both, on the fast path); {@code sender} = ingress parse + remote egress (the sender's node's worker in
     * "cross on", less its share of the per-message cost); {@code owner} = remote ingress on the owner's node (its
     * dispatcher decoding and handing frames over, and its worker writing them to the client); {@code jnats} = what
     * the NATS connections spend per frame beyond the per-message cost (copying bytes); {@code perMessage} = node CPU
     * per NATS message, from "cross on" and "cross off" ({@code C(B) = R + perMessage/B}, two batch sizes, two
     * unknowns); {@code natsServer} = nats-server's CPU per message (from "cross off").
     */
    record Steps(double local, double sender, double owner, double jnats, double perMessage, double batch,
            double natsServerPerMessage) {

        /** Node CPU of a frame to another node, without the per-message part. */
        double remote() {
            return sender + owner + jnats;
        }
    }

    Steps steps(int size, int rep) {
        Run single = of("single", size, rep);
        Run on = of("cross on", size, rep);
        Run off = of("cross off", size, rep);
        double local = single.perFrameMicros(single.io());
        double cOn = on.nodeMicros();
        double cOff = off.nodeMicros();
        double b = on.batch();
        double perMessage = (cOff - cOn) / (1 - 1 / b);
        double remote = cOff - perMessage;
        double sender = on.perFrameMicros(on.ioNanosByNode().get(0)) - perMessage / b;
        double owner = on.perFrameMicros(on.ioNanosByNode().size() > 1 ? on.ioNanosByNode().get(1) : 0)
                + on.perFrameMicros(on.cpu(ThreadCpu.DISPATCHER));
        double natsServer = off.frames() == 0 ? Double.NaN : off.natsServerSeconds() * 1e6 / off.frames();
        return new Steps(local, sender, owner, remote - sender - owner, perMessage, b, natsServer);
    }

    /**
     * Per-frame node CPU for {@code n} nodes with batches of {@code b} frames: the design's model, parse + local/N +
     * (N-1)/N x (egress + ingress + perMessage/B), written with the parse inside both paths (a frame pays parse +
     * local delivery with chance 1/N and parse + egress + ingress + perMessage/B otherwise; the two are the same).
     */
    static double model(Steps s, int n, double b) {
        return s.local() / n + (n - 1.0) / n * (s.remote() + s.perMessage() / b);
    }

    private Steps medianSteps(int size) {
        List<Steps> all = new ArrayList<>();
        for (int rep = 1; rep <= repeat; rep++) {
            all.add(steps(size, rep));
        }
        return new Steps(median(all.stream().mapToDouble(Steps::local).toArray()),
                median(all.stream().mapToDouble(Steps::sender).toArray()),
                median(all.stream().mapToDouble(Steps::owner).toArray()),
                median(all.stream().mapToDouble(Steps::jnats).toArray()),
                median(all.stream().mapToDouble(Steps::perMessage).toArray()),
                median(all.stream().mapToDouble(Steps::batch).toArray()),
                median(all.stream().mapToDouble(Steps::natsServerPerMessage).toArray()));
    }

    private void report() {
        System.out.println();
        System.out.println("## Throughput and p99 (median of " + repeat + "; ratios taken within each repetition)");
        System.out.println();
        System.out.println("| size | direct msgs/s | single msgs/s | cross on msgs/s | cross off msgs/s | p99 single us"
                + " | p99 cross on us | p99 cross off us | on/single | off/single | on/off | single/direct | batch |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int size : sizes) {
            System.out.printf(Locale.ROOT, "| %d B | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %.2f | %.2f "
                    + "| %.2f | %.2f | %.1f |%n", size, median("direct", size, Run::msgsPerS),
                    median("single", size, Run::msgsPerS), median("cross on", size, Run::msgsPerS),
                    median("cross off", size, Run::msgsPerS), median("single", size, Run::p99us),
                    median("cross on", size, Run::p99us), median("cross off", size, Run::p99us),
                    ratio("cross on", "single", size), ratio("cross off", "single", size),
                    ratio("cross on", "cross off", size), ratio("single", "direct", size),
                    median("cross on", size, Run::batch));
        }
        System.out.println();
        System.out.println("## CPU per frame by thread role (median, us/frame; io:0 = sender's node, io:1 = receiver's)");
        System.out.println();
        System.out.println("| run | size | io node 0 | io node 1 | nats reader | nats writer | nats dispatcher | node total"
                + " | generator | nats-server | batch |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int size : sizes) {
            for (String label : List.of("single", "cross on", "cross off")) {
                System.out.printf(Locale.ROOT, "| %s | %d B | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |%n",
                        label, size,
                        median(label, size, r -> r.perFrameMicros(r.ioNanosByNode().isEmpty() ? 0 : r.ioNanosByNode().get(0))),
                        median(label, size, r -> r.perFrameMicros(r.ioNanosByNode().size() < 2 ? 0 : r.ioNanosByNode().get(1))),
                        median(label, size, r -> r.perFrameMicros(r.cpu(ThreadCpu.READER))),
                        median(label, size, r -> r.perFrameMicros(r.cpu(ThreadCpu.WRITER))),
                        median(label, size, r -> r.perFrameMicros(r.cpu(ThreadCpu.DISPATCHER))),
                        median(label, size, Run::nodeMicros),
                        median(label, size, r -> r.perFrameMicros(r.cpu(ThreadCpu.GENERATOR))),
                        median(label, size, r -> r.frames() == 0 ? Double.NaN : r.natsServerSeconds() * 1e6 / r.frames()),
                        median(label, size, Run::batch));
            }
        }
        System.out.println();
        System.out.println("## Steps (us of node CPU per frame; per NATS message for the last two)");
        System.out.println();
        System.out.println("| size | parse + local delivery | parse + remote egress | remote ingress (owner) | NATS "
                + "connections per frame | per NATS message (node) | per NATS message (nats-server) | batch B |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        Map<Integer, Steps> steps = new LinkedHashMap<>();
        for (int size : sizes) {
            Steps s = medianSteps(size);
            steps.put(size, s);
            System.out.printf(Locale.ROOT, "| %d B | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |%n", size, s.local(),
                    s.sender(), s.owner(), s.jnats(), s.perMessage(), s.natsServerPerMessage(), s.batch());
        }
        System.out.println();
        System.out.println("## Cost model: node CPU per frame and frames/s for N nodes of one core each");
        System.out.println();
        System.out.println("| N | size | us/frame (B measured) | frames/s | us/frame (B=1) | frames/s (B=1) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|");
        for (int size : sizes) {
            Steps s = steps.get(size);
            for (int n = 1; n <= 8; n++) {
                double c = model(s, n, s.batch());
                double c1 = model(s, n, 1);
                System.out.printf(Locale.ROOT, "| %d | %d B | %.2f | %,.0f | %.2f | %,.0f |%n", n, size, c, n * 1e6 / c, c1,
                        n * 1e6 / c1);
            }
        }
        System.out.println();
        System.out.println("## Check: spread over 1, 2, 3 nodes on this machine (" + sizes[0] + " B, batching on)");
        System.out.println();
        System.out.println("| N | measured node us/frame | model us/frame (its B) | model/measured | batch B | "
                + "measured msgs/s | node cores busy | generator cores busy |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        Steps s = steps.get(sizes[0]);
        for (int n = 1; n <= 3; n++) {
            String label = "spread " + n;
            double b = n == 1 ? 1 : median(label, sizes[0], Run::batch);
            double measured = median(label, sizes[0], Run::nodeMicros);
            double m = model(s, n, b);
            double rate = median(label, sizes[0], Run::msgsPerS);
            System.out.printf(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %.1f | %,.0f | %.2f | %.2f |%n", n, measured, m,
                    m / measured, b, rate, median(label, sizes[0], r -> r.nodeMicros() * r.msgsPerS() / 1e6),
                    median(label, sizes[0], r -> r.perFrameMicros(r.cpu(ThreadCpu.GENERATOR)) * r.msgsPerS() / 1e6));
        }
    }
}
