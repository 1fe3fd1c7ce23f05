package io.dosp.cli.config;

import static io.dosp.cli.config.ConfigTarget.access;
import static io.dosp.cli.config.ConfigTarget.admission;
import static io.dosp.cli.config.ConfigTarget.federation;
import static io.dosp.cli.config.ConfigTarget.functions;
import static io.dosp.cli.config.ConfigTarget.limits;
import static io.dosp.cli.config.ConfigTarget.monitor;
import static io.dosp.cli.config.ConfigTarget.network;
import static io.dosp.cli.config.ConfigTarget.server;
import static io.dosp.cli.config.ConfigTarget.webSocket;
import static io.dosp.cli.config.Setting.Section.ACCESS;
import static io.dosp.cli.config.Setting.Section.ADMISSION;
import static io.dosp.cli.config.Setting.Section.FEDERATION;
import static io.dosp.cli.config.Setting.Section.LIMITS;
import static io.dosp.cli.config.Setting.Section.MONITORING;
import static io.dosp.cli.config.Setting.Section.CLUSTER;

import io.dosp.monitor.MonitorConfig;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.internal.LogText;
import io.dosp.protocol.Vip;
import io.dosp.server.AccessPolicy;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.FederationConfig;
import io.dosp.server.Functions;
import io.dosp.server.Limits;
import io.dosp.server.NetworkConfig;
import io.dosp.server.ServerConfig;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.WebSocketConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of {@code dosp serve}: the Python server's {@code dosp.yaml} keys (same names, same
 * meaning) and this implementation's own. Defaults are the {@code DEFAULT_*} of {@code ServerConfig} and
 * its groups; each setting names the builder call it makes ({@link ConfigTarget}).
 */
public final class Settings {
    private static final List<Setting<?>> ALL = new ArrayList<>();
    private static final int MAX_INT = Integer.MAX_VALUE;

    // ---- keys of the Python server's dosp.yaml ----

