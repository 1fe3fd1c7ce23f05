package io.dosp.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads over a window, by role: {@link #start} reads every live thread's CPU time,
 * {@link #end} reads it again and sums the differences per role. A role comes from the thread's name (a server's
 * Netty workers are {@code dosp-io-<pool>-<n>}, one pool per server: pools are numbered in the order the servers
 * were built) or, for jnats' threads (all named alike), from the bottom of its stack at the end of the window:
 * the connection's reader, its writer, or a dispatcher (which delivers what the subscriptions received).
 * Threads that were born or died inside the window are left out (none are in a steady load).
 */
final class ThreadCpu {
    static final String READER = "nats-reader";
    static final String WRITER = "nats-writer";
    static final String DISPATCHER = "nats-dispatcher";
    static final String GENERATOR = "generator";
    static final String OTHER = "other";

    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private Map<Long, Long> startNanos = Map.of();

    ThreadCpu() {
        if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
    }

    /** Reads every thread's CPU time now. */
    void start() {
        Map<Long, Long> m = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t >= 0) {
                m.put(id, t);
            }
        }
        startNanos = m;
    }

    /** CPU nanoseconds since {@link #start} per role ({@code io:<pool>} for a server's workers). */
    Map<String, Long> end() {
        Map<String, Long> out = new TreeMap<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds(), 64)) {
            if (info == null) {
                continue;
            }
            Long before = startNanos.get(info.getThreadId());
            long now = mx.getThreadCpuTime(info.getThreadId());
            if (before == null || now < 0) {
                continue;
            }
            out.merge(role(info), now - before, Long::sum);
        }
        return out;
    }

    private static String role(ThreadInfo info) {
        String name = info.getThreadName();
        if (name.startsWith("dosp-io-")) {
            String[] parts = name.split("-");
            return parts.length >= 4 ? "io:" + parts[2] : "io:?";
        }
        if (name.startsWith("bench-")) {
            return GENERATOR;
        }
        for (StackTraceElement e : info.getStackTrace()) {
            String c = e.getClassName();
            if (c.startsWith("io.nats.client.impl.NatsConnectionReader")) {
                return READER;
            }
            if (c.startsWith("io.nats.client.impl.NatsConnectionWriter")) {
                return WRITER;
            }
            if (c.startsWith("io.nats.client.impl.NatsDispatcher")) {
                return DISPATCHER;
            }
        }
        return OTHER;
    }
}
