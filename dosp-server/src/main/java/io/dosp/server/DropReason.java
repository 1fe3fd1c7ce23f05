package io.dosp.server;

/** Why the server refused a connection, closed one, or dropped a packet; counted in {@link ServerStats#drops()}. */
public enum DropReason {
    /** S2C to a vIP nobody holds (the sender got ERR S2CF). */
    NO_ROUTE,
    /** S2C not queued because the target was over its outbound limit (the sender got ERR S2CF). */
    TARGET_OVERLOADED,
    /** A client with data pending made no progress (no byte written to it) for the slow-consumer timeout and was dropped. */
    SLOW_CONSUMER_TIMEOUT,
    /** A client's pending outbound bytes passed the hard limit and it was dropped (policy {@link SlowConsumerPolicy#DROP}). */
    OUTBOUND_LIMIT,
    /**
     * An S2C queued to a client whose connection ended (dropped as a slow consumer, kicked, gone) before it
     * was written whole; its sender got ERR S2CF (peer traffic: a failure back over the link). One per S2C.
     */
    QUEUED_AT_CLOSE,
    /** An S2C refused because the memory budget was spent and its sender could not be paused (a peer link, a hook); ERR S2CF. */
    MEMORY_BUDGET,
    /** A frame that could not be allocated (OutOfMemoryError); an S2C's sender got ERR S2CF. */
    OUT_OF_MEMORY,
    /** A client sent no complete frame within the idle timeout. */
    IDLE_TIMEOUT,
    /** A frame header announced more than the maximum frame size (EXIT {@code Packet too large}). */
    FRAME_TOO_LARGE,
    /** A frame that could not be decoded (answered with ERR, connection kept). */
    MALFORMED_FRAME,
    /** A connection refused because the server or its template was full. */
    SERVER_FULL,
    /** A connection refused because more arrived per second than {@code maxAcceptRate}. */
    ACCEPT_RATE,
    /** A connection refused for a banned address or client hash, or outside the whitelist. */
    BANNED,
    /** A connection closed after too many failed AUTH attempts. */
    AUTH_FAILURES,
    /** An FN call refused because every function thread and queue slot was busy. */
    FUNCTION_REJECTED,
    /** A connection refused because its address already held {@code maxConnectionsPerAddress} connections. */
    ADDRESS_LIMIT,
    /** A connection closed because it sent no complete packet within {@code firstPacketTimeout} of connecting. */
    FIRST_PACKET_TIMEOUT,
    /** A connection closed because a frame it began was not complete within {@code frameTimeout}. */
    FRAME_TIMEOUT,
    /** A connection closed because its unfinished frame needed more of the memory for unfinished frames than was left. */
    FRAME_MEMORY,
    /**
     * An AUTH attempt refused without checking its token: its address was waiting out its backoff or
     * had used up {@code maxAuthFailuresPerAddress}. One per attempt.
     */
    AUTH_THROTTLED,
    /** An FN call refused because its client already had {@link Functions#maxCallsPerClient()} calls in flight (ERR FF). */
    FUNCTION_CLIENT_LIMIT,
    /** An FN call that ran longer than {@link Functions#callTimeout()}: answered ERR FF, its thread interrupted. */
    FUNCTION_TIMEOUT,
    /** A compressed body that inflates past the maximum frame size (a zlib bomb): answered with ERR, the connection kept. */
    INFLATE_TOO_LARGE,
    /** A GCL or GSI refused with ERR because its client was over {@link Limits#replyRateLimit()}. */
    REPLY_RATE_LIMIT,
    /**
     * An S2C from a peer link (or from a client at a reference peer's address) whose SRC is not in a
     * template routed through that peer, or is in this server's own template: refused, logged at a
     * bounded rate, answered with ERR S2CF on a plain link, a FWD with FWD_FAIL towards SRC's server (none when
     * the SRC is in our own template).
     */
    FORGED_SRC,
    /** A connection refused because the server is draining (lame duck); it got EXIT {@code Server draining} with the reconnect hint. */
    DRAINING,
    /** A connection to the WebSocket port that did not complete its upgrade within {@link WebSocketConfig#upgradeTimeout()}: closed. */
    WS_UPGRADE_TIMEOUT,
    /**
     * A connection to the WebSocket port closed at accept because {@link WebSocketConfig#maxPendingUpgrades()}
     * connections (or {@link Limits#maxConnectionsPerAddress()} from its address) were already waiting for their upgrade.
     */
    WS_PENDING_LIMIT,
    /** A WebSocket upgrade refused with HTTP 403 because its {@code Origin} is not allowed ({@link WebSocketConfig#allowedOrigins()}). */
    WS_ORIGIN_REFUSED,
    /** A WebSocket message larger than {@link WebSocketConfig#maxMessageSize(int)}: the connection closed with status 1009. */
    WS_MESSAGE_TOO_LARGE,
    /** A request on the WebSocket port that was not HTTP, or an upgrade that was not a valid WebSocket handshake: HTTP 400, closed. */
    WS_BAD_REQUEST,
    /**
     * An S2C the admission policy's grants do not allow from its sender to its destination (client admission on):
     * answered with ERR S2CF {@code not allowed by the admission policy}; the destination never sees it.
     */
    NOT_ALLOWED,
    /** A packet other than PING, EXIT or a login frame from a connection that has not logged in: EXIT {@code Login required}. */
    LOGIN_REQUIRED,
    /** A login whose proof was checked and refused (unknown user or wrong password), or of a revoked user. One per attempt. */
    LOGIN_FAILED,
    /**
     * A login refused without checking its proof: its address or its user was waiting out a backoff or a ban
     * ({@code admission.maxLoginFailures}). One per attempt.
     */
    LOGIN_THROTTLED
}