    /** Listen address. */
    public static final Setting<String> HOST = add(Setting.builder("host", ValueTypes.text(), ServerConfig.DEFAULT_HOST)
            .reference().flag("--host", "HOST").sets(server("host", ServerConfig.Builder::host))
            .help("Address to listen on: 0.0.0.0 for every interface, 127.0.0.1 for this machine only."));
    /** Listen port. */
    public static final Setting<Integer> PORT = add(Setting.builder("port", ValueTypes.integer(0, 65535), ServerConfig.DEFAULT_PORT)
            .reference().flag("--port", "PORT").sets(server("port", ServerConfig.Builder::port))
            .help("TCP port to listen on; 0 picks a free port (the chosen one is printed at start)."));
    /** vIP template. */
    public static final Setting<String> IP_TEMPLATE = add(Setting.builder("ip_template", ValueTypes.template(),
                    ServerConfig.DEFAULT_TEMPLATE)
            .reference().flag("--ip-template", "TEMPLATE").sets(server("template", ServerConfig.Builder::template))
            .help("vIP template clients are numbered from: 7.10.0.x (253 clients), 10.7.x.x (65,023) or a CIDR such as"
                    + " 10.7.0.0/16. The server itself is .1 of it."));
    /** Compression. */
    public static final Setting<Boolean> ALLOW_COMPRESSION = add(Setting.builder("allow_compression", ValueTypes.bool(),
                    ServerConfig.DEFAULT_COMPRESSION)
            .reference().flag("--compression", "").sets(server("compression", ServerConfig.Builder::compression))
            .help("Compress every frame after the handshake with zlib (both directions). Saves bandwidth on text, costs CPU."));
    /** zlib level. */
    public static final Setting<Integer> COMPRESSION_LEVEL = add(Setting.builder("compression_level", ValueTypes.integer(0, 9),
                    ServerConfig.DEFAULT_COMPRESSION_LEVEL)
            .reference().flag("--compression-level", "LEVEL")
            .sets(server("compressionLevel", ServerConfig.Builder::compressionLevel))
            .help("zlib level 0 (fastest) to 9 (smallest), when compression is on."));
    /** Connection limit. */
    public static final Setting<Integer> MAX_CLIENTS = add(Setting.builder("max_clients", ValueTypes.integer(1, MAX_INT),
                    Limits.DEFAULT_MAX_CLIENTS)
            .reference().flag("--max-clients", "N").section(LIMITS)
            .sets(limits("maxClients", Limits.Builder::maxClients))
            .help("Connections allowed at once; more get EXIT 'Server full'. The template may allow fewer."));
    /** Idle timeout. */
    public static final Setting<Duration> SOCKET_TIMEOUT = add(Setting.builder("socket_timeout", ValueTypes.duration(true),
                    Limits.DEFAULT_IDLE_TIMEOUT)
            .alias("idle_timeout").reference().flag("--idle-timeout", "DURATION").section(LIMITS)
            .sets(limits("idleTimeout", Limits.Builder::idleTimeout))
            .help("Close a client that sends no complete packet for this long (PING keeps it alive; bytes trickling"
                    + " into a frame do not); 0 or null turns it off."));
    /** Frame size limit. */
    public static final Setting<Integer> MAX_PACKET_SIZE = add(Setting.builder("max_packet_size", ValueTypes.size(1024, MAX_INT),
                    Limits.DEFAULT_MAX_FRAME_SIZE)
            .reference().flag("--max-packet-size", "BYTES").section(LIMITS)
            .sets(limits("maxFrameSize", Limits.Builder::maxFrameSize))
            .help("Largest frame body accepted, checked from the 5-byte header before the body is read;"
                    + " a larger frame gets EXIT 'Packet too large'."));
    /** Admin tokens. */
    public static final Setting<List<String>> ADMIN_TOKENS = add(Setting.builder("admin_tokens", ValueTypes.list(ValueTypes.token()),
                    List.<String>of())
            .reference().flag("--admin-token", "TOKEN").section(ACCESS)
            .sets(access("adminTokens", (a, v) -> a.adminTokens(new LinkedHashSet<>(v))))
            .help("Tokens AUTH accepts: sha256 hex of 'user:password', or any random text of 16+ characters."
                    + " Empty: a token is generated into admin_token_file. On the command line they show in 'ps':"
                    + " prefer the file or DOSP_ADMIN_TOKENS."));
    /** Generated token file. */
    public static final Setting<Path> ADMIN_TOKEN_FILE = add(Setting.builder("admin_token_file", ValueTypes.path(),
                    AccessPolicy.CLI_ADMIN_TOKEN_FILE)
            .reference().flag("--admin-token-file", "PATH").section(ACCESS)
            .sets(access("adminTokenFile", AccessPolicy.Builder::adminTokenFile))
            .help("Where the generated admin token is written (owner-only) and read back on restart, when admin_tokens"
                    + " is empty. 'dosp admin' reads it from here."));
    /** Banned client hashes. */
    public static final Setting<List<String>> BANNED_HASHES = add(Setting.builder("banned_hashes", ValueTypes.list(ValueTypes.hash()),
                    List.<String>of())
            .reference().flag("--banned-hash", "HASH").section(ACCESS)
            .sets(access("bannedHashes", (a, v) -> a.bannedHashes(new LinkedHashSet<>(v))))
            .help("Client machine hashes (from CLIENT_INFO) refused with EXIT 'Your client hash is blocked'."));
    /** Whitelisted client hashes. */
    public static final Setting<List<String>> WHITELIST_HASHES = add(Setting.builder("whitelist_hashes",
                    ValueTypes.list(ValueTypes.hash()), List.<String>of())
            .reference().flag("--whitelist-hash", "HASH").section(ACCESS)
            .sets(access("whitelistHashes", (a, v) -> a.whitelistHashes(new LinkedHashSet<>(v))))
            .help("Client machine hashes admitted when hash_whitelist_enabled is on."));
    /** Whitelist mode. */
    public static final Setting<Boolean> HASH_WHITELIST_ENABLED = add(Setting.builder("hash_whitelist_enabled", ValueTypes.bool(),
                    AccessPolicy.DEFAULT_WHITELIST_ENABLED)
            .reference().flag("--hash-whitelist", "").section(ACCESS)
            .sets(access("whitelistEnabled", AccessPolicy.Builder::whitelistEnabled))
            .help("Admit only clients whose machine hash is in whitelist_hashes."));
    /** Banned remote addresses. */
    public static final Setting<List<String>> BANNED_IP_LIST = add(Setting.builder("banned_ip_list",
                    ValueTypes.list(ValueTypes.ipAddress()), List.<String>of())
            .reference().flag("--banned-ip", "IP").section(ACCESS)
            .sets(access("bannedAddresses", (a, v) -> a.bannedAddresses(new LinkedHashSet<>(v))))
            .help("Remote IP addresses (of the TCP connection, not vIPs) refused at connect."));
    /** Federation peers. */
    public static final Setting<List<PeerSpec>> PEERS = add(Setting.builder("peers", ValueTypes.list(ValueTypes.peer()),
                    List.<PeerSpec>of())
            .reference().flag("--peers", "[tls://]HOST:PORT[:TEMPLATE]").section(FEDERATION)
            .sets(federation("peers", FederationConfig.Builder::peers))
            .help("Servers to link to (federation). A peer of this project needs no template (it advertises its own"
                    + " and must share mesh_key); a Python reference peer needs its template. tls:// links over TLS (the peer's port must serve TLS;"
                    + " trust: the JVM's trust store)."));
    /** Federation mesh key. */
    public static final Setting<String> MESH_KEY = add(Setting.builder("mesh_key", ValueTypes.optionalText(), "")
            .flag("--mesh-key", "KEY").section(FEDERATION)
            .sets(federation("meshKey", (f, v) -> f.meshKey(v.isBlank() ? null : v.trim())))
            .help("Shared secret (16+ characters) peers of this project prove at link setup; never sent. Empty: only"
                    + " address-trusted reference peers. Prefer DOSP_MESH_KEY or the file over the flag ('ps' shows flags)."));
    /** Every peer link over TLS. */
    public static final Setting<Boolean> LINK_TLS = add(Setting.builder("link_tls", ValueTypes.bool(),
                    FederationConfig.DEFAULT_LINK_TLS)
            .flag("--link-tls", "").section(FEDERATION)
            .sets(federation("linkTls", FederationConfig.Builder::linkTls))
            .help("Make every outgoing peer link over TLS (links back to peers that linked here included), not only"
                    + " tls:// peers. The peers' ports must serve TLS; reference peers cannot. Trust: the JVM's trust"
                    + " store (-Djavax.net.ssl.trustStore)."));
    /** Peer certificates must name the host dialed. */
    public static final Setting<Boolean> LINK_TLS_VERIFY_HOSTNAME = add(Setting.builder("link_tls_verify_hostname",
                    ValueTypes.bool(), FederationConfig.DEFAULT_LINK_TLS_VERIFY_HOSTNAME)
            .flag("--link-tls-verify-hostname", "").section(FEDERATION)
            .sets(federation("linkTlsVerifyHostname", FederationConfig.Builder::linkTlsVerifyHostname))
            .help("A TLS peer link accepts a trusted certificate only if it names the host the link dials."));
    /** Whether peers can dial this server. */
    public static final Setting<Boolean> REACHABLE = add(Setting.builder("reachable", ValueTypes.bool(),
                    FederationConfig.DEFAULT_REACHABLE)
            .flag("--reachable", "").section(FEDERATION)
            .sets(federation("reachable", FederationConfig.Builder::reachable))
            .help("Whether peers can dial this server. false (behind NAT or a firewall): it only dials its peers, whose"
                    + " links then carry traffic both ways; peers never try to link back."));
    /** Links from peers taken at once. */
    public static final Setting<Integer> MAX_INCOMING_LINKS = add(Setting.builder("max_incoming_links",
                    ValueTypes.integer(0, 100_000), FederationConfig.DEFAULT_MAX_INCOMING_LINKS)
            .flag("--max-incoming-links", "N").section(FEDERATION)
            .sets(federation("maxIncomingLinks", FederationConfig.Builder::maxIncomingLinks))
            .help("Links from peers (any server proving the mesh key) taken at once, and as many handshakes under way;"
                    + " more are refused with EXIT 'Too many peer links'."));

    // ---- the monitoring listener (dosp-monitor) ----

