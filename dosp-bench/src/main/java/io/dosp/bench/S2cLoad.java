package io.dosp.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code s2c}: N sender/receiver pairs; each sender streams S2C frames to its partner through a
 * DoSP server (or, with {@code --target direct}, straight to it over loopback TCP: the baseline;
 * or, with {@code --target nats}, as PUB/MSG on one subject per pair through a nats-server).
 */
@Command(name = "s2c", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stream S2C messages between pairs of clients and report throughput, latency, loss.",
                "Open loop: each sender keeps up to --window messages in flight. --window 1 is closed loop:",
                "the receiver echoes every message and the sender measures the round trip. --window 0 (--flood)",
                "has no window: each sender writes whenever its socket is writable."})
final class S2cLoad implements Callable<Integer> {

    @Option(names = "--target", description = "server (a DoSP server at --host/--port), direct (no server) or nats "
            + "(a nats-server at --host/--nats-port) (default: ${DEFAULT-VALUE}).")
    String target = S2cSpec.SERVER;

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port = 7744;

    @Option(names = "--nats-port", description = "nats-server port, with --target nats (default: ${DEFAULT-VALUE}).")
    int natsPort = 4222;

    @Option(names = "--server-pid", description = "PID of the target process: its CPU time (/proc/PID/stat) over the "
            + "measured window is reported per message.")
    Long serverPid;

    @Option(names = {"-p", "--pairs"}, description = "Sender/receiver pairs (default: ${DEFAULT-VALUE}).")
    int pairs = 16;

    @Option(names = {"-s", "--size"}, description = "DATA bytes per message, at least 16 (default: ${DEFAULT-VALUE}).")
    int size = 64;

    @Option(names = {"-w", "--window"}, description = "Messages in flight per pair; 1 = closed loop, 0 = flood (default: ${DEFAULT-VALUE}).")
    int window = 1024;

    @Option(names = "--flood", description = "Same as --window 0: no application window, write while the socket is writable.")
    boolean flood;

    @Option(names = "--batch", description = "Most messages per write and flush (default: ${DEFAULT-VALUE}).")
    int batch = 256;

    @Option(names = {"-d", "--duration"}, description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    double duration = 5;

    @Option(names = "--warmup", description = "Seconds sent before measuring (default: ${DEFAULT-VALUE}).")
    double warmup = 1;

    @Option(names = "--drain", description = "Seconds to wait for messages in flight after sending stops (default: ${DEFAULT-VALUE}).")
    double drain = 5;

    @Option(names = "--tunnel", description = "Seal every message in an end-to-end tunnel (X25519 handshake, AES-GCM + HMAC).")
    boolean tunnel;

    @Option(names = "--threads", description = "Generator I/O threads (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        S2cSpec spec = new S2cSpec(target, target, host, S2cSpec.NATS.equals(target) ? natsPort : port, pairs, size,
                flood ? S2cSpec.FLOOD : window, batch, millis(warmup), millis(duration), millis(drain), tunnel, threads,
                serverPid);
        S2cResult r = S2cRun.run(spec);
        System.out.print(json ? r.toJson() + System.lineSeparator() : r.toTable());
        return r.clean() ? 0 : 1;
    }

    static long millis(double seconds) {
        return Math.round(seconds * 1000);
    }
}
