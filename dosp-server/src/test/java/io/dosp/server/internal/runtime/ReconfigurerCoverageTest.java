package io.dosp.server.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.AccessPolicy;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.FederationConfig;
import io.dosp.server.Functions;
import io.dosp.server.Limits;
import io.dosp.server.NetworkConfig;
import io.dosp.server.ServerConfig;
import io.dosp.server.WebSocketConfig;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every setting of the configuration is either applied by a reload or refused as needing a restart:
 * {@link Reconfigurer} names each accessor of {@link ServerConfig} and its groups, so a new setting
 * cannot be silently ignored by a reload.
 */
class ReconfigurerCoverageTest {
    /** Accessors that are not settings of their own (derived from others, or builders). */
    private static final Set<String> NOT_SETTINGS = Set.of("toBuilder", "effectiveWorkerThreads", "advertisedHost",
            "limits", "access", "federation", "functions", "tls", "webSocket", "admission", "network", "hashCode", "toString", "getClass");

    @Test
    void everySettingIsComparedByTheReconfigurer() throws Exception {
        String source = Files.readString(Path.of("src/main/java/io/dosp/server/internal/runtime/Reconfigurer.java"));
        for (Class<?> group : List.of(ServerConfig.class, Limits.class, AccessPolicy.class, FederationConfig.class,
                Functions.class, WebSocketConfig.class, AdmissionConfig.class, NetworkConfig.class)) {
            for (Method m : group.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0
                        || NOT_SETTINGS.contains(m.getName())) {
                    continue;
                }
                assertThat(source).as(group.getSimpleName() + "." + m.getName() + " is applied or refused on reload")
                        .containsAnyOf("." + m.getName() + "()", "::" + m.getName() + ")");
            }
        }
        assertThat(source).contains("tls().context()");
        assertThat(source).contains(".advertisedHost()");
    }
}
