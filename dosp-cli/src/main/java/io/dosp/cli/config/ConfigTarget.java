package io.dosp.cli.config;

import io.dosp.protocol.InvalidConfigException;
import io.dosp.server.AccessPolicy;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.FederationConfig;
import io.dosp.server.Functions;
import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
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

    /** A field of {@link Functions}: {@code functions.<name>}. */
    static <T> ConfigTarget<T> functions(String name, BiConsumer<Functions.Builder, T> set) {
        return new ConfigTarget<>("functions." + name, (b, v) -> b.functions(f -> set.accept(f, v)));
    }

    /** A field of {@link AdmissionConfig}: {@code admission.<name>}. */
    static <T> ConfigTarget<T> admission(String name, BiConsumer<AdmissionConfig.Builder, T> set) {
        return new ConfigTarget<>("admission." + name, (b, v) -> b.admission(a -> set.accept(a, v)));
    }
}
