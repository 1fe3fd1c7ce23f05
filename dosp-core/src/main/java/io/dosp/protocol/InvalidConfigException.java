package io.dosp.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * A configuration value is invalid: thrown by the {@code build()} (and setter) methods of the
 * server configuration and client options. It names the field in the builders' own words
 * ({@link #field()}, e.g. {@code limits.maxClients}) so a tool that maps its own settings onto
 * the builders (the CLI's YAML, flags and environment) can say which of its settings was wrong
 * without reading the message.
 */
public class InvalidConfigException extends DospException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String problem;

    /**
     * @param field   the field, as {@code group.name} or {@code name} (never empty)
     * @param problem what is wrong with its value, phrased to follow the field name
     */
    public InvalidConfigException(String field, String problem) {
        this(field, problem, null);
    }

    /** With the exception that revealed the problem. */
    public InvalidConfigException(String field, String problem, Throwable cause) {
        super(Objects.requireNonNull(field, "field") + ": " + Objects.requireNonNull(problem, "problem"), cause);
        this.field = field;
        this.problem = problem;
    }

    /** The field whose value is invalid, e.g. {@code limits.maxClients}. */
    public String field() {
        return field;
    }

    /** What is wrong, without the field name (e.g. {@code must be at least 1, got 0}). */
    public String problem() {
        return problem;
    }

    /**
     * The check every configuration builder uses.
     *
     * @throws InvalidConfigException for {@code field} with {@code problem} unless {@code ok}
     */
    public static void require(boolean ok, String field, String problem) {
        if (!ok) {
            throw new InvalidConfigException(field, problem);
        }
    }

    /**
     * @throws InvalidConfigException for {@code field} when {@code d} is null, zero or negative
     */
    public static void requirePositive(Duration d, String field) {
        require(isPositive(d), field, "must be positive" + (d == null ? "" : ", got " + d));
    }

    /** Whether {@code d} is set and longer than zero. */
    public static boolean isPositive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }
}
