package io.dosp.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A nats-server child process with JetStream on a free loopback port (store in a temporary directory), for the
 * cluster load: started by {@link #start}, ready once its port accepts a connection, stopped by {@link #close}.
 */
final class NatsProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path store;

    private NatsProcess(Process process, int port, Path store) {
        this.process = process;
        this.port = port;
        this.store = store;
    }

    /** Starts {@code executable} (e.g. {@code nats-server}) and waits up to 30 s for it to listen. */
    static NatsProcess start(String executable) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path store = Files.createTempDirectory("dosp-bench-nats");
        Path log = store.resolve("nats.log");
        Process p = new ProcessBuilder(List.of(executable, "-js", "-sd", store.toString(), "-a", "127.0.0.1",
                "-p", String.valueOf(port))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        NatsProcess n = new NatsProcess(p, port, store);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("nats-server exited with " + p.exitValue() + ": " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                // JetStream is up when the log says the server is ready
                if (Files.readString(log).contains("Server is ready")) {
                    return n;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                n.close();
                throw new IOException("nats-server not ready on port " + port + " within 30 s");
            }
            Thread.sleep(20);
        }
    }

    /** Its URL. */
    String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** Its process id (its CPU time is read from /proc). */
    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(store)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