    /** Monitoring listener port. */
    public static final Setting<Integer> HTTP_PORT = add(Setting.builder("http_port", ValueTypes.integer(0, 65535), 0)
            .flag("--http-port", "PORT").section(MONITORING).sets(monitor("port"))
            .help("Port of the monitoring listener (HTTP: /healthz, /metrics for Prometheus, /api/*, the dashboard at /);"
                    + " 0 leaves it off."));
    /** Monitoring listener address. */
    public static final Setting<String> HTTP_HOST = add(Setting.builder("http_host", ValueTypes.text(),
                    MonitorConfig.DEFAULT_HOST)
            .flag("--http-host", "HOST").section(MONITORING).sets(monitor("host"))
            .help("Address of the monitoring listener. On loopback its views need no token; on any other address every"
                    + " view but /healthz needs the admin token (Authorization: Bearer). Kick and ban always need it."));

    // ---- cluster mode (dosp-cluster) ----

    /** The NATS servers of cluster mode. */
    public static final Setting<List<String>> CLUSTER_SERVERS = add(Setting.builder("cluster",
                    ValueTypes.list(ValueTypes.text()), List.<String>of())
            .flag("--cluster", "nats://HOST:PORT").section(CLUSTER).sets(ConfigTarget.cluster("servers"))
            .help("Run as one node of a cluster: the NATS servers (with JetStream, max_payload at least max_packet_size"
                    + " + 9) the nodes share. Every node with the same cluster_name, template and NATS is one server: one"
                    + " vIP space, S2C between any two clients. Empty: a single server."));
    /** The cluster's name. */
    public static final Setting<String> CLUSTER_NAME = add(Setting.builder("cluster_name", ValueTypes.text(), "dosp")
            .flag("--cluster-name", "NAME").section(CLUSTER).sets(ConfigTarget.cluster("name"))
            .help("Name of the cluster (letters, digits, '_', '-'; at most 32): its NATS subjects and KV buckets."));
    /** This node's name in the cluster. */
    public static final Setting<String> CLUSTER_NODE = add(Setting.builder("cluster_node", ValueTypes.text(), "node")
            .flag("--cluster-node", "NAME").section(CLUSTER).sets(ConfigTarget.cluster("node"))
            .help("This node's name, the first part of its id in the cluster (the id adds the start time)."));
    /** The client address this node advertises to the other nodes. */
    public static final Setting<String> CLUSTER_ADVERTISE = add(Setting.builder("cluster_advertise", ValueTypes.optionalText(), "")
            .flag("--cluster-advertise", "HOST:PORT").section(CLUSTER).sets(ConfigTarget.cluster("advertise"))
            .help("The address (host:port) at which clients reach this node: the other nodes name it in the reconnect"
                    + " hint when they drain. Empty: the listener's host:port when the host is not a wildcard."));

    // ---- this implementation only ----

