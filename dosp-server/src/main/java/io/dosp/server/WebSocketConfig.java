package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.require;
import static io.dosp.protocol.InvalidConfigException.requirePositive;

import io.dosp.protocol.InvalidConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The WebSocket listener (spec section 10): DoSP over WebSocket binary messages on a second port,
 * {@code ws://} or, when the server's {@link Tls} is on, {@code wss://} with the same context.
 * Off by default. Its clients share the one vIP space, limits, admission and hardening of TCP
 * clients; the session starts once the upgrade is done. The same port answers plain HTTP
 * {@code GET}/{@code HEAD} with the web files shipped in the server jar ({@code /}, {@code /dosp.js}, ...)
 * unless {@link #staticFiles()} is off. Part of {@link ServerConfig} ({@link ServerConfig#webSocket()});
 * validated in {@link Builder#build()}, errors naming the field as {@code webSocket.<name>}.
 *
 * <p><b>Origin.</b> Browsers send {@code Origin} with every WebSocket upgrade; other clients (the
 * reference's, ours) send none, and requests without it are always allowed. A page on any site can
 * make its visitors' browsers open a WebSocket to any address they can reach, a server on their
 * own machine or network included, so by default ({@link #allowedOrigins()} empty) only the
 * server's own origin is allowed: an {@code Origin} whose host and port are those of the request's
 * {@code Host} header (the page this port serves). With a list, exactly those origins are allowed
 * ({@code https://chat.example.org}, scheme and host and port as a browser sends them) and
 * {@code *} allows any. Anything else is refused with HTTP 403 before the upgrade.
 *
 * <p>Immutable and thread-safe.
 */
public final class WebSocketConfig {
    /** The WebSocket listener is off. */
    public static final boolean DEFAULT_ENABLED = false;
    /** The reference's WebSocket port. */
    public static final int DEFAULT_PORT = 7745;
    /** How long a connection may take from connecting to completing the upgrade (plain HTTP requests included). */
    public static final Duration DEFAULT_UPGRADE_TIMEOUT = Duration.ofSeconds(10);
    /** 0: the largest message is one maximum frame with its header ({@link Limits#maxFrameSize()} + 5 bytes). */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 0;
    /** Connections that may be waiting for their upgrade at once, all addresses together. */
    public static final int DEFAULT_MAX_PENDING_UPGRADES = 1024;
    /** The web files in the server jar are served. */
    public static final boolean DEFAULT_STATIC_FILES = true;
    /** The origin that {@link Builder#allowedOrigins} takes to allow every origin. */
    public static final String ANY_ORIGIN = "*";

    /** The listener off, every other setting at its default. */
    public static final WebSocketConfig DISABLED = builder().build();

    private final boolean enabled;
    private final String host;
    private final int port;
    private final Duration upgradeTimeout;
    private final int maxMessageSize;
    private final int maxPendingUpgrades;
    private final Set<String> allowedOrigins;
    private final boolean staticFiles;

    private WebSocketConfig(Builder b, Set<String> origins) {
        enabled = b.enabled;
        host = b.host;
        port = b.port;
        upgradeTimeout = b.upgradeTimeout;
        maxMessageSize = b.maxMessageSize;
        maxPendingUpgrades = b.maxPendingUpgrades;
        allowedOrigins = origins;
        staticFiles = b.staticFiles;
    }

    /** A builder with every default (off). */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the WebSocket listener runs. */
    public boolean enabled() {
        return enabled;
    }

    /** The listen host, or null for the server's own {@link ServerConfig#host()}. */
    public String host() {
        return host;
    }

    /** The listen port (0: any free port). */
    public int port() {
        return port;
    }

    /**
     * How long a connection may stay on the port without completing the upgrade (counted from its
     * accept): then it is closed and counted as {@link DropReason#WS_UPGRADE_TIMEOUT}.
     */
    public Duration upgradeTimeout() {
        return upgradeTimeout;
    }

    /** The configured largest message (0: derived from the frame size, see {@link #maxMessageSize(int)}). */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * The largest WebSocket message a client may send, fragments together: the configured size, or
     * (0) one frame of {@code maxFrameSize} with its 5-byte header. A larger one closes the connection
     * with status 1009, counted as {@link DropReason#WS_MESSAGE_TOO_LARGE}.
     */
    public int maxMessageSize(int maxFrameSize) {
        return maxMessageSize > 0 ? maxMessageSize : (int) Math.min(Integer.MAX_VALUE, maxFrameSize + 5L);
    }

    /**
     * Connections that may wait for their upgrade at once, all addresses together (one address may
     * hold at most {@link Limits#maxConnectionsPerAddress()} of them); more are closed at accept,
     * counted as {@link DropReason#WS_PENDING_LIMIT}.
     */
    public int maxPendingUpgrades() {
        return maxPendingUpgrades;
    }

    /**
     * The origins allowed to upgrade, normalized ({@code scheme://host[:port]}, lower case, default
     * ports dropped); empty: only the server's own origin; {@link #ANY_ORIGIN}: any. See the class
     * comment for why.
     */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** Whether plain HTTP GET/HEAD on the port are answered with the web files of the server jar (else 404). */
    public boolean staticFiles() {
        return staticFiles;
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().enabled(enabled).host(host).port(port).upgradeTimeout(upgradeTimeout)
                .maxMessageSize(maxMessageSize).maxPendingUpgrades(maxPendingUpgrades).allowedOrigins(allowedOrigins)
                .staticFiles(staticFiles);
    }

    /**
     * {@code origin} as {@code scheme://host[:port]} in lower case without a default port, the form
     * {@link #allowedOrigins()} holds; {@link #ANY_ORIGIN} stays as it is.
     *
     * @throws IllegalArgumentException when it is not an http or https origin
     */
    public static String normalizeOrigin(String origin) {
        String o = origin.trim();
        if (o.equals(ANY_ORIGIN)) {
            return o;
        }
        while (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        URI u;
        try {
            u = new URI(o);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + origin + "' is not an origin such as https://chat.example.org");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null
                || u.getRawPath() != null && !u.getRawPath().isEmpty() || u.getRawQuery() != null || u.getUserInfo() != null) {
            throw new IllegalArgumentException("'" + origin + "' is not an origin such as https://chat.example.org"
                    + " (scheme http or https, a host, an optional port, nothing else)");
        }
        int port = u.getPort();
        boolean defaultPort = port == -1 || scheme.equals("http") && port == 80 || scheme.equals("https") && port == 443;
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    /** Builds {@link WebSocketConfig}; not thread-safe. */
    public static final class Builder {
        private boolean enabled = DEFAULT_ENABLED;
        private String host;
        private int port = DEFAULT_PORT;
        private Duration upgradeTimeout = DEFAULT_UPGRADE_TIMEOUT;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int maxPendingUpgrades = DEFAULT_MAX_PENDING_UPGRADES;
        private Set<String> allowedOrigins = Set.of();
        private boolean staticFiles = DEFAULT_STATIC_FILES;

        private Builder() {
        }

        /** Turns the listener on or off. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Turns the listener on at {@code port} (0: any free port). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Listen host; null: the server's host. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** How long a connection may take to complete its upgrade (positive). */
        public Builder upgradeTimeout(Duration timeout) {
            this.upgradeTimeout = timeout;
            return this;
        }

        /** Largest message in bytes, fragments together; 0: one maximum frame with its header. */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = bytes;
            return this;
        }

        /** Connections waiting for their upgrade at once (at least 1). */
        public Builder maxPendingUpgrades(int n) {
            this.maxPendingUpgrades = n;
            return this;
        }

        /** Origins allowed to upgrade ({@code https://host[:port]}, or {@code *}); empty: the server's own only. */
        public Builder allowedOrigins(Collection<String> origins) {
            this.allowedOrigins = new LinkedHashSet<>(origins);
            return this;
        }

        /** Whether plain HTTP requests get the web files of the server jar. */
        public Builder staticFiles(boolean serve) {
            this.staticFiles = serve;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code webSocket.<field>}
         */
        public WebSocketConfig build() {
            require(port >= 0 && port <= 65535, "webSocket.port", "must be 0..65535, got " + port);
            require(host == null || !host.isBlank(), "webSocket.host", "must not be blank (null: the server's host)");
            requirePositive(upgradeTimeout, "webSocket.upgradeTimeout");
            require(maxMessageSize == 0 || maxMessageSize >= 1024, "webSocket.maxMessageSize",
                    "must be 0 (one maximum frame) or at least 1024, got " + maxMessageSize);
            require(maxPendingUpgrades >= 1, "webSocket.maxPendingUpgrades", "must be at least 1, got " + maxPendingUpgrades);
            Set<String> origins = new LinkedHashSet<>();
            for (String o : allowedOrigins) {
                require(o != null, "webSocket.allowedOrigins", "must not hold null");
                try {
                    origins.add(normalizeOrigin(o));
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigException("webSocket.allowedOrigins", e.getMessage(), e);
                }
            }
            return new WebSocketConfig(this, Set.copyOf(origins));
        }
    }
}
