package io.dosp.monitor;

import io.dosp.protocol.InvalidConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the monitoring listener ({@link DospMonitor}): where it listens and the bounds of what a
 * peer may make it hold. Immutable; build with {@link #builder()}, validated in {@link Builder#build()}
 * ({@link InvalidConfigException#field()} names {@code monitor.<field>}).
 *
 * <p>Bound to {@value #DEFAULT_HOST} by default: read-only views then need no token. Bound to any other
 * address, every view but {@code /healthz} needs the admin token ({@code Authorization: Bearer TOKEN});
 * anything that changes state (kick, ban) needs it always.
 */
public final class MonitorConfig {
    /** Loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Connections to the listener at once; more are answered 503 and closed. */
    public static final int DEFAULT_MAX_CONNECTIONS = 32;
    /** Connections from one remote address at once (within {@link #DEFAULT_MAX_CONNECTIONS}); more are answered 503 and closed. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 8;
    /** Request line plus headers, in bytes; more is answered 431 and the connection closed. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    /** A request body, in bytes (the API takes none); more is answered 413. */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024;
    /** A connection that neither sends nor receives for this long is closed. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Subscribers of {@code /api/events} at once; more are answered 503. */
    public static final int DEFAULT_MAX_EVENT_SUBSCRIBERS = 8;
    /** How often {@code /api/events} sends a snapshot. */
    public static final Duration DEFAULT_EVENT_INTERVAL = Duration.ofSeconds(1);
    /** The most clients one {@code /api/clients} page holds ({@code limit} is capped to it). */
    public static final int DEFAULT_MAX_PAGE_SIZE = 500;
    /** Wrong tokens one address may send before its requests with a token are refused unchecked (429). */
    public static final int DEFAULT_MAX_AUTH_FAILURES = 5;
    /** How long an address that used up its wrong tokens waits. */
    public static final Duration DEFAULT_AUTH_BACKOFF = Duration.ofMinutes(1);

    private final String host;
    private final int port;
    private final int maxConnections;
    private final int maxConnectionsPerAddress;
    private final int maxHeaderBytes;
    private final int maxBodyBytes;
    private final Duration idleTimeout;
    private final int maxEventSubscribers;
    private final Duration eventInterval;
    private final int maxPageSize;
    private final int maxAuthFailures;
    private final Duration authBackoff;
    private final boolean loopback;

    private MonitorConfig(Builder b, boolean loopback) {
        this.host = b.host;
        this.port = b.port;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxBodyBytes = b.maxBodyBytes;
        this.idleTimeout = b.idleTimeout;
        this.maxEventSubscribers = b.maxEventSubscribers;
        this.eventInterval = b.eventInterval;
        this.maxPageSize = b.maxPageSize;
        this.maxAuthFailures = b.maxAuthFailures;
        this.authBackoff = b.authBackoff;
        this.loopback = loopback;
    }

    /** A builder with the defaults; {@link Builder#port(int)} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address it binds. */
    public String host() {
        return host;
    }

    /** The TCP port; 0 picks a free one ({@link DospMonitor#port()} tells which). */
    public int port() {
        return port;
    }

    /** Whether {@link #host()} is a loopback address (views need no token then). */
    public boolean loopback() {
        return loopback;
    }

    /** Connections at once. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Connections from one remote address at once. */
    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /** Request line plus headers, in bytes. */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** Request body, in bytes. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Idle connections are closed after this. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** {@code /api/events} subscribers at once. */
    public int maxEventSubscribers() {
        return maxEventSubscribers;
    }

    /** Interval of {@code /api/events} snapshots. */
    public Duration eventInterval() {
        return eventInterval;
    }

    /** Largest {@code /api/clients} page. */
    public int maxPageSize() {
        return maxPageSize;
    }

    /** Wrong tokens per address before its attempts are refused unchecked. */
    public int maxAuthFailures() {
        return maxAuthFailures;
    }

    /** How long such an address waits. */
    public Duration authBackoff() {
        return authBackoff;
    }

    @Override
    public String toString() {
        return "MonitorConfig[" + host + ":" + port + (loopback ? ", loopback" : ", token required for views")
                + ", maxConnections=" + maxConnections + "]";
    }

    /** Builds a {@link MonitorConfig}; not thread-safe. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = -1;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxEventSubscribers = DEFAULT_MAX_EVENT_SUBSCRIBERS;
        private Duration eventInterval = DEFAULT_EVENT_INTERVAL;
        private int maxPageSize = DEFAULT_MAX_PAGE_SIZE;
        private int maxAuthFailures = DEFAULT_MAX_AUTH_FAILURES;
        private Duration authBackoff = DEFAULT_AUTH_BACKOFF;

        private Builder() {
        }

        /** Address to bind ({@value MonitorConfig#DEFAULT_HOST} by default). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** TCP port, 0 for any free one. Required. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Connections at once. */
        public Builder maxConnections(int n) {
            this.maxConnections = n;
            return this;
        }

        /** Connections from one remote address at once. */
        public Builder maxConnectionsPerAddress(int n) {
            this.maxConnectionsPerAddress = n;
            return this;
        }

        /** Request line plus headers, in bytes. */
        public Builder maxHeaderBytes(int n) {
            this.maxHeaderBytes = n;
            return this;
        }

        /** Request body, in bytes. */
        public Builder maxBodyBytes(int n) {
            this.maxBodyBytes = n;
            return this;
        }

        /** Idle connections are closed after this. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = d;
            return this;
        }

        /** {@code /api/events} subscribers at once. */
        public Builder maxEventSubscribers(int n) {
            this.maxEventSubscribers = n;
            return this;
        }

        /** Interval of {@code /api/events} snapshots. */
        public Builder eventInterval(Duration d) {
            this.eventInterval = d;
            return this;
        }

        /** Largest {@code /api/clients} page. */
        public Builder maxPageSize(int n) {
            this.maxPageSize = n;
            return this;
        }

        /** Wrong tokens per address before its attempts are refused unchecked. */
        public Builder maxAuthFailures(int n) {
            this.maxAuthFailures = n;
            return this;
        }

        /** How long such an address waits. */
        public Builder authBackoff(Duration d) {
            this.authBackoff = d;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code monitor.<field>}
         */
        public MonitorConfig build() {
            InvalidConfigException.require(host != null && !host.isBlank(), "monitor.host", "must not be empty");
            InvalidConfigException.require(port >= 0 && port <= 65535, "monitor.port",
                    port == -1 ? "must be set (0 picks a free port)" : "must be 0..65535, got " + port);
            InvalidConfigException.require(maxConnections >= 1 && maxConnections <= 10_000, "monitor.maxConnections",
                    "must be 1..10000, got " + maxConnections);
            InvalidConfigException.require(maxConnectionsPerAddress >= 1, "monitor.maxConnectionsPerAddress",
                    "must be at least 1, got " + maxConnectionsPerAddress);
            InvalidConfigException.require(maxHeaderBytes >= 1024 && maxHeaderBytes <= 64 * 1024, "monitor.maxHeaderBytes",
                    "must be 1024..65536, got " + maxHeaderBytes);
            InvalidConfigException.require(maxBodyBytes >= 0 && maxBodyBytes <= 1024 * 1024, "monitor.maxBodyBytes",
                    "must be 0..1048576, got " + maxBodyBytes);
            InvalidConfigException.requirePositive(Objects.requireNonNull(idleTimeout, "idleTimeout"), "monitor.idleTimeout");
            InvalidConfigException.require(maxEventSubscribers >= 0 && maxEventSubscribers <= 1000,
                    "monitor.maxEventSubscribers", "must be 0..1000, got " + maxEventSubscribers);
            InvalidConfigException.require(eventInterval != null && eventInterval.toMillis() >= 100,
                    "monitor.eventInterval", "must be at least 100 ms");
            InvalidConfigException.require(idleTimeout.compareTo(eventInterval) > 0, "monitor.idleTimeout",
                    "must be longer than the event interval (" + eventInterval + ")");
            InvalidConfigException.require(maxPageSize >= 1 && maxPageSize <= 100_000, "monitor.maxPageSize",
                    "must be 1..100000, got " + maxPageSize);
            InvalidConfigException.require(maxAuthFailures >= 1, "monitor.maxAuthFailures", "must be at least 1");
            InvalidConfigException.requirePositive(Objects.requireNonNull(authBackoff, "authBackoff"), "monitor.authBackoff");
            boolean loopback;
            try {
                InetAddress[] all = InetAddress.getAllByName(host.trim());
                loopback = all.length > 0;
                for (InetAddress a : all) {
                    loopback &= a.isLoopbackAddress();
                }
            } catch (UnknownHostException e) {
                throw new InvalidConfigException("monitor.host", "cannot resolve '" + host + "': " + e.getMessage());
            }
            return new MonitorConfig(this, loopback);
        }
    }
}