    /** In-process transport. */
    public static final Setting<Boolean> ALLOW_LOCAL = add(Setting.builder("allow_local", ValueTypes.bool(),
                    ServerConfig.DEFAULT_LOCAL_TRANSPORT)
            .flag("--allow-local", "")
            .sets(server("localTransport", ServerConfig.Builder::localTransport))
            .help("Also accept in-process clients on Netty's local transport (for code embedding the server)."));
    /** In-process transport name. */
    public static final Setting<String> LOCAL_NAME = add(Setting.builder("local_name", ValueTypes.text(), ServerConfig.DEFAULT_LOCAL_NAME)
            .flag("--local-name", "NAME").sets(server("localName", ServerConfig.Builder::localName))
            .help("Address name of the local transport, when allow_local is on."));
    /** Log level. */
    public static final Setting<LogLevel> LOG_LEVEL = add(Setting.builder("log_level", ValueTypes.choice(LogLevel.class),
                    LogLevel.INFO)
            .flag("--log-level", "LEVEL").sets(ConfigTarget.cliOnly("logLevel"))
            .help("Level of the server's log lines: ERROR, WARN, INFO, DEBUG or TRACE (any case); --debug means DEBUG."
                    + " Changes on reload."));
    /** Where drained clients should go. */
    public static final Setting<List<String>> DRAIN_REDIRECT = add(Setting.builder("drain_redirect",
                    ValueTypes.list(ValueTypes.hostPort()), List.<String>of())
            .flag("--drain-redirect", "HOST:PORT")
            .sets(server("drainRedirect", ServerConfig.Builder::drainRedirect))
            .help("Servers clients should reconnect to when this one drains (SIGUSR2, admin 'drain') or stops: sent in"
                    + " the EXIT text as '; reconnect to HOST:PORT,...'. Clients of this project go there; Python clients"
                    + " see the text. Changes on reload."));
    /** How long a drain takes. */
    public static final Setting<Duration> DRAIN_TIMEOUT = add(Setting.builder("drain_timeout", ValueTypes.duration(false),
                    ServerConfig.DEFAULT_DRAIN_TIMEOUT)
            .flag("--drain-timeout", "DURATION")
            .sets(server("drainTimeout", ServerConfig.Builder::drainTimeout))
            .help("How long a drain (SIGUSR2, or admin 'drain' without a duration) spreads the clients' EXIT over."));
    /** WebSocket listener port. */
    public static final Setting<Integer> WS_PORT = add(Setting.builder("ws_port", ValueTypes.optionalPort(), -1)
            .flag("--ws-port", "PORT")
            .sets(webSocket("port", (w, v) -> w.enabled(v >= 0).port(v >= 0 ? v : WebSocketConfig.DEFAULT_PORT)))
            .help("Also accept DoSP over WebSocket on this port (the reference uses " + WebSocketConfig.DEFAULT_PORT + "; wss"
                    + " when TLS is on); 0 picks a free port; off by default. The same port serves the web chat page"
                    + " (GET /, /dosp.js)."));
    /** WebSocket listener host. */
    public static final Setting<String> WS_HOST = add(Setting.builder("ws_host", ValueTypes.optionalText(), "")
            .flag("--ws-host", "HOST")
            .sets(webSocket("host", (w, v) -> w.host(v.isBlank() ? null : v)))
            .help("Address the WebSocket listener binds; empty: the same as host."));
    /** Browser origins allowed to upgrade. */
    public static final Setting<List<String>> WS_ALLOWED_ORIGINS = add(Setting.builder("ws_allowed_origins",
                    ValueTypes.list(ValueTypes.origin()), List.<String>of())
            .flag("--ws-allowed-origin", "ORIGIN").section(ACCESS)
            .sets(webSocket("allowedOrigins", WebSocketConfig.Builder::allowedOrigins))
            .help("Web pages (https://host[:port]) whose scripts may connect over WebSocket; '*' allows any. Empty:"
                    + " only pages served by this port itself, so a page on another site cannot make its visitors'"
                    + " browsers join this server. Clients that send no Origin (not browsers) are always allowed;"
                    + " others get HTTP 403."));
    /** WebSocket upgrade deadline. */
    public static final Setting<Duration> WS_UPGRADE_TIMEOUT = add(Setting.builder("ws_upgrade_timeout",
                    ValueTypes.duration(false), WebSocketConfig.DEFAULT_UPGRADE_TIMEOUT)
            .flag("--ws-upgrade-timeout", "DURATION").section(LIMITS)
            .sets(webSocket("upgradeTimeout", WebSocketConfig.Builder::upgradeTimeout))
            .help("A connection to the WebSocket port that has not completed its upgrade this long after connecting"
                    + " (plain HTTP requests included) is closed."));
    /** WebSocket message size. */
    public static final Setting<Integer> WS_MAX_MESSAGE_SIZE = add(Setting.builder("ws_max_message_size",
                    ValueTypes.size(0, MAX_INT), WebSocketConfig.DEFAULT_MAX_MESSAGE_SIZE)
            .flag("--ws-max-message-size", "BYTES").section(LIMITS)
            .sets(webSocket("maxMessageSize", WebSocketConfig.Builder::maxMessageSize))
            .help("Largest WebSocket message a client may send (fragments together); larger ones close the connection"
                    + " with status 1009. 0: one max_packet_size frame with its 5-byte header."));
    /** Connections waiting for their upgrade. */
    public static final Setting<Integer> WS_MAX_PENDING_UPGRADES = add(Setting.builder("ws_max_pending_upgrades",
                    ValueTypes.integer(1, MAX_INT), WebSocketConfig.DEFAULT_MAX_PENDING_UPGRADES)
            .flag("--ws-max-pending-upgrades", "N").section(LIMITS)
            .sets(webSocket("maxPendingUpgrades", WebSocketConfig.Builder::maxPendingUpgrades))
            .help("Connections that may be waiting for their WebSocket upgrade at once (one address at most"
                    + " max_connections_per_address of them); more are closed at once."));
    /** I/O threads. */
    public static final Setting<Integer> WORKER_THREADS = add(Setting.builder("worker_threads", ValueTypes.integer(0, 1024),
                    ServerConfig.DEFAULT_WORKER_THREADS)
            .flag("--worker-threads", "N").sets(server("workerThreads", ServerConfig.Builder::workerThreads))
            .help("Network I/O threads (event loops); 0 means one per two CPU cores."));
    /** Outbound cap. */
    public static final Setting<Integer> MAX_OUTBOUND_BYTES = add(Setting.builder("max_outbound_bytes",
                    ValueTypes.size(1, MAX_INT), Limits.DEFAULT_MAX_OUTBOUND_BYTES)
            .flag("--max-outbound-bytes", "BYTES").section(LIMITS)
            .sets(limits("maxOutboundBytes", Limits.Builder::maxOutboundBytes))
            .help("Bytes queued to one client past which S2C to it are refused with ERR S2CF (backpressure) or it is"
                    + " dropped at once (drop policy)."));
    /** High water mark. */
    public static final Setting<Integer> OUTBOUND_HIGH_WATER_MARK = add(Setting.builder("outbound_high_water_mark",
                    ValueTypes.size(1, MAX_INT), Limits.DEFAULT_OUTBOUND_HIGH_WATER_MARK)
            .flag("--outbound-high-water-mark", "BYTES").section(LIMITS)
            .sets(limits("outboundWaterMarks", Limits.Builder::outboundHighWaterMark))
            .help("Bytes queued to one client past which the connections sending to it are paused (backpressure)."));
    /** Low water mark. */
    public static final Setting<Integer> OUTBOUND_LOW_WATER_MARK = add(Setting.builder("outbound_low_water_mark",
                    ValueTypes.size(1, MAX_INT), Limits.DEFAULT_OUTBOUND_LOW_WATER_MARK)
            .flag("--outbound-low-water-mark", "BYTES").section(LIMITS)
            .sets(limits("outboundWaterMarks", Limits.Builder::outboundLowWaterMark))
            .help("Bytes queued to one client under which its paused senders resume."));
    /** Slow consumer grace. */
    public static final Setting<Duration> SLOW_CONSUMER_TIMEOUT = add(Setting.builder("slow_consumer_timeout",
                    ValueTypes.duration(false), Limits.DEFAULT_SLOW_CONSUMER_TIMEOUT)
            .flag("--slow-consumer-timeout", "DURATION").section(LIMITS)
            .sets(limits("slowConsumerTimeout", Limits.Builder::slowConsumerTimeout))
            .help("How long a client with data pending may make no progress (not a byte written to it) before it is"
                    + " dropped; its queued S2C are answered with ERR S2CF. A slow client that keeps reading is never dropped."));
    /** Slow-consumer policy. */
    public static final Setting<SlowConsumerPolicy> SLOW_CONSUMER_POLICY = add(Setting.builder("slow_consumer_policy",
                    ValueTypes.choice(SlowConsumerPolicy.class), Limits.DEFAULT_SLOW_CONSUMER_POLICY)
            .flag("--slow-consumer-policy", "POLICY").section(LIMITS)
            .sets(limits("slowConsumerPolicy", Limits.Builder::slowConsumerPolicy))
            .help("BACKPRESSURE: pause the senders of a client that is behind, nothing is lost (a paused sender waits"
                    + " with all its traffic). DROP (NATS-style): never pause, drop the client at max_outbound_bytes;"
                    + " its queued S2C are answered with ERR S2CF."));
    /** Memory budget. */
    public static final Setting<Long> MEMORY_BUDGET = add(Setting.builder("memory_budget",
                    ValueTypes.longSize(0, Long.MAX_VALUE), Limits.DEFAULT_MEMORY_BUDGET)
            .flag("--memory-budget", "BYTES").section(LIMITS)
            .sets(limits("memoryBudget", Limits.Builder::memoryBudget))
            .help("Bytes the server may hold for all clients together (outbound queues and buffers); over it the"
                    + " senders to clients that are behind are paused until use is back under 90%. 0: half the smaller"
                    + " of the JVM's direct-memory limit and maximum heap."));
    /** Packet rate limit. */
    public static final Setting<Long> PACKET_RATE_LIMIT = add(Setting.builder("packet_rate_limit",
                    ValueTypes.longInteger(0, Long.MAX_VALUE), Limits.DEFAULT_PACKET_RATE_LIMIT)
            .flag("--packet-rate-limit", "N").section(LIMITS)
            .sets(limits("packetRateLimit", Limits.Builder::packetRateLimit))
            .help("Packets per second one client may send (burst of one second); 0 = unlimited. Excess is slowed"
                    + " by not reading from the client, never dropped."));
    /** Byte rate limit. */
    public static final Setting<Integer> BYTE_RATE_LIMIT = add(Setting.builder("byte_rate_limit", ValueTypes.size(0, MAX_INT), 0)
            .flag("--byte-rate-limit", "BYTES").section(LIMITS)
            .sets(limits("byteRateLimit", (l, v) -> l.byteRateLimit(v)))
            .help("Bytes per second one client may send; 0 = unlimited, otherwise at least one max_packet_size."));
    /** FN threads. */
    public static final Setting<Integer> FUNCTION_THREADS = add(Setting.builder("function_threads", ValueTypes.integer(1, 1024),
                    Functions.DEFAULT_THREADS)
            .flag("--function-threads", "N").section(LIMITS).sets(functions("threads", Functions.Builder::threads))
            .help("Threads running server functions (FN), off the network threads."));
    /** FN queue. */
    public static final Setting<Integer> FUNCTION_QUEUE = add(Setting.builder("function_queue", ValueTypes.integer(0, MAX_INT),
                    Functions.DEFAULT_QUEUE)
            .flag("--function-queue", "N").section(LIMITS).sets(functions("queue", Functions.Builder::queue))
            .help("FN calls that may wait for a thread; more get ERR FF 'Server busy'."));
    /** AUTH failures. */
    public static final Setting<Integer> MAX_AUTH_FAILURES = add(Setting.builder("max_auth_failures", ValueTypes.integer(1, MAX_INT),
                    Limits.DEFAULT_MAX_AUTH_FAILURES)
            .flag("--max-auth-failures", "N").section(ACCESS)
            .sets(limits("maxAuthFailures", Limits.Builder::maxAuthFailures))
            .help("Failed AUTH attempts after which the connection is closed."));
    /** RQIP-blocked vIPs. */
    public static final Setting<List<Vip>> BLOCKED_VIPS = add(Setting.builder("blocked_vips", ValueTypes.list(ValueTypes.vip()),
                    defaultBlockedVips())
            .flag("--blocked-vip", "VIP").section(ACCESS)
            .sets(access("blockedVips", (a, v) -> a.blockedVips(new LinkedHashSet<>(v))))
            .help("vIPs never handed out nor granted by RQIP (admin 'block' adds more at run time)."));

