package io.dosp.bench;

import io.dosp.client.DospClient;
import io.dosp.messaging.Codec;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.Rpc;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rpc}: small typed calls ({@code add(int, int) -> Sum}) between two clients of the messaging layer, plain S2C
 * and through an end-to-end tunnel, with {@code --window} calls in flight (closed loop: each answer sends the next
 * call). Reports calls per second and the round-trip latency percentiles (HdrHistogram) after a warm-up. Against an
 * embedded server on loopback unless {@code --port} names one; bounded by {@code --seconds}.
 */
@Command(name = "rpc", mixinStandardHelpOptions = true, description = "Typed calls per second and latency, plain and tunneled.")
final class RpcLoad implements Callable<Integer> {

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Server port; 0 embeds a server on a free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--window", description = "Calls in flight at once (default: ${DEFAULT-VALUE}).")
    int window = 1;

    @Option(names = "--seconds", description = "Measured seconds per mode (default: ${DEFAULT-VALUE}).")
    int seconds = 10;

    @Option(names = "--warmup", description = "Warm-up seconds per mode (default: ${DEFAULT-VALUE}).")
    int warmup = 3;

    @Option(names = "--codec", description = "json or msgpack (default: ${DEFAULT-VALUE}).")
    String codec = "json";

    @Option(names = "--modes", split = ",", description = "plain, tunnel (default: ${DEFAULT-VALUE}).")
    String[] modes = {"plain", "tunnel"};

    /** The argument and result of the benchmark's call. */
    public record Sum(long value) {
    }

    /** The callee's service. */
    public static final class Adder {
        @Rpc
        public Sum add(long a, long b) {
            return new Sum(a + b);
        }
    }

    @Override
    public Integer call() throws Exception {
        DospServer server = port == 0 ? DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).build()) : null;
        int p = server != null ? server.port() : port;
        System.out.printf(Locale.ROOT, "# rpc: window %d, %d s measured after %d s warm-up, codec %s, server %s:%d%s%n",
                window, seconds, warmup, codec, host, p, server != null ? " (embedded)" : "");
        System.out.println("mode    calls/s   p50_us   p99_us  p99.9_us  max_us  calls  errors");
        try {
            for (String mode : modes) {
                run(mode, p);
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
        return 0;
    }

    private void run(String mode, int p) throws Exception {
        boolean secure = mode.equals("tunnel");
        MessengerOptions o = MessengerOptions.builder().secure(secure)
                .codec(codec.equals("msgpack") ? Codec.msgpack() : Codec.json())
                .maxCallsInFlightPerPeer(Math.max(64, window)).maxIncomingCallsPerPeer(Math.max(64, window)).build();
        try (DospClient calleeClient = DospClient.connect(host, p);
             DospClient callerClient = DospClient.connect(host, p);
             Messenger callee = Messenger.attach(calleeClient, o).register(new Adder());
             Messenger caller = Messenger.attach(callerClient, o)) {
            Vip to = calleeClient.vip();
            caller.call(to, "add", new Object[] {1, 2}, Sum.class); // opens the tunnel in tunnel mode
            Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong errors = new AtomicLong();
            AtomicLong done = new AtomicLong();
            CompletableFuture<?>[] loops = new CompletableFuture<?>[window];
            for (int i = 0; i < window; i++) {
                CompletableFuture<Void> end = new CompletableFuture<>();
                loops[i] = end;
                next(caller, to, recorder, stop, errors, done, end, i);
            }
            sleepSeconds(warmup);
            recorder.getIntervalHistogram(); // drop the warm-up
            long before = done.get();
            long start = System.nanoTime();
            sleepSeconds(seconds);
            Histogram h = recorder.getIntervalHistogram();
            long calls = done.get() - before;
            double elapsed = (System.nanoTime() - start) / 1e9;
            stop.set(true);
            CompletableFuture.allOf(loops).get(60, TimeUnit.SECONDS);
            System.out.printf(Locale.ROOT, "%-6s %9.0f %8.1f %8.1f %9.1f %7.0f %6d %7d%n", mode, calls / elapsed,
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, calls, errors.get());
        }
    }

    private static void next(Messenger caller, Vip to, Recorder recorder, AtomicBoolean stop, AtomicLong errors,
            AtomicLong done, CompletableFuture<Void> end, long n) {
        if (stop.get()) {
            end.complete(null);
            return;
        }
        long t0 = System.nanoTime();
        caller.callAsync(to, "add", new Object[] {n, 1}, Sum.class).whenComplete((s, e) -> {
            if (e != null || s.value() != n + 1) {
                errors.incrementAndGet(); // counted and reported; this loop ends (no retry storm)
                end.complete(null);
                return;
            } else {
                recorder.recordValue(Math.min(System.nanoTime() - t0, TimeUnit.SECONDS.toNanos(60)));
                done.incrementAndGet();
            }
            next(caller, to, recorder, stop, errors, done, end, n + 1);
        });
    }

    /** The measurement interval itself (a benchmark's clock, not a synchronization). */
    private static void sleepSeconds(int s) throws InterruptedException {
        Thread.sleep(Duration.ofSeconds(s).toMillis());
    }
}
