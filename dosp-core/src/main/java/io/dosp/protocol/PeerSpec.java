package io.dosp.protocol;

import java.util.Objects;
import java.util.Optional;

/**
 * A federation peer to link to, as configured: its DoSP (client) port and, optionally, the vIP
 * template it owns. The template is required for a reference (Python) peer, whose advertisements
 * are always empty; a peer of this project announces its templates itself. Written
 * {@code [tls://]HOST:PORT[:TEMPLATE]}, IPv6 hosts in brackets: {@code [::1]:7744:7.11.0.x}; with {@code tls://}
 * the link is made over TLS (the peer's port must serve TLS; a reference peer cannot).
 *
 * <p>Immutable.
 *
 * @param host     host name or address (an IPv6 address without brackets)
 * @param port     the peer's DoSP port, 1..65535
 * @param template the template it owns, if configured; empty to learn it from its advertisements
 * @param tls      whether the link to it is made over TLS ({@code tls://})
 */
public record PeerSpec(String host, int port, Optional<VipTemplate> template, boolean tls) {
    /** The prefix of a peer linked over TLS. */
    public static final String TLS_PREFIX = "tls://";

    /** Validates. */
    public PeerSpec {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(template, "template");
        if (host.isBlank()) {
            throw new IllegalArgumentException("peer host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer port must be 1..65535, got " + port);
        }
    }

    /** A peer linked over plain TCP. */
    public PeerSpec(String host, int port, Optional<VipTemplate> template) {
        this(host, port, template, false);
    }

    /** This peer, linked over TLS ({@code on}) or plain TCP. */
    public PeerSpec withTls(boolean on) {
        return new PeerSpec(host, port, template, on);
    }

    /** A peer that advertises its own templates (a server of this project). */
    public static PeerSpec of(String host, int port) {
        return new PeerSpec(host, port, Optional.empty());
    }

    /** A peer owning {@code template} (required for a reference peer). */
    public static PeerSpec of(String host, int port, VipTemplate template) {
        return new PeerSpec(host, port, Optional.of(template));
    }

    /**
     * Parses {@code HOST:PORT} or {@code HOST:PORT:TEMPLATE}, IPv6 hosts in brackets
     * ({@code 10.0.0.5:7744:66.11.5.x}, {@code [fe80::1]:7745}), each optionally after {@code tls://}.
     *
     * @throws IllegalArgumentException naming the input and what is wrong
     */
    public static PeerSpec parse(String text) {
        String s = text.trim();
        boolean tls = false;
        if (s.regionMatches(true, 0, TLS_PREFIX, 0, TLS_PREFIX.length())) {
            tls = true;
            s = s.substring(TLS_PREFIX.length());
        } else if (s.contains("://")) {
            throw bad(text, "the only scheme is " + TLS_PREFIX + " (none: plain TCP)");
        }
        String host;
        String rest;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0 || end + 1 >= s.length() || s.charAt(end + 1) != ':') {
                throw bad(text, "an IPv6 host is written [ADDRESS]:PORT");
            }
            host = s.substring(1, end);
            rest = s.substring(end + 2);
        } else {
            int colon = s.indexOf(':');
            if (colon < 0) {
                throw bad(text, "the port is missing");
            }
            host = s.substring(0, colon);
            rest = s.substring(colon + 1);
        }
        String portText = rest;
        String templateText = null;
        int colon = rest.indexOf(':');
        if (colon >= 0) {
            portText = rest.substring(0, colon);
            templateText = rest.substring(colon + 1);
        }
        if (host.isBlank()) {
            throw bad(text, "the host is missing");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw bad(text, "'" + portText + "' is not a port number");
        }
        if (port < 1 || port > 65535) {
            throw bad(text, "port " + port + " is not in 1..65535");
        }
        Optional<VipTemplate> template = Optional.empty();
        if (templateText != null) {
            try {
                template = Optional.of(VipTemplate.parse(templateText));
            } catch (IllegalArgumentException e) {
                throw bad(text, e.getMessage());
            }
        }
        return new PeerSpec(host, port, template, tls);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not [tls://]HOST:PORT[:TEMPLATE]: " + why);
    }

    /**
     * {@code host:port} ({@code [host]:port} for IPv6): the peer's identity in logs, admin output
     * and the routing table.
     */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return (tls ? TLS_PREFIX : "") + address() + template.map(t -> ":" + t).orElse("");
    }
}
