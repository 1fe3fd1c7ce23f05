package io.dosp.cli.config;

import io.dosp.protocol.VipTemplate;
import java.util.Objects;
import java.util.Optional;

/**
 * A federation peer as configured: {@code HOST:PORT[:TEMPLATE]} (IPv6 hosts in brackets,
 * {@code [::1]:7744}). The template, when given, is the peer's vIP template, needed for peers
 * that do not advertise theirs (the Python reference always sends empty advertisements).
 *
 * @param host     host name or address
 * @param port     the peer's DoSP port, 1..65535
 * @param template the peer's template, if configured
 */
public record PeerSpec(String host, int port, Optional<VipTemplate> template) {

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

    /**
     * Parses {@code HOST:PORT[:TEMPLATE]}.
     *
     * @throws IllegalArgumentException naming the input and what is wrong
     */
    public static PeerSpec parse(String text) {
        String s = text.trim();
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
        return new PeerSpec(host, port, template);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not HOST:PORT[:TEMPLATE]: " + why);
    }

    @Override
    public String toString() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return h + ":" + port + template.map(t -> ":" + t).orElse("");
    }
}
