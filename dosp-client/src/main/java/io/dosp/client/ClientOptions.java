package io.dosp.client;

import io.dosp.client.internal.MachineHash;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.Vip;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DospClient} connects and behaves. Immutable; built once with {@link #builder()}
 * and validated in {@link Builder#build()} (messages name the field). Reconnect and heartbeat are
 * off by default.
 */
public final class ClientOptions {
    /** The DoSP port. */
    public static final int DEFAULT_PORT = 7744;
    /** TCP connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Time for AIP + HSK (and RQIP, when asked) after connecting. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** Time a request (GCL, PING, FN, GSI, RQIP, AUTH, ADMIN, BCST) waits for its answer. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Time {@code openTunnel} waits for the peer's handshake. */
    public static final Duration DEFAULT_TUNNEL_TIMEOUT = Duration.ofSeconds(10);
    /** Frame body limit, both directions. */
    public static final int DEFAULT_MAX_FRAME_SIZE = DospFrameDecoder.DEFAULT_MAX_FRAME_SIZE;
    /** Received messages buffered for {@link DospClient#receive()} before the oldest are dropped (and counted). */
    public static final int DEFAULT_RECEIVE_QUEUE = 65_536;

    private final String host;
    private final int port;
    private final String localName;
    private final Vip requestedVip;
    private final boolean fixedVip;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Duration requestTimeout;
    private final Duration tunnelTimeout;
    private final int maxFrameSize;
    private final String machineHash;
    private final boolean sendClientInfo;
    private final int receiveQueue;
    private final boolean reconnect;
    private final Duration reconnectInitialDelay;
    private final Duration reconnectMaxDelay;
    private final Duration heartbeatInterval;
    private final int heartbeatMisses;
    private final javax.net.ssl.SSLContext tls;
    private final boolean tlsVerifyHostname;

    private ClientOptions(Builder b) {
        tls = b.tls;
        tlsVerifyHostname = b.tlsVerifyHostname;
        reconnect = b.reconnect;
        reconnectInitialDelay = b.reconnectInitialDelay;
        reconnectMaxDelay = b.reconnectMaxDelay;
        heartbeatInterval = b.heartbeatInterval;
        heartbeatMisses = b.heartbeatMisses;
        host = b.host;
        port = b.port;
        localName = b.localName;
        requestedVip = b.requestedVip;
        fixedVip = b.fixedVip;
        connectTimeout = b.connectTimeout;
        handshakeTimeout = b.handshakeTimeout;
        requestTimeout = b.requestTimeout;
        tunnelTimeout = b.tunnelTimeout;
        maxFrameSize = b.maxFrameSize;
        machineHash = b.machineHash != null ? b.machineHash : MachineHash.compute();
        sendClientInfo = b.sendClientInfo;
        receiveQueue = b.receiveQueue;
    }

    /** A builder with every default ({@code 127.0.0.1:7744}). */
    public static Builder builder() {
        return new Builder();
    }

    /** Server host (TCP). */
    public String host() {
        return host;
    }

    /** Server port (TCP). */
    public int port() {
        return port;
    }

    /** The in-process server's local transport name, or null for TCP. */
    public String localName() {
        return localName;
    }

    /** The vIP to request with RQIP after the handshake, or null. */
    public Vip requestedVip() {
        return requestedVip;
    }

    /** Whether connecting fails when the requested vIP is refused. */
    public boolean fixedVip() {
        return fixedVip;
    }

    /** TCP connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Handshake timeout. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Request timeout. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Tunnel handshake timeout. */
    public Duration tunnelTimeout() {
        return tunnelTimeout;
    }

    /** Frame body limit. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** The machine hash sent in CLIENT_INFO (64 hex characters). */
    public String machineHash() {
        return machineHash;
    }

    /** Whether CLIENT_INFO is sent after the handshake (as the Python client does). */
    public boolean sendClientInfo() {
        return sendClientInfo;
    }

    /** Capacity of the receive queue. */
    public int receiveQueue() {
        return receiveQueue;
    }

    /** Whether a lost connection is re-established automatically (off by default). */
    public boolean reconnect() {
        return reconnect;
    }

    /** First reconnect delay; doubles per failed attempt up to {@link #reconnectMaxDelay()}, with jitter. */
    public Duration reconnectInitialDelay() {
        return reconnectInitialDelay;
    }

    /** Longest reconnect delay. */
    public Duration reconnectMaxDelay() {
        return reconnectMaxDelay;
    }

    /** Heartbeat PING interval; {@link Duration#ZERO} when off (the default). */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** Unanswered heartbeat PINGs after which the connection is declared dead. */
    public int heartbeatMisses() {
        return heartbeatMisses;
    }

    /** The TLS context, or null when TLS is off (the default). */
    public javax.net.ssl.SSLContext tls() {
        return tls;
    }

    /** Whether the server certificate must match the host name (on by default when TLS is on). */
    public boolean tlsVerifyHostname() {
        return tlsVerifyHostname;
    }

    /** A copy of these options asking for {@code vip} without insisting (used when reconnecting). */
    public ClientOptions withRequestedVip(Vip vip) {
        Builder b = toBuilder();
        b.requestedVip = vip;
        b.fixedVip = false;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.localName = localName;
        b.requestedVip = requestedVip;
        b.fixedVip = fixedVip;
        b.connectTimeout = connectTimeout;
        b.handshakeTimeout = handshakeTimeout;
        b.requestTimeout = requestTimeout;
        b.tunnelTimeout = tunnelTimeout;
        b.maxFrameSize = maxFrameSize;
        b.machineHash = machineHash;
        b.sendClientInfo = sendClientInfo;
        b.receiveQueue = receiveQueue;
        b.reconnect = reconnect;
        b.reconnectInitialDelay = reconnectInitialDelay;
        b.reconnectMaxDelay = reconnectMaxDelay;
        b.heartbeatInterval = heartbeatInterval;
        b.heartbeatMisses = heartbeatMisses;
        b.tls = tls;
        b.tlsVerifyHostname = tlsVerifyHostname;
        return b;
    }

    /** {@code host:port} or {@code local:name}, for messages. */
    public String serverName() {
        return localName != null ? "local:" + localName : host + ":" + port;
    }

    /** Builds {@link ClientOptions}; not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private String localName;
        private Vip requestedVip;
        private boolean fixedVip;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration tunnelTimeout = DEFAULT_TUNNEL_TIMEOUT;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private String machineHash;
        private boolean sendClientInfo = true;
        private int receiveQueue = DEFAULT_RECEIVE_QUEUE;
        private boolean reconnect;
        private Duration reconnectInitialDelay = Duration.ofMillis(100);
        private Duration reconnectMaxDelay = Duration.ofSeconds(30);
        private Duration heartbeatInterval = Duration.ZERO;
        private int heartbeatMisses = 3;
        private javax.net.ssl.SSLContext tls;
        private boolean tlsVerifyHostname = true;

        private Builder() {
        }

        /**
         * Connect over TLS with this context (its trust managers decide which server certificates are
         * accepted); the certificate must match the host name. TLS is off by default: reference servers
         * do not speak it.
         */
        public Builder tls(javax.net.ssl.SSLContext context) {
            return tls(context, true);
        }

        /** Connect over TLS; {@code verifyHostname=false} accepts a trusted certificate for any host name. */
        public Builder tls(javax.net.ssl.SSLContext context, boolean verifyHostname) {
            this.tls = context;
            this.tlsVerifyHostname = verifyHostname;
            return this;
        }

        /**
         * Re-establish a lost connection automatically: attempts after {@code initialDelay}, doubling up
         * to {@code maxDelay}, each with random jitter (50–100% of the delay). The client asks for its
         * previous vIP again, and tunnels are re-opened on the first send to a former tunnel peer. No
         * reconnect after {@link DospClient#close()}, or when the server kicked or banned the client.
         */
        public Builder reconnect(Duration initialDelay, Duration maxDelay) {
            this.reconnect = true;
            this.reconnectInitialDelay = initialDelay;
            this.reconnectMaxDelay = maxDelay;
            return this;
        }

        /** Send PING every {@code interval}; after {@code misses} unanswered PINGs the connection is declared dead. */
        public Builder heartbeat(Duration interval, int misses) {
            this.heartbeatInterval = interval;
            this.heartbeatMisses = misses;
            return this;
        }

        /** Server host and port. */
        public Builder server(String host, int port) {
            this.host = host;
            this.port = port;
            this.localName = null;
            return this;
        }

        /**
         * Server as {@code host:port} or {@code host} (port 7744).
         *
         * @throws IllegalArgumentException when the port is not a number
         */
        public Builder server(String hostPort) {
            Objects.requireNonNull(hostPort, "server");
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                return server(hostPort, DEFAULT_PORT);
            }
            try {
                return server(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("server: '" + hostPort + "' is not host:port (port must be a number)");
            }
        }

        /** An in-process server on Netty's local transport with this name (see the server's localTransport option). */
        public Builder local(String name) {
            this.localName = name;
            return this;
        }

        /** Request this vIP after the handshake; with {@code fixed}, fail to connect if it is refused. */
        public Builder requestVip(Vip vip, boolean fixed) {
            this.requestedVip = vip;
            this.fixedVip = fixed;
            return this;
        }

        /** TCP connect timeout. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** Handshake timeout. */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = d;
            return this;
        }

        /** Request timeout. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        /** Tunnel handshake timeout. */
        public Builder tunnelTimeout(Duration d) {
            this.tunnelTimeout = d;
            return this;
        }

        /** Frame body limit (at least 1 KiB). */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /** Overrides the machine hash (tests, or several identities on one machine). */
        public Builder machineHash(String hash) {
            this.machineHash = hash;
            return this;
        }

        /** Whether to send CLIENT_INFO after the handshake (default true). */
        public Builder sendClientInfo(boolean send) {
            this.sendClientInfo = send;
            return this;
        }

        /** Capacity of the receive queue (at least 1). */
        public Builder receiveQueue(int capacity) {
            this.receiveQueue = capacity;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first invalid field
         */
        public ClientOptions build() {
            if (localName == null) {
                require(host != null && !host.isBlank(), "host", "must not be empty");
                require(port > 0 && port <= 65535, "port", "must be 1..65535, got " + port);
            }
            positive(connectTimeout, "connectTimeout");
            positive(handshakeTimeout, "handshakeTimeout");
            positive(requestTimeout, "requestTimeout");
            positive(tunnelTimeout, "tunnelTimeout");
            require(maxFrameSize >= 1024, "maxFrameSize", "must be at least 1024, got " + maxFrameSize);
            require(receiveQueue >= 1, "receiveQueue", "must be at least 1");
            positive(reconnectInitialDelay, "reconnectInitialDelay");
            require(reconnectMaxDelay != null && reconnectMaxDelay.compareTo(reconnectInitialDelay) >= 0,
                    "reconnectMaxDelay", "must be at least the initial delay");
            require(heartbeatInterval != null && !heartbeatInterval.isNegative(), "heartbeatInterval",
                    "must be zero (off) or positive");
            require(heartbeatMisses >= 1, "heartbeatMisses", "must be at least 1");
            require(tls == null || localName == null, "tls", "is for TCP; the in-process transport needs none");
            require(!fixedVip || requestedVip != null, "fixedVip", "needs a requested vIP");
            require(machineHash == null || machineHash.matches("[0-9a-fA-F]{1,128}"), "machineHash",
                    "must be hex (the reference sends 64 hex characters)");
            return new ClientOptions(this);
        }

        private static void positive(Duration d, String field) {
            require(d != null && !d.isNegative() && !d.isZero(), field, "must be positive");
        }

        private static void require(boolean ok, String field, String message) {
            if (!ok) {
                throw new IllegalArgumentException(field + ": " + message);
            }
        }
    }
}
