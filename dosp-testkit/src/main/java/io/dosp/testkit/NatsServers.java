package io.dosp.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real {@code nats-server} processes with JetStream for cluster tests: one server ({@link #single()}) or a
 * cluster of three ({@link #cluster(int)}, for partition cases), each on free loopback ports with its store in a
 * temporary directory, with {@code max_payload} 2 MB (a DoSP frame of the default 1 MiB maximum must fit in one NATS
 * message). {@link #close()} kills them and deletes the directories. Fails clearly when
 * {@code nats-server} is not installed ({@code .ci/run} installs it with apt): a cluster test never skips.
 */
public final class NatsServers implements AutoCloseable {
    /** How long a server may take to say it is ready. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final List<Member> members = new ArrayList<>();

    /** One member: its ports, its configuration file, its process while it runs. */
    private static final class Member {
        final int port;
        final Path config;
        Process process;

        Member(int port, Path config) {
            this.port = port;
            this.config = config;
        }
    }

    private NatsServers(Path dir) {
        this.dir = dir;
    }

    /** One nats-server with JetStream on a free loopback port, ready. */
    public static NatsServers single() {
        return start(1);
    }

    /** {@code n} nats-servers (2 or more) routed as one NATS cluster with clustered JetStream, all ready. */
    public static NatsServers cluster(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("a NATS cluster needs at least 2 servers");
        }
        return start(n);
    }

    private static NatsServers start(int n) {
        String exe = executable();
        NatsServers s;
        try {
            s = new NatsServers(Files.createTempDirectory("dosp-nats-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            int[] ports = new int[n];
            int[] routes = new int[n];
            for (int i = 0; i < n; i++) {
                ports[i] = freePort();
                routes[i] = freePort();
            }
            for (int i = 0; i < n; i++) {
                Path store = Files.createDirectories(s.dir.resolve("n" + i));
                StringBuilder c = new StringBuilder();
                c.append("server_name: n").append(i).append('\n');
                c.append("listen: 127.0.0.1:").append(ports[i]).append('\n');
                // a DoSP frame of the default maximum (1 MiB) plus its header must fit in one NATS message
                c.append("max_payload: 2MB\n");
                c.append("jetstream { store_dir: \"").append(store.toString().replace("\\", "/")).append("\" }\n");
                if (n > 1) {
                    List<String> others = new ArrayList<>();
                    for (int j = 0; j < n; j++) {
                        if (j != i) {
                            others.add("nats://127.0.0.1:" + routes[j]);
                        }
                    }
                    c.append("cluster { name: dosp-test, listen: 127.0.0.1:").append(routes[i]).append(", routes: [")
                            .append(String.join(", ", others)).append("] }\n");
                }
                Path config = s.dir.resolve("n" + i + ".conf");
                Files.writeString(config, c.toString());
                s.members.add(new Member(ports[i], config));
            }
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ready.add(s.launch(exe, i, n > 1));
            }
            for (CompletableFuture<Void> r : ready) {
                r.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            return s;
        } catch (Exception e) {
            s.close();
            throw new IllegalStateException("nats-server did not start: " + e, e);
        }
    }

    private static String executable() {
        for (String p : List.of("/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("nats-server is not installed (apt-get install nats-server; .ci/run installs it):"
                + " the cluster tests need a real NATS server");
    }

    private static int freePort() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return ss.getLocalPort();
        }
    }

    /**
     * Starts member {@code i}; completes once it logs that it is ready (a clustered one: that it is ready and that
     * JetStream's meta group has a leader, which it logs after the routes are up).
     */
    private CompletableFuture<Void> launch(String exe, int i, boolean clustered) throws IOException {
        Member m = members.get(i);
        Process p = new ProcessBuilder(exe, "-c", m.config.toString()).redirectErrorStream(true).start();
        m.process = p;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            boolean up = false;
            boolean leader = !clustered;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    up |= line.contains("Server is ready");
                    leader |= line.contains("metadata leader"); // "JetStream cluster new metadata leader: ..." or "Self is new ..."
                    if (up && leader) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("nats-server n" + i + " exited with " + exitCode(p)));
        }, "nats-server-n" + i + "-log");
        reader.setDaemon(true);
        reader.start();
        return ready;
    }

    private static String exitCode(Process p) {
        try {
            return p.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "(still running)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /** The client URLs of every member, {@code nats://127.0.0.1:PORT}. */
    public List<String> urls() {
        return members.stream().map(m -> "nats://127.0.0.1:" + m.port).toList();
    }

    /** The client URL of member {@code i}. */
    public String url(int i) {
        return "nats://127.0.0.1:" + members.get(i).port;
    }

    /** Kills member {@code i} at once (SIGKILL), keeping its store, for partition cases. */
    public void kill(int i) {
        Process p = members.get(i).process;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts member {@code i} again (after {@link #kill}), on the same ports and store; returns once it is up. */
    public void restart(int i) {
        try {
            CompletableFuture<Void> r = launch(executable(), i, false);
            r.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("nats-server n" + i + " did not restart: " + e, e);
        }
    }

    /** Kills every member and deletes their stores. */
    @Override
    public void close() {
        for (int i = 0; i < members.size(); i++) {
            kill(i);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
