package io.dosp.server.internal.admin;

import java.time.Duration;

/**
 * What the admin commands {@code reload} and {@code drain} reach: the server's lifecycle, which the
 * public facade owns (it holds the configuration source and the listeners). Implementations are
 * thread-safe; each returns the reply text ({@code ERR:...} on failure).
 */
public interface Lifecycle {
    /** Re-reads the configuration from its source and applies what can change live; may block briefly (file I/O). */
    String reload();

    /** Starts a drain over {@code over}, or the configured drain timeout when null. */
    String drain(Duration over);

    /** No lifecycle wired (a server still starting): both commands answer an error. */
    Lifecycle NONE = new Lifecycle() {
        @Override
        public String reload() {
            return "ERR:Reload is not available";
        }

        @Override
        public String drain(Duration over) {
            return "ERR:Drain is not available";
        }
    };
}
