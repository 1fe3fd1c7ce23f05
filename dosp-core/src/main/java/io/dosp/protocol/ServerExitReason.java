package io.dosp.protocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Why a server ended a connection: the reason texts a server sends in EXIT (spec 3, step 6), as
 * a type that says whether a client should come back. Servers of this project send exactly
 * {@link #text()}; the reference sends {@link #SERVER_FULL}, {@link #KICKED},
 * {@link #HASH_BLOCKED} and an empty body on shutdown ({@link #SHUTDOWN_REFERENCE}).
 *
 * <p>A client classifies the text it received with {@link #of(String)}: a text no server of this
 * project sends is {@link #OTHER}, after which reconnecting is allowed (the server did not say
 * the client is unwelcome).
 *
 * <p><b>Reconnect hint</b> (our extension, in a form a reference client simply prints): a server
 * that drains or shuts down may add where to reconnect to its EXIT text, as UTF-8
 * {@code <reason text>; reconnect to <host>:<port>[,<host>:<port>...]}, for example
 * {@code Server draining; reconnect to 10.0.0.2:7744,10.0.0.3:7744} (an IPv6 host in brackets:
 * {@code [2001:db8::2]:7744}). {@link #withRedirect} writes it, {@link #of} ignores it and
 * {@link #redirects} reads the addresses back.
 */
public enum ServerExitReason {
    /** The server stops (ours). */
    SHUTTING_DOWN("Server shutting down", true),
    /**
     * The server is draining (lame duck): it takes no new clients and closes the connected ones
     * gradually; come back elsewhere, at the addresses of a {@value #REDIRECT_SEPARATOR} hint when there is one.
     */
    DRAINING("Server draining", true),
    /** The reference's shutdown: an empty EXIT body. */
    SHUTDOWN_REFERENCE("", true),
    /** No vIP or connection slot is free. */
    SERVER_FULL("Server full", true),
    /** The server's accept rate limit refused the connection. */
    ACCEPT_RATE("Too many new connections, retry later", true),
    /** An admin kicked the client. */
    KICKED("Disconnected by admin", false),
    /** The client's remote address is banned. */
    ADDRESS_BANNED("Your address is banned", false),
    /** The client's machine hash is banned. */
    HASH_BLOCKED("Your client hash is blocked", false),
    /** Whitelist mode: the client sent no machine hash. */
    HASH_REQUIRED("Client hash required (whitelist mode)", false),
    /** Whitelist mode: the client's machine hash is not on the list. */
    NOT_WHITELISTED("Your client hash is not whitelisted", false),
    /** Too many failed AUTH attempts on one connection. */
    AUTH_FAILURES("Too many failed authentication attempts", false),
    /** The client sent nothing for the idle timeout. */
    IDLE_TIMEOUT("Idle timeout", true),
    /** The client did not read for the slow-consumer timeout. */
    SLOW_CONSUMER("Too slow: not reading", true),
    /** The client's pending outbound bytes passed the hard limit. */
    OUTBOUND_LIMIT("Too slow: outbound buffer limit exceeded", true),
    /** A frame header announced more than the server's maximum frame size. */
    PACKET_TOO_LARGE(FrameTooLargeException.EXIT_REASON, true),
    /** A server linked to itself as a federation peer. */
    PEER_SELF("Peer link to itself refused", false),
    /** A federation peer failed the mesh-key proof. */
    PEER_AUTH_FAILED("Peer authentication failed", false),
    /** A federation peer's HELLO spoke a peer link protocol version this server does not (an older build). */
    PEER_LINK_VERSION("Peer link protocol version not supported (this server needs link protocol v2)", false),
    /** A federation peer linked while the server already had its most links from peers ({@code federation.maxIncomingLinks}). */
    PEER_LINKS_FULL("Too many peer links", true),
    /** A federation peer's link was replaced by a newer link from the same server. */
    PEER_REPLACED("Peer link replaced by a newer link from the same server", true),
    /** The client's address (an IPv6 /64) already had the most connections the server allows one address. */
    ADDRESS_LIMIT("Too many connections from your address", true),
    /** The client sent no complete packet within the server's first-packet timeout after connecting. */
    FIRST_PACKET_TIMEOUT("Timed out waiting for the first packet", true),
    /** A frame the client began was not complete within the server's frame timeout. */
    FRAME_TIMEOUT("Timed out waiting for the rest of a frame", true),
    /** The server's memory for unfinished frames was spent when the client's frame needed more. */
    FRAME_MEMORY("Server busy: no memory for the frame being received", true),
    /** Client admission is on and the client sent something other than PING, EXIT or a login frame before logging in. */
    LOGIN_REQUIRED("Login required", false),
    /** Client admission is on and the client did not log in within the login timeout. */
    LOGIN_TIMEOUT("Timed out waiting for login", true),
    /** The client's login failed (unknown user, wrong password, throttled, malformed exchange). */
    LOGIN_FAILED("Login failed", false),
    /** An admin revoked the user's access. */
    ACCESS_REVOKED("Access revoked", false),
    /** The same user logged in on another connection, which took over the user's fixed vIP. */
    LOGGED_IN_ELSEWHERE("Logged in from another connection", false),
    /** Any other text. */
    OTHER(null, true);

    private static final Map<String, ServerExitReason> BY_TEXT = new HashMap<>();

    static {
        for (ServerExitReason r : values()) {
            if (r.text != null) {
                BY_TEXT.put(r.text, r);
            }
        }
    }

    private final String text;
    private final boolean reconnect;

    ServerExitReason(String text, boolean reconnect) {
        this.text = text;
        this.reconnect = reconnect;
    }

    /** The EXIT body text a server sends for this reason; {@code null} for {@link #OTHER}. */
    public String text() {
        return text;
    }

    /**
     * Whether a client that reconnects automatically should try again after this reason: false
     * when the server said the client is unwelcome (kicked, banned, not whitelisted, failed
     * authentication), true when the cause may pass (full, shutting down, idle, too slow).
     */
    public boolean reconnect() {
        return reconnect;
    }

    /** The reason a server's EXIT text stands for (a reconnect hint is ignored); {@link #OTHER} for unknown text, or null. */
    public static ServerExitReason of(String text) {
        if (text == null) {
            return OTHER;
        }
        int hint = text.indexOf(REDIRECT_SEPARATOR);
        return BY_TEXT.getOrDefault(hint < 0 ? text : text.substring(0, hint), OTHER);
    }

    /** What separates the reason text from the reconnect hint's addresses. */
    public static final String REDIRECT_SEPARATOR = "; reconnect to ";
    /** At most this many addresses are written into, or read from, one hint. */
    public static final int MAX_REDIRECTS = 8;

    /**
     * This reason's EXIT text with a reconnect hint listing {@code servers} ({@code host:port} each, at
     * most {@value #MAX_REDIRECTS}); the plain text when the list is empty.
     *
     * @throws IllegalStateException for {@link #OTHER}, which has no text
     */
    public String withRedirect(List<String> servers) {
        if (text == null) {
            throw new IllegalStateException("OTHER has no text");
        }
        if (servers.isEmpty()) {
            return text;
        }
        List<String> shown = servers.size() > MAX_REDIRECTS ? servers.subList(0, MAX_REDIRECTS) : servers;
        return text + REDIRECT_SEPARATOR + String.join(",", shown);
    }

    /**
     * The {@code host:port} addresses of the reconnect hint in an EXIT text (see the class comment), in
     * order; empty when there is none. Entries that are not {@code host:port} with a port 1..65535 are
     * skipped; at most {@value #MAX_REDIRECTS} are returned.
     */
    public static List<String> redirects(String text) {
        if (text == null) {
            return List.of();
        }
        int hint = text.indexOf(REDIRECT_SEPARATOR);
        if (hint < 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String part : text.substring(hint + REDIRECT_SEPARATOR.length()).split(",")) {
            String a = part.strip();
            int colon = a.lastIndexOf(':');
            if (colon <= 0 || a.indexOf(' ') >= 0) {
                continue;
            }
            String host = a.substring(0, colon);
            if (host.startsWith("[") != host.endsWith("]") || host.length() > 255) {
                continue;
            }
            try {
                int port = Integer.parseInt(a.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    continue;
                }
            } catch (NumberFormatException e) {
                continue;
            }
            out.add(a);
            if (out.size() == MAX_REDIRECTS) {
                break;
            }
        }
        return List.copyOf(out);
    }
}
