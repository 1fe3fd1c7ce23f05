package io.dosp.cli.config;

import java.util.List;

/**
 * How the text of one setting is parsed, described in help and errors, and written back as YAML.
 * The same parser serves flags, environment variables and the config file, so a value means the
 * same wherever it comes from.
 *
 * @param <T> the typed value
 */
public interface ValueType<T> {

    /**
     * Parses one value.
     *
     * @throws IllegalArgumentException with the reason, phrased to follow the setting's name
     */
    T parse(String text);

    /** What a valid value looks like, e.g. {@code integer 0..65535}. */
    String describe();

    /** The value as YAML text (quoted where YAML would read it as something else). */
    String render(T value);

    /** Whether the value is a list (YAML sequence, comma-separated in flags and environment variables). */
    default boolean isList() {
        return false;
    }

    /** Parses a list from its items; only for list types. */
    default T parseItems(List<String> items) {
        throw new IllegalArgumentException("must be a single value (" + describe() + "), not a list");
    }

    /** The value of an explicit YAML null ({@code key:} or {@code ~}); null means "use the default". */
    default T nullValue() {
        return null;
    }
}
