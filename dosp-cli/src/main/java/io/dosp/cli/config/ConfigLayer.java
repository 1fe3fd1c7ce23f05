package io.dosp.cli.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The settings one source (flags, environment or file) gives, already parsed and typed, each with
 * its {@link Origin}. Not thread-safe; built by one reader, then only read.
 */
public final class ConfigLayer {

    /** A typed value and where it came from. */
    public record Entry(Object value, Origin origin) {
    }

    private final Map<Setting<?>, Entry> values = new LinkedHashMap<>();

    /**
     * Parses {@code text} for {@code setting} and keeps it.
     *
     * @throws ConfigException naming {@code origin} when the text is not a valid value
     */
    public <T> void putText(Setting<T> setting, String text, Origin origin) throws ConfigException {
        T value;
        try {
            value = setting.type().parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(origin, e.getMessage());
        }
        put(setting, value, origin);
    }

    /** Keeps a typed value; null means "the default" and removes any value. */
    public <T> void put(Setting<T> setting, T value, Origin origin) {
        if (value == null) {
            values.remove(setting);
        } else {
            values.put(setting, new Entry(value, origin));
        }
    }

    /** The entry for {@code setting}, if this source sets it. */
    public Optional<Entry> get(Setting<?> setting) {
        return Optional.ofNullable(values.get(setting));
    }

    /** Every entry, in the order they were set. */
    public Map<Setting<?>, Entry> entries() {
        return Collections.unmodifiableMap(values);
    }

    /** Whether nothing is set. */
    public boolean isEmpty() {
        return values.isEmpty();
    }
}
