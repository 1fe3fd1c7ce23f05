package io.dosp.cli.config;

/** The level of the server's own log lines ({@code log_level}); {@code --debug} means {@link #DEBUG}. */
public enum LogLevel {
    /** Errors only. */
    ERROR,
    /** Warnings and errors. */
    WARN,
    /** What the server does: connections, peer links, reloads (the default). */
    INFO,
    /** Handshakes, tunnels, refusals in detail (sizes, never payloads). */
    DEBUG,
    /** Everything. */
    TRACE
}
