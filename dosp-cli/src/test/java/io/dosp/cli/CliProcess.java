package io.dosp.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI run as a real separate JVM process: {@code java -jar target/dosp.jar ...} when the build runs
 * these tests (failsafe, after the shaded jar is packaged, system property {@code dosp.jar}), or
 * {@code java -cp <test classpath> io.dosp.cli.Main ...} when run from an IDE. Output is collected line by
 * line so tests can wait for a line instead of sleeping.
 */
final class CliProcess implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Writer stdin;
    private final List<Thread> collectors = new ArrayList<>();

    private CliProcess(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        collect(process.getInputStream(), out, "stdout");
        collect(process.getErrorStream(), err, "stderr");
    }

    /** Starts {@code dosp args...} in {@code dir} with extra environment variables (and no inherited DOSP_*). */
    static CliProcess start(Path dir, Map<String, String> env, String... args) throws IOException {
        // user.home in the test's directory: `dosp client` keeps its identity and known peers under ~/.dosp
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                "-Duser.home=" + dir.toAbsolutePath()));
        String jar = System.getProperty("dosp.jar");
        if (jar != null && !jar.isBlank()) {
            cmd.addAll(List.of("-jar", Path.of(jar).toAbsolutePath().toString()));
        } else {
            cmd.addAll(List.of("-cp", classPath(), Main.class.getName()));
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("DOSP_"));
        pb.environment().putAll(env);
        return new CliProcess(pb.start());
    }

    /** Runs {@code dosp args...} to completion with {@code input} on standard input. */
    static CliProcess run(Path dir, Map<String, String> env, String input, String... args) throws Exception {
        CliProcess p = start(dir, env, args);
        p.write(input);
        p.closeStdin();
        p.waitFor();
        return p;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private void collect(InputStream in, List<String> sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (sink) {
                        sink.add(line);
                        sink.notifyAll();
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }, "cli-" + name);
        t.setDaemon(true);
        t.start();
        collectors.add(t);
    }

    /** Waits for a standard output line matching {@code regex} (found anywhere in the line); returns its match. */
    Matcher awaitOut(String regex) throws InterruptedException {
        return await(out, regex, "stdout");
    }

    /** Waits for a standard error line matching {@code regex}. */
    Matcher awaitErr(String regex) throws InterruptedException {
        return await(err, regex, "stderr");
    }

    private Matcher await(List<String> lines, String regex, String name) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (lines) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = p.matcher(lines.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + name + " line matching /" + regex + "/ within " + TIMEOUT
                            + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    void write(String text) throws IOException {
        stdin.write(text);
        stdin.flush();
    }

    void closeStdin() throws IOException {
        stdin.close();
    }

    /** Waits for the process to end; returns its exit code. */
    int waitFor() throws InterruptedException {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + TIMEOUT + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
        }
        for (Thread t : collectors) {
            t.join(TIMEOUT.toMillis()); // every line read before anyone looks at the output
        }
        return process.exitValue();
    }

    /**
     * SIGTERM on Linux. Through the process handle: {@code Process.destroy()} sends the same signal
     * but also closes our ends of the pipes, so what the process prints while stopping would be lost.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    /** Sends signal {@code name} ({@code HUP}, {@code USR2}) with {@code kill}; returns once it was sent. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Whether the process is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    int exitCode() throws InterruptedException {
        return waitFor();
    }

    String stdout() {
        return joined(out);
    }

    String stderr() {
        return joined(err);
    }

    /** Both streams, for assertion messages. */
    String output() {
        return "stdout:\n" + stdout() + "\nstderr:\n" + stderr();
    }

    private static String joined(List<String> lines) {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