    // ---- this implementation only: at the door ----

    /** Connections per remote address. */
    public static final Setting<Integer> MAX_CONNECTIONS_PER_ADDRESS = add(Setting.builder("max_connections_per_address",
                    ValueTypes.integer(0, MAX_INT), Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS)
            .flag("--max-connections-per-address", "N").section(LIMITS)
            .sets(limits("maxConnectionsPerAddress", Limits.Builder::maxConnectionsPerAddress))
            .help("Connections one remote IP address (IPv6: one /64) may hold at once; more get EXIT 'Too many"
                    + " connections from your address'. The default keeps one address from filling the 253 vIPs of"
                    + " 7.10.0.x. Behind a NAT or a load balancer (many clients, one address) raise it; 0 = no limit."));
    /** Deadline for the first packet. */
    public static final Setting<Duration> FIRST_PACKET_TIMEOUT = add(Setting.builder("first_packet_timeout",
                    ValueTypes.duration(true), Limits.DEFAULT_FIRST_PACKET_TIMEOUT)
            .flag("--first-packet-timeout", "DURATION").section(LIMITS)
            .sets(limits("firstPacketTimeout", Limits.Builder::firstPacketTimeout))
            .help("A new connection that sends no complete packet for this long gets EXIT 'Timed out waiting for the"
                    + " first packet' (clients send CLIENT_INFO at once); 0 turns it off."));
    /** Deadline for a whole frame. */
    public static final Setting<Duration> FRAME_TIMEOUT = add(Setting.builder("frame_timeout", ValueTypes.duration(true),
                    Limits.DEFAULT_FRAME_TIMEOUT)
            .flag("--frame-timeout", "DURATION").section(LIMITS)
            .sets(limits("frameTimeout", Limits.Builder::frameTimeout))
            .help("A frame must arrive whole within this long of its first byte, or the connection gets EXIT 'Timed"
                    + " out waiting for the rest of a frame' (bytes trickling into a frame are not activity); 0 turns"
                    + " it off."));
    /** AUTH failures per address. */
    public static final Setting<Integer> MAX_AUTH_FAILURES_PER_ADDRESS = add(Setting.builder("max_auth_failures_per_address",
                    ValueTypes.integer(0, MAX_INT), Limits.DEFAULT_MAX_AUTH_FAILURES_PER_ADDRESS)
            .flag("--max-auth-failures-per-address", "N").section(ACCESS)
            .sets(limits("maxAuthFailuresPerAddress", Limits.Builder::maxAuthFailuresPerAddress))
            .help("Failed AUTH attempts one address (IPv6: one /64) may make across all its connections; then its AUTH"
                    + " is refused without checking the token for auth_ban. 0 = no per-address limit."));
    /** AUTH backoff. */
    public static final Setting<Duration> AUTH_BACKOFF = add(Setting.builder("auth_backoff", ValueTypes.duration(true),
                    Limits.DEFAULT_AUTH_BACKOFF)
            .flag("--auth-backoff", "DURATION").section(ACCESS)
            .sets(limits("authBackoff", Limits.Builder::authBackoff))
            .help("Wait after an address's third failed AUTH (the first two cost nothing) before its next attempt is"
                    + " checked, doubled per further failure; attempts in the wait are refused unchecked. 0: no wait."));
    /** AUTH ban. */
    public static final Setting<Duration> AUTH_BAN = add(Setting.builder("auth_ban", ValueTypes.duration(false),
                    Limits.DEFAULT_AUTH_BAN)
            .flag("--auth-ban", "DURATION").section(ACCESS)
            .sets(limits("authBan", Limits.Builder::authBan))
            .help("How long AUTH from an address that used up max_auth_failures_per_address is refused unchecked."));
    // ---- what one client can make the server do for it (logs, inflation, replies, FN) ----

