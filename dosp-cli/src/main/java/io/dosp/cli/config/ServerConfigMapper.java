package io.dosp.cli.config;

import static io.dosp.cli.config.Settings.PEERS;

import io.dosp.cluster.NatsCluster;
import io.dosp.monitor.MonitorConfig;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Applies resolved settings to {@link ServerConfig.Builder}, one typed call per setting (its
 * {@link ConfigTarget}), and turns the builder's {@link InvalidConfigException} back into a
 * message naming the flag, variable or file line the offending value came from: the exception's
 * {@link InvalidConfigException#field() field} is matched to the settings that set it.
 */
public final class ServerConfigMapper {
    private ServerConfigMapper() {
    }

    /**
     * Resolves {@code layers} (highest precedence first) and builds the server configuration.
     *
     * @throws ConfigException when the values do not make a valid configuration together
     */
    public static ServeSettings map(List<ConfigLayer> layers, Optional<Path> configFile) throws ConfigException {
        ResolvedSettings r = ResolvedSettings.resolve(layers);
        ServerConfig.Builder b = ServerConfig.builder();
        for (Setting<?> s : Settings.all()) {
            apply(b, s, r);
        }
        ServerConfig config;
        try {
            config = b.build();
        } catch (InvalidConfigException e) {
            throw explain(r, e);
        }
        Optional<MonitorConfig> monitor;
        try {
            monitor = r.value(Settings.HTTP_PORT) == 0 ? Optional.empty() : Optional.of(MonitorConfig.builder()
                    .port(r.value(Settings.HTTP_PORT)).host(r.value(Settings.HTTP_HOST).trim()).build());
        } catch (InvalidConfigException e) {
            throw explain(r, e);
        }
        Optional<NatsCluster> cluster;
        try {
            List<String> nats = r.value(Settings.CLUSTER_SERVERS).stream().map(String::trim).filter(u -> !u.isEmpty()).toList();
            cluster = nats.isEmpty() ? Optional.empty() : Optional.of(NatsCluster.builder().servers(nats)
                    .name(r.value(Settings.CLUSTER_NAME).trim()).nodeName(r.value(Settings.CLUSTER_NODE).trim())
                    .advertise(r.value(Settings.CLUSTER_ADVERTISE).isBlank() ? null : r.value(Settings.CLUSTER_ADVERTISE).trim())
                    .build());
        } catch (InvalidConfigException e) {
            throw explain(r, e);
        }
        return new ServeSettings(config, r.value(PEERS), r, configFile, monitor, cluster);
    }

    private static <T> void apply(ServerConfig.Builder b, Setting<T> s, ResolvedSettings r) {
        s.applyTo(b, r.value(s));
    }

    /**
     * The builder's "field: problem" as "origin (key = value): problem" for the setting the user
     * can change; of several settings of one field, the one given with the highest precedence.
     */
    private static ConfigException explain(ResolvedSettings r, InvalidConfigException e) {
        Optional<Setting<?>> culprit = Settings.all().stream()
                .filter(s -> s.configField().equals(e.field()))
                .min(Comparator.comparing(s -> r.origin(s).kind()));
        if (culprit.isEmpty()) {
            return new ConfigException("invalid configuration: " + e.getMessage());
        }
        Setting<?> s = culprit.get();
        Origin o = r.origin(s);
        return new ConfigException(o.kind() == Origin.Kind.DEFAULT
                ? "invalid configuration: " + s.key() + " (default " + r.display(s) + "): " + e.problem()
                : o + " (" + s.key() + " = " + r.display(s) + "): " + e.problem());
    }
}
