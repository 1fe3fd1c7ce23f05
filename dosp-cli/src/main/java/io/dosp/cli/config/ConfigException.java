package io.dosp.cli.config;

/**
 * The configuration cannot be used. The message names where the bad value came from (flag,
 * environment variable, or file, line and key) and why, e.g.
 * {@code dosp.yaml, line 3, key 'port': must be an integer 0..65535, got 70000}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** With a complete message. */
    public ConfigException(String message) {
        super(message);
    }

    /** A bad value from {@code origin}. */
    public ConfigException(Origin origin, String reason) {
        super(origin + ": " + reason);
    }
}