    /** Log text length. */
    public static final Setting<Integer> LOG_TEXT_LENGTH = add(Setting.builder("log_text_length",
                    ValueTypes.integer(LogText.MIN_MAX_LENGTH, 1 << 20), Limits.DEFAULT_LOG_TEXT_LENGTH)
            .flag("--log-text-length", "CHARS").section(LIMITS)
            .sets(limits("logTextLength", Limits.Builder::logTextLength))
            .help("Characters of a string a client or peer controls (EXIT reason, FN name, host name) that a log line"
                    + " shows; it is escaped (line breaks, terminal escapes, invisible characters) and the rest counted."));
    /** Log lines per second per kind. */
    public static final Setting<Integer> LOG_LINES_PER_SECOND = add(Setting.builder("log_lines_per_second",
                    ValueTypes.integer(1, MAX_INT), Limits.DEFAULT_LOG_LINES_PER_SECOND)
            .flag("--log-lines-per-second", "N").section(LIMITS)
            .sets(limits("logLinesPerSecond", Limits.Builder::logLinesPerSecond))
            .help("Lines per second of each kind of log line clients can cause (connections, disconnections, failed"
                    + " AUTH, bad frames, ...); the rest are counted and the next line says how many."));
    /** Inflate rate limit. */
    public static final Setting<Long> INFLATE_RATE_LIMIT = add(Setting.builder("inflate_rate_limit",
                    ValueTypes.longSize(0, Long.MAX_VALUE), Limits.DEFAULT_INFLATE_RATE_LIMIT)
            .flag("--inflate-rate-limit", "BYTES").section(LIMITS)
            .sets(limits("inflateRateLimit", Limits.Builder::inflateRateLimit))
            .help("Bytes per second one client's compressed frames may inflate to, zlib bombs included; over it the"
                    + " client is not read from until it is back under. 0 = unlimited, otherwise at least 1KiB."));
    /** Inflate work per read. */
    public static final Setting<Integer> INFLATE_PER_READ = add(Setting.builder("inflate_per_read",
                    ValueTypes.size(1024, MAX_INT), Limits.DEFAULT_INFLATE_PER_READ)
            .flag("--inflate-per-read", "BYTES").section(LIMITS)
            .sets(limits("inflatePerRead", Limits.Builder::inflatePerRead))
            .help("Bytes one client may inflate per read before the rest of what it sent waits for the next turn of"
                    + " its network thread, so it cannot hold up the other clients of that thread."));
    /** Reply rate limit. */
    public static final Setting<Long> REPLY_RATE_LIMIT = add(Setting.builder("reply_rate_limit",
                    ValueTypes.longSize(0, Long.MAX_VALUE), Limits.DEFAULT_REPLY_RATE_LIMIT)
            .flag("--reply-rate-limit", "BYTES").section(LIMITS)
            .sets(limits("replyRateLimit", Limits.Builder::replyRateLimit))
            .help("Bytes per second of replies larger than their request (GCL client lists, GSI) one client may get;"
                    + " more are refused with ERR. 0 = unlimited."));
    /** Quarantine of a freed vIP. */
    public static final Setting<Duration> VIP_QUARANTINE = add(Setting.builder("vip_quarantine", ValueTypes.duration(true),
                    Limits.DEFAULT_VIP_QUARANTINE)
            .flag("--vip-quarantine", "DURATION").section(LIMITS)
            .sets(limits("vipQuarantine", Limits.Builder::vipQuarantine))
            .help("A vIP a client gave up goes to no other connection for this long (RQIP for it is refused), so"
                    + " its peers' traffic and tunnels do not reach a newcomer; freed vIPs are reused least recently"
                    + " used first. 0 turns it off (lowest free first, reused at once, as the reference does)."));
    /** FN calls in flight per client. */
    public static final Setting<Integer> FUNCTION_CALLS_PER_CLIENT = add(Setting.builder("function_calls_per_client",
                    ValueTypes.integer(1, MAX_INT), Functions.DEFAULT_MAX_CALLS_PER_CLIENT)
            .flag("--function-calls-per-client", "N").section(LIMITS)
            .sets(functions("maxCallsPerClient", Functions.Builder::maxCallsPerClient))
            .help("FN calls one client may have waiting or running; more get ERR FF. Clients take turns for the"
                    + " function threads."));
    /** FN call timeout. */
    public static final Setting<Duration> FUNCTION_TIMEOUT = add(Setting.builder("function_timeout",
                    ValueTypes.duration(false), Functions.DEFAULT_CALL_TIMEOUT)
            .flag("--function-timeout", "DURATION").section(LIMITS)
            .sets(functions("callTimeout", Functions.Builder::callTimeout))
            .help("How long an FN call may run; then it is answered ERR FF 'timed out' and its thread interrupted."));

