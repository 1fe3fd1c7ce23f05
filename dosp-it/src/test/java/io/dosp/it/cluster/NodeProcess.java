package io.dosp.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ClusterNodeMain} in a separate JVM on this JVM's class path: {@link #start} waits for its ready line;
 * {@link #kill} is SIGKILL ({@code destroyForcibly}: no clean leave, its registry entries stay behind), {@link #close}
 * a clean stop (stdin closed). Its output (stdout and stderr) goes to {@code <dir>/node.log}, where the ready line is
 * looked for.
 */
final class NodeProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private NodeProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a node of {@code cluster} named {@code name} and waits (up to 120 s: a loaded machine) until it listens. */
    static NodeProcess start(List<String> natsUrls, String cluster, String name, String template, Path dir) throws Exception {
        Files.createDirectories(dir);
        Path log = dir.resolve("node.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Ddosp.log=" + System.getProperty("dosp.log", "WARN"),
                "-cp", System.getProperty("java.class.path"), ClusterNodeMain.class.getName(),
                String.join(",", natsUrls), cluster, name, template, dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            int port = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("node " + name + " ended before it was ready (see " + log + ")");
                }
                return readyPort(log);
            }, port1 -> port1 > 0);
            return new NodeProcess(p, port);
        } catch (RuntimeException | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** The port of the ready line in {@code log}, or 0 before it is there. */
    private static int readyPort(Path log) throws IOException {
        for (String line : new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList()) {
            if (line.startsWith(ClusterNodeMain.READY + " ")) {
                return Integer.parseInt(line.substring(ClusterNodeMain.READY.length() + 1).trim());
            }
        }
        return 0;
    }

    /** The node's DoSP port on 127.0.0.1. */
    int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}. */
    String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL; returns once the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** A clean stop: stdin closed, the node leaves the cluster; forcibly after 20 s. */
    @Override
    public void close() throws Exception {
        if (!process.isAlive()) {
            return;
        }
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
