package io.dosp.cli.config;

import io.dosp.server.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One server setting as an operator sees it: its key in {@code dosp.yaml} (and aliases), its
 * environment variable, its {@code serve} flag, its type, default and help text, and the
 * {@link ConfigTarget} it sets in {@code ServerConfig.Builder}. The {@link Settings} registry holds
 * them all; flags, environment and file are read through it, and {@link ServerConfigMapper} applies
 * the resolved values.
 *
 * @param <T> the typed value
 */
public final class Setting<T> {

    /** Help sections, in the order {@code serve --help} and {@code gen-config} show them. */
    public enum Section {
        /** Listening, templates, compression. */
        NETWORK("Network"),
        /** Sizes, timeouts, rate limits. */
        LIMITS("Limits"),
        /** Admin tokens, bans, whitelist. */
        ACCESS("Access control"),
        /** Federation peers. */
        FEDERATION("Federation"),
        /** The monitoring listener (HTTP: health, metrics, JSON API, dashboard). */
        MONITORING("Monitoring"),
        /** Cluster mode on NATS (dosp-cluster). */
        CLUSTER("Cluster"),
        /** Client admission: users, logins, grants. */
        ADMISSION("Client admission");

        private final String title;

        Section(String title) {
            this.title = title;
        }

        /** The heading. */
        public String title() {
            return title;
        }
    }

    private final String key;
    private final List<String> aliases;
    private final String flag;
    private final String paramLabel;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String help;
    private final Section section;
    private final boolean reference;
    private final ConfigTarget<T> target;

    private Setting(Builder<T> b) {
        key = b.key;
        aliases = List.copyOf(b.aliases);
        flag = b.flag;
        paramLabel = b.paramLabel;
        type = b.type;
        defaultValue = b.defaultValue;
        help = b.help;
        section = b.section;
        reference = b.reference;
        target = Objects.requireNonNull(b.target, () -> "setting " + b.key + " sets nothing");
    }

    static <T> Builder<T> builder(String key, ValueType<T> type, T defaultValue) {
        return new Builder<>(key, type, defaultValue);
    }

    /** The key in {@code dosp.yaml}, e.g. {@code ip_template}. */
    public String key() {
        return key;
    }

    /** Other accepted keys for the same setting. */
    public List<String> aliases() {
        return aliases;
    }

    /** The key and its aliases. */
    public List<String> keys() {
        List<String> all = new ArrayList<>();
        all.add(key);
        all.addAll(aliases);
        return all;
    }

    /** The environment variable of the key: {@code DOSP_} and the key in capitals. */
    public String envVar() {
        return envVar(key);
    }

    /** The environment variables of the key and its aliases. */
    public List<String> envVars() {
        return keys().stream().map(Setting::envVar).toList();
    }

    static String envVar(String key) {
        return "DOSP_" + key.toUpperCase(Locale.ROOT);
    }

    /** The {@code serve} flag, e.g. {@code --ip-template}. */
    public String flag() {
        return flag;
    }

    /** The flag's parameter label in help, e.g. {@code PORT}; empty for on/off flags. */
    public String paramLabel() {
        return paramLabel;
    }

    /** The value type. */
    public ValueType<T> type() {
        return type;
    }

    /** Whether the flag is an on/off switch ({@code --x} / {@code --no-x}). */
    public boolean isSwitch() {
        return paramLabel.isEmpty();
    }

    /** The default (the matching {@code DEFAULT_*} of {@code ServerConfig} or its groups). */
    public T defaultValue() {
        return defaultValue;
    }

    /** One or two sentences for help and the generated file. */
    public String help() {
        return help;
    }

    /** Its help section. */
    public Section section() {
        return section;
    }

    /** Whether the Python server's {@code dosp.yaml} has the same key. */
    public boolean isReference() {
        return reference;
    }

    /** The {@code ServerConfig.Builder} field it sets, as {@code InvalidConfigException.field()} names it. */
    public String configField() {
        return target.field();
    }

    /** Sets {@code value} (of this setting) on {@code builder}. */
    public void applyTo(ServerConfig.Builder builder, T value) {
        target.apply().accept(builder, value);
    }

    /** The default as YAML text. */
    public String renderDefault() {
        return type.render(defaultValue);
    }

    @Override
    public String toString() {
        return key;
    }

    static final class Builder<T> {
        private final String key;
        private final ValueType<T> type;
        private final T defaultValue;
        private final List<String> aliases = new ArrayList<>();
        private String flag;
        private String paramLabel = "VALUE";
        private String help = "";
        private Section section = Section.NETWORK;
        private boolean reference;
        private ConfigTarget<T> target;

        private Builder(String key, ValueType<T> type, T defaultValue) {
            this.key = key;
            this.type = type;
            this.defaultValue = defaultValue;
            this.flag = "--" + key.replace('_', '-');
        }

        Builder<T> alias(String alias) {
            aliases.add(alias);
            return this;
        }

        Builder<T> flag(String flag, String paramLabel) {
            this.flag = flag;
            this.paramLabel = paramLabel;
            return this;
        }

        Builder<T> help(String help) {
            this.help = help;
            return this;
        }

        Builder<T> section(Section section) {
            this.section = section;
            return this;
        }

        Builder<T> reference() {
            this.reference = true;
            return this;
        }

        Builder<T> sets(ConfigTarget<T> target) {
            this.target = target;
            return this;
        }

        Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
