package io.dosp.client;

import static io.dosp.protocol.InvalidConfigException.requirePositive;
import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.client.internal.MachineHash;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Login;
import io.dosp.protocol.Vip;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How a {@link DospClient} connects and behaves: the server, the vIP to ask for, timeouts and
 * limits, and groups of their own: {@link TlsOptions} and {@link ReconnectOptions} (off by
 * default), {@link HeartbeatOptions} (on by default: a PING every 20 s, so a client that only
 * receives is not closed by the server's idle timeout) and {@link TunnelOptions} (the limits on
 * tunnel handshakes other clients send).
 *
 * <p>The server is a TCP {@code host:port}, a WebSocket URL ({@code ws://host:port/path}, or
 * {@code wss://} over TLS: spec section 10; the reference's WebSocket listener is on port 7745) or an
 * in-process server ({@link Builder#local}). Over WebSocket the DoSP byte stream travels in binary
 * messages, one frame per message; everything else is as over TCP.
 *
 * <pre>{@code
 * ClientOptions options = ClientOptions.builder()
 *         .server("chat.example.org", 7744)
 *         .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(200), Duration.ofSeconds(10)))
 *         .heartbeat(h -> h.interval(Duration.ofSeconds(15)).misses(3))
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; built once with {@link #builder()} and validated in
 * {@link Builder#build()}, which throws {@link InvalidConfigException} naming the field
 * ({@code requestTimeout}, {@code reconnect.initialDelay}, ...).
 */
public final class ClientOptions {
    /** The server host. */
    public static final String DEFAULT_HOST = "127.0.0.1";
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
    /** The smallest frame body limit accepted. */
    public static final int MIN_MAX_FRAME_SIZE = 1024;
    /** Received messages buffered for {@link DospClient#receive()} before the oldest are dropped (and counted). */
    public static final int DEFAULT_RECEIVE_QUEUE = 65_536;
    /** Whether CLIENT_INFO (the machine hash) is sent after the handshake, as the Python client does. */
    public static final boolean DEFAULT_SEND_CLIENT_INFO = true;
    /**
     * Whether the client opens with this project's EXT HELLO after the handshake, to learn which extensions the
     * server speaks (one round trip; a reference server answers ERR UKNP and the client uses none).
     */
    public static final boolean DEFAULT_EXTENSIONS = true;

    private final String host;
    private final int port;
    private final String localName;
    private final URI webSocket;
    private final Vip requestedVip;
    private final boolean fixedVip;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Duration requestTimeout;
    private final Duration tunnelTimeout;
    private final int maxFrameSize;
    private final String machineHash;
    private final boolean sendClientInfo;
    private final boolean extensions;
    private final String loginUser;
    private final char[] loginPassword;
    private final int receiveQueue;
    private final TlsOptions tls;
    private final ReconnectOptions reconnect;
    private final HeartbeatOptions heartbeat;
    private final TunnelOptions tunnels;
    private final List<String> fallbackServers;
    private final IdentityOptions identity;

    private ClientOptions(Builder b, TlsOptions tls, ReconnectOptions reconnect, HeartbeatOptions heartbeat,
            TunnelOptions tunnels, IdentityOptions identity) {
        host = b.host;
        port = b.port;
        localName = b.localName;
        webSocket = b.webSocket;
        requestedVip = b.requestedVip;
        fixedVip = b.fixedVip;
        connectTimeout = b.connectTimeout;
        handshakeTimeout = b.handshakeTimeout;
        requestTimeout = b.requestTimeout;
        tunnelTimeout = b.tunnelTimeout;
        maxFrameSize = b.maxFrameSize;
        machineHash = b.machineHash != null ? b.machineHash : MachineHash.compute();
        sendClientInfo = b.sendClientInfo;
        extensions = b.extensions;
        loginUser = b.loginUser;
        loginPassword = b.loginPassword == null ? null : b.loginPassword.clone();
        receiveQueue = b.receiveQueue;
        this.tls = tls;
        this.reconnect = reconnect;
        this.heartbeat = heartbeat;
        this.tunnels = tunnels;
        this.fallbackServers = List.copyOf(b.fallbackServers);
        this.identity = identity;
    }

    /** A builder with every default ({@code 127.0.0.1:7744}). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive others from them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.localName = localName;
        b.webSocket = webSocket;
        b.requestedVip = requestedVip;
        b.fixedVip = fixedVip;
        b.connectTimeout = connectTimeout;
        b.handshakeTimeout = handshakeTimeout;
        b.requestTimeout = requestTimeout;
        b.tunnelTimeout = tunnelTimeout;
        b.maxFrameSize = maxFrameSize;
        b.machineHash = machineHash;
        b.sendClientInfo = sendClientInfo;
        b.extensions = extensions;
        b.loginUser = loginUser;
        b.loginPassword = loginPassword == null ? null : loginPassword.clone();
        b.receiveQueue = receiveQueue;
        b.fallbackServers = fallbackServers;
        return b.tls(tls).reconnect(reconnect).heartbeat(heartbeat).tunnels(tunnels).identity(identity);
    }

    /** A copy of these options asking for {@code vip} (null: none) without insisting (used when reconnecting). */
    public ClientOptions withRequestedVip(Vip vip) {
        return toBuilder().requestVip(vip, false).build();
    }

    /** Server host (TCP or WebSocket). */
    public String host() {
        return host;
    }

    /** Server port (TCP or WebSocket). */
    public int port() {
        return port;
    }

    /** The in-process server's local transport name, or null for TCP. */
    public String localName() {
        return localName;
    }

    /** The server's WebSocket URL ({@code ws://} or {@code wss://}), or null for TCP and the in-process transport. */
    public URI webSocketUri() {
        return webSocket;
    }

    /** {@code host:port}, the WebSocket URL or {@code local:name}, for messages. */
    public String serverName() {
        return localName != null ? "local:" + localName : webSocket != null ? webSocket.toString()
                : host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * Further servers ({@code host:port}) a reconnecting client tries in turn after the one it lost,
     * e.g. the other servers of a federation; empty by default. A server that drains or shuts down may
     * name servers in its EXIT ({@link io.dosp.protocol.ServerExitReason#redirects}): those are tried first.
     */
    public List<String> fallbackServers() {
        return fallbackServers;
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

    /** The machine hash sent in CLIENT_INFO (64 hex characters unless overridden). */
    public String machineHash() {
        return machineHash;
    }

    /** Whether CLIENT_INFO is sent after the handshake. */
    public boolean sendClientInfo() {
        return sendClientInfo;
    }

    /** The user the client logs in as (client admission), if credentials are set. */
    public Optional<String> loginUser() {
        return Optional.ofNullable(loginUser);
    }

    /**
     * A copy of the login password (empty when no credentials are set), for the connection's login; the caller
     * clears it after use. The options keep their own copy for as long as they live, because every reconnect logs in
     * again (the server's salt may change, so nothing less than the password can be kept).
     */
    public char[] loginPassword() {
        return loginPassword == null ? new char[0] : loginPassword.clone();
    }


    /** Whether the client says EXT HELLO after the handshake (see {@link #DEFAULT_EXTENSIONS}). */
    public boolean extensions() {
        return extensions;
    }

    /** Capacity of the receive queue. */
    public int receiveQueue() {
        return receiveQueue;
    }

    /** TLS (off unless a context is set). */
    public TlsOptions tls() {
        return tls;
    }

    /** Reconnect (off by default). */
    public ReconnectOptions reconnect() {
        return reconnect;
    }

    /** Heartbeat (on by default: a PING every {@link HeartbeatOptions#DEFAULT_INTERVAL}). */
    public HeartbeatOptions heartbeat() {
        return heartbeat;
    }

    /** The tunnel identity and how peers' identities are trusted. */
    public IdentityOptions identity() {
        return identity;
    }

    /** Limits on the tunnel handshakes other clients send (rates, error-reply budget, table size). */
    public TunnelOptions tunnels() {
        return tunnels;
    }

    /** Builds {@link ClientOptions}; not thread-safe. Every setter returns the builder. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String localName;
        private URI webSocket;
        private Vip requestedVip;
        private boolean fixedVip;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration tunnelTimeout = DEFAULT_TUNNEL_TIMEOUT;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private String machineHash;
        private boolean sendClientInfo = DEFAULT_SEND_CLIENT_INFO;
        private boolean extensions = DEFAULT_EXTENSIONS;
        private String loginUser;
        private char[] loginPassword;
        private int receiveQueue = DEFAULT_RECEIVE_QUEUE;
        private TlsOptions.Builder tls = TlsOptions.builder();
        private ReconnectOptions.Builder reconnect = ReconnectOptions.builder();
        private HeartbeatOptions.Builder heartbeat = HeartbeatOptions.builder();
        private TunnelOptions.Builder tunnels = TunnelOptions.builder();
        private List<String> fallbackServers = List.of();
        private IdentityOptions.Builder identity = IdentityOptions.builder();

        private Builder() {
        }

        /**
         * Further servers ({@code host:port}, IPv6 hosts in brackets) tried in turn when reconnecting
         * (reconnect must be on); replaces any set before.
         */
        public Builder fallbackServers(List<String> hostPorts) {
            this.fallbackServers = List.copyOf(hostPorts);
            return this;
        }

        /** Server host and port (TCP). */
        public Builder server(String host, int port) {
            this.host = host;
            this.port = port;
            this.localName = null;
            this.webSocket = null;
            return this;
        }

        /**
         * Server as {@code host:port}, {@code host}, {@code [IPv6]:port} or a bare IPv6 literal (TCP, port 7744 when
         * none is given), or as a WebSocket URL
         * ({@code ws://host[:port][/path]}, {@code wss://...}: see {@link #webSocket(String)}).
         *
         * @throws InvalidConfigException naming {@code server} when the port is not a number or the URL is not one
         */
        public Builder server(String hostPort) {
            Objects.requireNonNull(hostPort, "server");
            String lower = hostPort.trim().toLowerCase(Locale.ROOT);
            if (lower.startsWith("ws://") || lower.startsWith("wss://")) {
                return webSocket(hostPort.trim());
            }
            String s = hostPort.trim();
            if (s.startsWith("[")) {
                // [IPv6]:port or [IPv6]: the form ServerExitReason's redirects and PeerSpec write.
                int close = s.indexOf(']');
                String rest = close < 0 ? "" : s.substring(close + 1);
                if (close < 2 || !(rest.isEmpty() || rest.startsWith(":"))) {
                    throw new InvalidConfigException("server", "'" + hostPort + "' is not [IPv6]:port");
                }
                return server(s.substring(1, close), rest.isEmpty() ? DEFAULT_PORT : port(hostPort, rest.substring(1)));
            }
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) {
                // No port, or a bare IPv6 literal (more than one colon): the default port.
                return server(s, DEFAULT_PORT);
            }
            return server(s.substring(0, colon), port(hostPort, s.substring(colon + 1)));
        }

        private static int port(String hostPort, String digits) {
            try {
                return Integer.parseInt(digits); // the range is checked by build(), naming "port"
            } catch (NumberFormatException e) {
                throw new InvalidConfigException("server", "'" + hostPort + "' is not host:port (port must be a number)");
            }
        }

        /**
         * A server's WebSocket listener: {@code ws://host[:port][/path]} (port 80 when not given, path
         * {@code /}), or {@code wss://} for WebSocket over TLS (port 443 when not given; the
         * {@link #tls} context, or the JDK's default one, which trusts the JDK's CA certificates).
         *
         * @throws InvalidConfigException naming {@code server} when {@code url} is not such a URL
         */
        public Builder webSocket(String url) {
            URI u;
            try {
                u = new URI(Objects.requireNonNull(url, "url").trim());
            } catch (URISyntaxException e) {
                throw new InvalidConfigException("server", "'" + url + "' is not a WebSocket URL (ws://host:port/): "
                        + e.getMessage());
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss") || u.getHost() == null || u.getUserInfo() != null
                    || u.getRawFragment() != null) {
                throw new InvalidConfigException("server", "'" + url + "' is not a WebSocket URL: ws://host[:port][/path]"
                        + " or wss://host[:port][/path]");
            }
            int p = u.getPort() >= 0 ? u.getPort() : scheme.equals("wss") ? 443 : 80;
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
            // Normalized: scheme in lower case, the port always given, the path at least "/".
            this.webSocket = URI.create(scheme + "://" + u.getRawAuthority().replaceFirst(":[0-9]*$", "") + ":" + p + path
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
            this.host = host;
            this.port = p;
            this.localName = null;
            return this;
        }

        /** An in-process server on Netty's local transport with this name (see the server's localTransport option). */
        public Builder local(String name) {
            this.localName = name;
            this.webSocket = null;
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

        /** Frame body limit (at least {@link #MIN_MAX_FRAME_SIZE}). */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /** Overrides the machine hash (tests, or several identities on one machine); hex. */
        public Builder machineHash(String hash) {
            this.machineHash = hash;
            return this;
        }

        /** Whether to send CLIENT_INFO after the handshake (default true). */
        public Builder sendClientInfo(boolean send) {
            this.sendClientInfo = send;
            return this;
        }

        /**
         * Logs in as {@code user} with {@code password} (a bearer token is used the same way) on every connection, with
         * this project's {@code auth} extension: a SCRAM-SHA-256 challenge-response, so neither the password nor
         * anything replayable crosses the wire, and the server proves it holds the user's verifier. The password is
         * copied (clear your array afterwards) and kept in memory for reconnects. A server that does not offer login
         * (admission off, a reference server) makes connect fail with {@link LoginFailedException}.
         */
        public Builder login(String user, char[] password) {
            this.loginUser = user;
            this.loginPassword = password == null ? null : password.clone();
            return this;
        }


        /**
         * Whether to open with EXT HELLO (default true). Off, the client sends exactly what the reference's client
         * sends and uses none of this project's client extensions.
         */
        public Builder extensions(boolean on) {
            this.extensions = on;
            return this;
        }

        /** Capacity of the receive queue (at least 1). */
        public Builder receiveQueue(int capacity) {
            this.receiveQueue = capacity;
            return this;
        }

        /** Edits the TLS group, e.g. {@code tls(t -> t.context(sslContext))}. */
        public Builder tls(Consumer<TlsOptions.Builder> edit) {
            edit.accept(tls);
            return this;
        }

        /** Replaces the TLS group. */
        public Builder tls(TlsOptions options) {
            this.tls = options.toBuilder();
            return this;
        }

        /** Edits the reconnect group, e.g. {@code reconnect(r -> r.enabled(true).backoff(initial, max))}. */
        public Builder reconnect(Consumer<ReconnectOptions.Builder> edit) {
            edit.accept(reconnect);
            return this;
        }

        /** Replaces the reconnect group. */
        public Builder reconnect(ReconnectOptions options) {
            this.reconnect = options.toBuilder();
            return this;
        }

        /**
         * Edits the heartbeat group, e.g. {@code heartbeat(h -> h.interval(Duration.ofSeconds(15)))};
         * {@code heartbeat(h -> h.interval(Duration.ZERO))} or {@code heartbeat(HeartbeatOptions.OFF)} turns it off.
         */
        public Builder heartbeat(Consumer<HeartbeatOptions.Builder> edit) {
            edit.accept(heartbeat);
            return this;
        }

        /** Replaces the heartbeat group. */
        public Builder heartbeat(HeartbeatOptions options) {
            this.heartbeat = options.toBuilder();
            return this;
        }

        /** Edits the tunnel limits, e.g. {@code tunnels(t -> t.maxTunnels(64).handshakeRate(20, 2))}. */
        public Builder tunnels(Consumer<TunnelOptions.Builder> edit) {
            edit.accept(tunnels);
            return this;
        }

        /** Replaces the tunnel limits. */
        public Builder tunnels(TunnelOptions options) {
            this.tunnels = options.toBuilder();
            return this;
        }

        /**
         * Edits the tunnel identity and trust, e.g.
         * {@code identity(i -> i.identityFile(path).knownPeers(KnownPeers.file(pins)).mode(TrustMode.STRICT))}.
         */
        public Builder identity(Consumer<IdentityOptions.Builder> edit) {
            edit.accept(identity);
            return this;
        }

        /** Replaces the tunnel identity and trust group. */
        public Builder identity(IdentityOptions options) {
            this.identity = options.toBuilder();
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming the first invalid field
         */
        public ClientOptions build() {
            if (localName == null) {
                require(host != null && !host.isBlank(), "host", "must not be empty");
                require(port > 0 && port <= 65535, "port", "must be 1..65535, got " + port);
            }
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(handshakeTimeout, "handshakeTimeout");
            requirePositive(requestTimeout, "requestTimeout");
            requirePositive(tunnelTimeout, "tunnelTimeout");
            require(maxFrameSize >= MIN_MAX_FRAME_SIZE, "maxFrameSize",
                    "must be at least " + MIN_MAX_FRAME_SIZE + ", got " + maxFrameSize);
            require(receiveQueue >= 1, "receiveQueue", "must be at least 1, got " + receiveQueue);
            ReconnectOptions r = reconnect.build();
            HeartbeatOptions h = heartbeat.build();
            TlsOptions t = tls.build();
            TunnelOptions tu = tunnels.build();
            IdentityOptions id = identity.build();
            require(!t.enabled() || localName == null, "tls.context", "is for TCP; the in-process transport needs none");
            if (webSocket != null) {
                boolean secure = webSocket.getScheme().equals("wss");
                require(secure || !t.enabled(), "tls.context", "is set but the server is " + webSocket
                        + ": use wss:// for WebSocket over TLS");
                if (secure && !t.enabled()) {
                    try {
                        t = t.toBuilder().context(SSLContext.getDefault()).build();
                    } catch (NoSuchAlgorithmException e) {
                        throw new InvalidConfigException("tls.context", "no default TLS context for " + webSocket
                                + ": " + e.getMessage(), e);
                    }
                }
            }
            require(!fixedVip || requestedVip != null, "fixedVip", "needs a requested vIP");
            require(loginUser == null || Login.validUser(loginUser), "login",
                    "the user name must be 1..64 bytes without spaces, ',' or ':'");
            require(loginUser == null || (loginPassword != null && loginPassword.length > 0), "login",
                    "needs a non-empty password");
            require(loginUser == null || extensions, "login", "needs extensions(true): the login is an extension");
            require(machineHash == null || machineHash.matches("[0-9a-fA-F]{1,128}"), "machineHash",
                    "must be hex (the reference sends 64 hex characters)");
            for (String f : fallbackServers) {
                require(f != null && io.dosp.protocol.ServerExitReason.redirects(
                        io.dosp.protocol.ServerExitReason.DRAINING.withRedirect(List.of(f))).equals(List.of(f)),
                        "fallbackServers", "'" + f + "' is not host:port (port 1..65535, IPv6 in brackets)");
            }
            return new ClientOptions(this, t, r, h, tu, id);
        }
    }
}
