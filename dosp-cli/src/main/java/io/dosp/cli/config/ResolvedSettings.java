package io.dosp.cli.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value of every setting after precedence (flags, then environment, then file, then default),
 * each with its {@link Origin}. Immutable.
 */
public final class ResolvedSettings {
    private final Map<Setting<?>, ConfigLayer.Entry> entries;

    private ResolvedSettings(Map<Setting<?>, ConfigLayer.Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** Resolves every setting from {@code layers}, highest precedence first; unset settings take their default. */
    public static ResolvedSettings resolve(List<ConfigLayer> layers) {
        Map<Setting<?>, ConfigLayer.Entry> out = new LinkedHashMap<>();
        for (Setting<?> s : Settings.all()) {
            ConfigLayer.Entry entry = new ConfigLayer.Entry(s.defaultValue(), Origin.DEFAULT);
            for (ConfigLayer layer : layers) {
                var e = layer.get(s);
                if (e.isPresent()) {
                    entry = e.get();
                    break;
                }
            }
            out.put(s, entry);
        }
        return new ResolvedSettings(out);
    }

    /** The value of {@code setting}. */
    @SuppressWarnings("unchecked")
    public <T> T value(Setting<T> setting) {
        return (T) entries.get(setting).value();
    }

    /** Where the value of {@code setting} came from. */
    public Origin origin(Setting<?> setting) {
        return entries.get(setting).origin();
    }

    /**
     * The value as YAML text with every secret masked (admin tokens, the mesh key: they show as
     * {@code "****"}, never their length or first characters), for messages and {@code serve --check}.
     */
    public <T> String display(Setting<T> setting) {
        if (setting == Settings.ADMIN_TOKENS) {
            int n = value(Settings.ADMIN_TOKENS).size();
            return n == 0 ? "[]" : "[" + String.join(", ", Collections.nCopies(n, "\"****\"")) + "]";
        }
        if (Settings.isSecret(setting)) {
            Object v = value(setting);
            return v == null || v.toString().isBlank() ? "\"\"" : "\"****\"";
        }
        return render(setting);
    }

    /** The value of {@code setting} as YAML text. */
    public <T> String render(Setting<T> setting) {
        return setting.type().render(value(setting));
    }
}
