package io.dosp.cli.config;

import static io.dosp.cli.config.Settings.ADMIN_TOKENS;
import static io.dosp.cli.config.Settings.ADMIN_TOKEN_FILE;
import static io.dosp.cli.config.Settings.ALLOW_COMPRESSION;
import static io.dosp.cli.config.Settings.ALLOW_LOCAL;
import static io.dosp.cli.config.Settings.BANNED_HASHES;
import static io.dosp.cli.config.Settings.BANNED_IP_LIST;
import static io.dosp.cli.config.Settings.BLOCKED_VIPS;
import static io.dosp.cli.config.Settings.BYTE_RATE_LIMIT;
import static io.dosp.cli.config.Settings.COMPRESSION_LEVEL;
import static io.dosp.cli.config.Settings.FUNCTION_QUEUE;
import static io.dosp.cli.config.Settings.FUNCTION_THREADS;
import static io.dosp.cli.config.Settings.HASH_WHITELIST_ENABLED;
import static io.dosp.cli.config.Settings.HOST;
import static io.dosp.cli.config.Settings.IP_TEMPLATE;
import static io.dosp.cli.config.Settings.LOCAL_NAME;
import static io.dosp.cli.config.Settings.MAX_AUTH_FAILURES;
import static io.dosp.cli.config.Settings.MESH_KEY;
import static io.dosp.cli.config.Settings.MAX_CLIENTS;
import static io.dosp.cli.config.Settings.MAX_OUTBOUND_BYTES;
import static io.dosp.cli.config.Settings.MAX_PACKET_SIZE;
import static io.dosp.cli.config.Settings.OUTBOUND_HIGH_WATER_MARK;
import static io.dosp.cli.config.Settings.OUTBOUND_LOW_WATER_MARK;
import static io.dosp.cli.config.Settings.PACKET_RATE_LIMIT;
import static io.dosp.cli.config.Settings.PEERS;
import static io.dosp.cli.config.Settings.PORT;
import static io.dosp.cli.config.Settings.SLOW_CONSUMER_TIMEOUT;
import static io.dosp.cli.config.Settings.SOCKET_TIMEOUT;
import static io.dosp.cli.config.Settings.WHITELIST_HASHES;
import static io.dosp.cli.config.Settings.WORKER_THREADS;

import io.dosp.protocol.PeerSpec;
import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Maps resolved settings onto {@link ServerConfig.Builder}, one typed call per setting, and turns
 * the builder's validation errors back into messages naming the flag, variable or file line the
 * offending value came from.
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
        ServerConfig.Builder b = ServerConfig.builder()
                .host(r.value(HOST))
                .port(r.value(PORT))
                .template(r.value(IP_TEMPLATE))
                .compression(r.value(ALLOW_COMPRESSION))
                .compressionLevel(r.value(COMPRESSION_LEVEL))
                .maxClients(r.value(MAX_CLIENTS))
                .idleTimeout(r.value(SOCKET_TIMEOUT))
                .maxFrameSize(r.value(MAX_PACKET_SIZE))
                .adminTokens(new LinkedHashSet<>(r.value(ADMIN_TOKENS)))
                .adminTokenFile(r.value(ADMIN_TOKEN_FILE))
                .bannedHashes(new LinkedHashSet<>(r.value(BANNED_HASHES)))
                .whitelistHashes(new LinkedHashSet<>(r.value(WHITELIST_HASHES)))
                .whitelistEnabled(r.value(HASH_WHITELIST_ENABLED))
                .bannedAddresses(new LinkedHashSet<>(r.value(BANNED_IP_LIST)))
                .localTransport(r.value(ALLOW_LOCAL), r.value(LOCAL_NAME))
                .workerThreads(r.value(WORKER_THREADS))
                .maxOutboundBytes(r.value(MAX_OUTBOUND_BYTES))
                .outboundWaterMarks(r.value(OUTBOUND_LOW_WATER_MARK), r.value(OUTBOUND_HIGH_WATER_MARK))
                .slowConsumerTimeout(r.value(SLOW_CONSUMER_TIMEOUT))
                .packetRateLimit(r.value(PACKET_RATE_LIMIT))
                .byteRateLimit(r.value(BYTE_RATE_LIMIT))
                .functionExecutor(r.value(FUNCTION_THREADS), r.value(FUNCTION_QUEUE))
                .maxAuthFailures(r.value(MAX_AUTH_FAILURES))
                .blockedVips(new LinkedHashSet<>(r.value(BLOCKED_VIPS)));
        String meshKey = r.value(MESH_KEY);
        b.meshKey(meshKey.isBlank() ? null : meshKey.trim());
        for (PeerSpec p : r.value(PEERS)) {
            b.peer(p);
        }
        ServerConfig config;
        try {
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw explain(r, e.getMessage());
        }
        return new ServeSettings(config, r.value(PEERS), r, configFile);
    }

    /** "field: reason" from the builder, as "origin (key): reason" for the setting the user can change. */
    private static ConfigException explain(ResolvedSettings r, String message) {
        int colon = message.indexOf(':');
        String field = colon < 0 ? "" : message.substring(0, colon);
        String reason = colon < 0 ? message : message.substring(colon + 1).trim();
        Optional<Setting<?>> culprit = Settings.all().stream()
                .filter(s -> s.builderField().equals(field))
                .min(Comparator.comparing(s -> r.origin(s).kind()));
        if (culprit.isEmpty()) {
            return new ConfigException("invalid configuration: " + message);
        }
        Setting<?> s = culprit.get();
        Origin o = r.origin(s);
        return new ConfigException(o.kind() == Origin.Kind.DEFAULT
                ? "invalid configuration: " + s.key() + " (default " + r.display(s) + "): " + reason
                : o + " (" + s.key() + " = " + r.display(s) + "): " + reason);
    }
}
