package io.dosp.server.internal;

import io.dosp.protocol.internal.LogText;
import io.dosp.server.Limits;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How the server logs what a peer controls: its strings escaped and cut to
 * {@link Limits#logTextLength()} ({@link LogText}), and each kind of line a peer can cause over
 * and over held to {@link Limits#logLinesPerSecond()} by its own {@link LogLimiter}, whose held-back
 * lines are counted server-wide. One per server; thread-safe (immutable; the limiters it makes are
 * thread-safe).
 */
public final class PeerLog {
    private final int textLength;
    private final int linesPerSecond;
    private final Counters counters;
    private final ConcurrentHashMap<String, LogLimiter> limiters = new ConcurrentHashMap<>();

    /** Strings cut to {@code textLength} characters, {@code linesPerSecond} lines of each kind, counted in {@code counters}. */
    public PeerLog(int textLength, int linesPerSecond, Counters counters) {
        this.textLength = textLength;
        this.linesPerSecond = linesPerSecond;
        this.counters = counters;
    }

    /** As {@code limits} say, counting held-back lines in {@code counters}. */
    public static PeerLog of(Limits limits, Counters counters) {
        return new PeerLog(limits.logTextLength(), limits.logLinesPerSecond(), counters);
    }

    /** The defaults of {@link Limits}, counting into a counters instance of its own (tests, tools). */
    public static PeerLog defaults() {
        return of(Limits.defaults(), new Counters());
    }

    /** {@code s} (a peer's string, or anything with one inside) escaped and cut, for a log line. */
    public String text(Object s) {
        return LogText.of(s == null ? null : s.toString(), textLength);
    }

    /**
     * The server's limiter for one kind of line ({@code kind} names it, e.g. {@code "client.disconnected"}):
     * {@link Limits#logLinesPerSecond()} lines per second across all connections, the rest counted.
     * The same kind gives the same limiter.
     */
    public LogLimiter limiter(String kind) {
        return limiters.computeIfAbsent(kind,
                k -> new LogLimiter(linesPerSecond, 1, TimeUnit.SECONDS, counters::logLineSuppressed));
    }
}