    /** The functions client extension (typed calls with arguments, discovery). */
    public static final Setting<Boolean> TYPED_FUNCTIONS = add(Setting.builder("typed_functions", ValueTypes.bool(), true)
            .flag("--typed-functions", "").section(LIMITS)
            .sets(functions("typedCalls", Functions.Builder::typedCalls))
            .help("Offer server functions with arguments and $discover to clients of this project (the 'functions'"
                    + " extension, docs/messaging.md section 6). Bare FN is the same either way."));
    /** Largest arguments of a typed call. */
    public static final Setting<Integer> FUNCTION_MAX_ARGUMENT_BYTES = add(Setting.builder("function_max_argument_bytes",
                    ValueTypes.size(1, MAX_INT), Functions.DEFAULT_MAX_ARGUMENT_BYTES)
            .flag("--function-max-argument-bytes", "BYTES").section(LIMITS)
            .sets(functions("maxArgumentBytes", Functions.Builder::maxArgumentBytes))
            .help("Largest encoded arguments of one typed function call; a larger call is answered ERROR TOO_LARGE."));
    /** Largest result of a typed call. */
    public static final Setting<Integer> FUNCTION_MAX_RESULT_BYTES = add(Setting.builder("function_max_result_bytes",
                    ValueTypes.size(1, Functions.MAX_RESULT_LIMIT), Functions.DEFAULT_MAX_RESULT_BYTES)
            .flag("--function-max-result-bytes", "BYTES").section(LIMITS)
            .sets(functions("maxResultBytes", Functions.Builder::maxResultBytes))
            .help("Largest encoded result of one typed function call (and of the $discover schema); a larger one is"
                    + " answered ERROR TOO_LARGE."));
    /** docs/network.md bound groupsPerClient. */
    public static final Setting<Integer> NETWORK_GROUPS_PER_CLIENT = add(Setting.builder("network_groups_per_client",
                    ValueTypes.integer(1, MAX_INT), NetworkConfig.DEFAULT_GROUPS_PER_CLIENT)
            .flag("--network-groups-per-client", "N").section(LIMITS)
            .sets(network("groupsPerClient", NetworkConfig.Builder::groupsPerClient))
            .help("Groups one client may be in (docs/network.md); a JOIN beyond it is answered LIMIT."));
    /** docs/network.md bound maxGroupMembers. */
    public static final Setting<Integer> NETWORK_MAX_GROUP_MEMBERS = add(Setting.builder("network_max_group_members",
                    ValueTypes.integer(1, MAX_INT), NetworkConfig.DEFAULT_MAX_GROUP_MEMBERS)
            .flag("--network-max-group-members", "N").section(LIMITS)
            .sets(network("maxGroupMembers", NetworkConfig.Builder::maxGroupMembers))
            .help("Members of one group on the network, as this server knows them at JOIN; beyond it LIMIT."));
    /** docs/network.md bound namesPerClient. */
    public static final Setting<Integer> NETWORK_NAMES_PER_CLIENT = add(Setting.builder("network_names_per_client",
                    ValueTypes.integer(0, MAX_INT), NetworkConfig.DEFAULT_NAMES_PER_CLIENT)
            .flag("--network-names-per-client", "N").section(LIMITS)
            .sets(network("namesPerClient", NetworkConfig.Builder::namesPerClient))
            .help("Names one client may hold; a REGISTER beyond it is answered LIMIT."));
    /** docs/network.md bound watchesPerClient. */
    public static final Setting<Integer> NETWORK_WATCHES_PER_CLIENT = add(Setting.builder("network_watches_per_client",
                    ValueTypes.integer(0, MAX_INT), NetworkConfig.DEFAULT_WATCHES_PER_CLIENT)
            .flag("--network-watches-per-client", "N").section(LIMITS)
            .sets(network("watchesPerClient", NetworkConfig.Builder::watchesPerClient))
            .help("Presence watches one client may have; beyond it LIMIT."));
    /** docs/network.md bound maxGroupMessage. */
    public static final Setting<Integer> NETWORK_MAX_GROUP_MESSAGE = add(Setting.builder("network_max_group_message",
                    ValueTypes.integer(0, 1 << 20), NetworkConfig.DEFAULT_MAX_GROUP_MESSAGE)
            .flag("--network-max-group-message", "BYTES").section(LIMITS)
            .sets(network("maxGroupMessage", NetworkConfig.Builder::maxGroupMessage))
            .help("Bytes of data in one group message; a larger SEND is answered TOO_LARGE."));
    /** docs/network.md bound nameGrace. */
    public static final Setting<Duration> NETWORK_NAME_GRACE = add(Setting.builder("network_name_grace",
                    ValueTypes.duration(true), NetworkConfig.DEFAULT_NAME_GRACE)
            .flag("--network-name-grace", "DURATION").section(LIMITS)
            .sets(network("nameGrace", NetworkConfig.Builder::nameGrace))
            .help("How long a gone client's names are held for its reconnect (its token, or the same user with admission on). 0 releases them at once."));
    /** docs/network.md bound maxDirectoryEntries. */
    public static final Setting<Integer> NETWORK_MAX_DIRECTORY_ENTRIES = add(Setting.builder("network_max_directory_entries",
                    ValueTypes.integer(1000, MAX_INT), NetworkConfig.DEFAULT_MAX_DIRECTORY_ENTRIES)
            .flag("--network-max-directory-entries", "N").section(LIMITS)
            .sets(network("maxDirectoryEntries", NetworkConfig.Builder::maxDirectoryEntries))
            .help("Clients, memberships and names in this server's network directory, all servers together; changes beyond it are refused and counted."));
    /** docs/network.md bound dedupEntries. */
    public static final Setting<Integer> NETWORK_DEDUP_ENTRIES = add(Setting.builder("network_dedup_entries",
                    ValueTypes.integer(1024, MAX_INT), NetworkConfig.DEFAULT_DEDUP_ENTRIES)
            .flag("--network-dedup-entries", "N").section(LIMITS)
            .sets(network("dedupEntries", NetworkConfig.Builder::dedupEntries))
            .help("Group message and network broadcast ids remembered to drop the copies that arrive over a second path."));

    private Settings() {
    }

    /** Whether {@code setting} holds a secret (admin tokens, the mesh key): masked wherever it is shown. */
    public static boolean isSecret(Setting<?> setting) {
        return setting == ADMIN_TOKENS || setting == MESH_KEY;
    }

    /** Every setting, in help order within each section. */
    public static List<Setting<?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /** The setting with this key or alias. */
    public static Optional<Setting<?>> byKey(String key) {
        return ALL.stream().filter(s -> s.keys().contains(key)).findFirst();
    }

