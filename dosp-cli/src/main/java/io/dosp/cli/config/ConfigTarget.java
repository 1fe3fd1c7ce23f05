package io.dosp.cli.config;

import io.dosp.protocol.InvalidConfigException;
import io.dosp.server.AccessPolicy;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.FederationConfig;
import io.dosp.server.Functions;
import io.dosp.server.Limits;
import io.dosp.server.NetworkConfig;
import io.dosp.server.ServerConfig;
import io.dosp.server.WebSocketConfig;
import java.util.function.BiConsumer;

/**
 * Where a {@link Setting} lands in {@link ServerConfig.Builder}: the typed call that sets its value
 * and the field name the builders' {@link InvalidConfigException#field()} uses for it, so a
 * validation error is traced back to the setting (and so to the flag, variable or file line)
 * without reading the message. Immutable.
 *
 * @param field the builder field, e.g. {@code limits.maxClients}; settings that are validated
 *              together may share one (both water marks are {@code limits.outboundWaterMarks})
 * @param apply sets the value on a server configuration builder
 * @param <T>   the setting's value type
 */
record ConfigTarget<T>(String field, BiConsumer<ServerConfig.Builder, T> apply) {

    /** A listen setting of {@link ServerConfig.Builder} itself, e.g. {@code port}. */
    static <T> ConfigTarget<T> server(String name, BiConsumer<ServerConfig.Builder, T> set) {
        return new ConfigTarget<>(name, set);
    }

    /** A setting of {@code dosp serve} itself, not of the server's configuration ({@code cli.<name>}): read by the command. */
    static <T> ConfigTarget<T> cliOnly(String name) {
        return new ConfigTarget<>("cli." + name, (b, v) -> { });
    }

    /** A field of {@link Limits}: {@code limits.<name>}. */
    static <T> ConfigTarget<T> limits(String name, BiConsumer<Limits.Builder, T> set) {
        return new ConfigTarget<>("limits." + name, (b, v) -> b.limits(l -> set.accept(l, v)));
    }

    /** A field of {@link AccessPolicy}: {@code access.<name>}. */
    static <T> ConfigTarget<T> access(String name, BiConsumer<AccessPolicy.Builder, T> set) {
        return new ConfigTarget<>("access." + name, (b, v) -> b.access(a -> set.accept(a, v)));
    }

    /** A field of {@link FederationConfig}: {@code federation.<name>}. */
    static <T> ConfigTarget<T> federation(String name, BiConsumer<FederationConfig.Builder, T> set) {
        return new ConfigTarget<>("federation." + name, (b, v) -> b.federation(f -> set.accept(f, v)));
    }

    /**
     * A field of the monitoring listener's {@code MonitorConfig}: {@code monitor.<name>}. It sets nothing on the
     * server's builder: {@link ServerConfigMapper} reads the value and builds the listener's configuration.
     */
    static <T> ConfigTarget<T> monitor(String name) {
        return new ConfigTarget<>("monitor." + name, (b, v) -> { });
    }

    /**
     * A setting of cluster mode ({@code cluster.<name>}, the dosp-cluster module's {@code NatsCluster}). It sets
     * nothing on the server's builder: {@link ServerConfigMapper} reads the value and builds the cluster.
     */
    static <T> ConfigTarget<T> cluster(String name) {
        return new ConfigTarget<>("cluster." + name, (b, v) -> { });
    }

    /** A field of {@link WebSocketConfig}: {@code webSocket.<name>}. */
    static <T> ConfigTarget<T> webSocket(String name, BiConsumer<WebSocketConfig.Builder, T> set) {
        return new ConfigTarget<>("webSocket." + name, (b, v) -> b.webSocket(w -> set.accept(w, v)));
    }

    /** A field of {@link Functions}: {@code functions.<name>}. */
    static <T> ConfigTarget<T> functions(String name, BiConsumer<Functions.Builder, T> set) {
        return new ConfigTarget<>("functions." + name, (b, v) -> b.functions(f -> set.accept(f, v)));
    }

    /** A field of {@link NetworkConfig}: {@code network.<name>}. */
    static <T> ConfigTarget<T> network(String name, BiConsumer<NetworkConfig.Builder, T> set) {
        return new ConfigTarget<>("network." + name, (b, v) -> b.network(n -> set.accept(n, v)));
    }

    /** A field of {@link AdmissionConfig}: {@code admission.<name>}. */
    static <T> ConfigTarget<T> admission(String name, BiConsumer<AdmissionConfig.Builder, T> set) {
        return new ConfigTarget<>("admission." + name, (b, v) -> b.admission(a -> set.accept(a, v)));
    }
}