    /** The setting with this environment variable (of its key or an alias). */
    public static Optional<Setting<?>> byEnvVar(String name) {
        return ALL.stream().filter(s -> s.envVars().contains(name)).findFirst();
    }

    /** Every key and alias, for suggestions. */
    public static List<String> allKeys() {
        List<String> keys = new ArrayList<>();
        ALL.forEach(s -> keys.addAll(s.keys()));
        return keys;
    }

    private static List<Vip> defaultBlockedVips() {
        return AccessPolicy.DEFAULT_BLOCKED_VIPS.stream().sorted().toList();
    }

    // ---- client admission ----

    /** Client admission on or off. */
    public static final Setting<Boolean> ADMISSION_ENABLED = add(Setting.builder("admission", ValueTypes.bool(),
                    AdmissionConfig.DEFAULT_ENABLED)
            .flag("--admission", "").section(ADMISSION)
            .sets(admission("enabled", AdmissionConfig.Builder::enabled))
            .help("Clients must log in (SCRAM-SHA-256 challenge-response; no password crosses the wire) before anything"
                    + " but PING and EXIT; users come from admission_users_file / admission_users. Off: every connection"
                    + " gets a vIP, as with the reference. Reference clients cannot log in."));
    /** The users file. */
    public static final Setting<String> ADMISSION_USERS_FILE = add(Setting.builder("admission_users_file",
                    ValueTypes.optionalText(), "")
            .flag("--admission-users-file", "PATH").section(ADMISSION)
            .sets(admission("usersFile", (a, v) -> a.usersFile(v.isEmpty() ? null : Path.of(v))))
            .help("File of 'user NAME VERIFIER [vip=V] [admin] [groups=G,..]' and 'grant FROM -> TO' lines, read at"
                    + " start; 'dosp user add' makes user lines. Keep it owner-only."));
    /** Inline users. */
    public static final Setting<List<String>> ADMISSION_USERS = add(Setting.builder("admission_users",
                    ValueTypes.list(ValueTypes.text()), List.<String>of())
            .flag("--admission-user", "LINE").section(ADMISSION)
            .sets(admission("users", (a, v) -> v.forEach(line -> addUser(a, line))))
            .help("Users as users-file lines ('NAME VERIFIER [vip=V] [admin] [groups=G,..]'), besides the file."));
    /** Inline grants. */
    public static final Setting<List<String>> ADMISSION_GRANTS = add(Setting.builder("admission_grants",
                    ValueTypes.list(ValueTypes.text()), List.<String>of())
            .flag("--admission-grant", "FROM->TO").section(ADMISSION)
            .sets(admission("grants", (a, v) -> v.forEach(line -> addGrant(a, line))))
            .help("Who may send S2C to whom: 'group:ops,user:alice -> group:devices' (also anonymous, *, and remote as a"
                    + " target). No grant at all: every admitted client reaches every other; with grants, only what"
                    + " they allow (others get ERR S2CF 'not allowed by the admission policy')."));
    /** Anonymous clients. */
    public static final Setting<Boolean> ADMISSION_ALLOW_ANONYMOUS = add(Setting.builder("admission_allow_anonymous",
                    ValueTypes.bool(), AdmissionConfig.DEFAULT_ALLOW_ANONYMOUS)
            .flag("--admission-allow-anonymous", "").section(ADMISSION)
            .sets(admission("allowAnonymous", AdmissionConfig.Builder::allowAnonymous))
            .help("With admission on, admit clients that do not log in (reference clients too); grants may restrict"
                    + " them as 'anonymous'."));
    /** Login deadline. */
    public static final Setting<Duration> LOGIN_TIMEOUT = add(Setting.builder("login_timeout", ValueTypes.duration(false),
                    AdmissionConfig.DEFAULT_LOGIN_TIMEOUT)
            .flag("--login-timeout", "DURATION").section(ADMISSION)
            .sets(admission("loginTimeout", AdmissionConfig.Builder::loginTimeout))
            .help("With admission on, a connection that has not logged in this long after connecting gets EXIT"
                    + " 'Timed out waiting for login'."));
    /** Failed logins per address. */
    public static final Setting<Integer> MAX_LOGIN_FAILURES_PER_ADDRESS = add(Setting.builder("max_login_failures_per_address",
                    ValueTypes.integer(0, MAX_INT), AdmissionConfig.DEFAULT_MAX_LOGIN_FAILURES_PER_ADDRESS)
            .flag("--max-login-failures-per-address", "N").section(ADMISSION)
            .sets(admission("maxLoginFailuresPerAddress", AdmissionConfig.Builder::maxLoginFailuresPerAddress))
            .help("Failed logins one address (IPv6: one /64) may make; with auth_backoff between attempts after the"
                    + " second, then its logins are refused unchecked for auth_ban. 0 = no per-address limit."));
    /** Failed logins per user. */
    public static final Setting<Integer> MAX_LOGIN_FAILURES_PER_USER = add(Setting.builder("max_login_failures_per_user",
                    ValueTypes.integer(0, MAX_INT), AdmissionConfig.DEFAULT_MAX_LOGIN_FAILURES_PER_USER)
            .flag("--max-login-failures-per-user", "N").section(ADMISSION)
            .sets(admission("maxLoginFailuresPerUser", AdmissionConfig.Builder::maxLoginFailuresPerUser))
            .help("Failed logins for one user name from anywhere, likewise (guessing spread over many addresses)."
                    + " 0 = no per-user limit."));

    private static void addUser(AdmissionConfig.Builder a, String line) {
        try {
            a.user(line);
        } catch (IllegalArgumentException e) {
            throw new io.dosp.protocol.InvalidConfigException("admission.users", e.getMessage());
        }
    }

    private static void addGrant(AdmissionConfig.Builder a, String line) {
        try {
            a.grant(line);
        } catch (IllegalArgumentException e) {
            throw new io.dosp.protocol.InvalidConfigException("admission.grants", e.getMessage());
        }
    }

    private static <T> Setting<T> add(Setting.Builder<T> builder) {
        Setting<T> s = builder.build();
        ALL.add(s);
        return s;
    }
}
