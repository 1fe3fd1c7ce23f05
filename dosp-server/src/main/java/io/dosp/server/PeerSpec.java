package io.dosp.server;

import io.dosp.protocol.VipTemplate;
import java.util.Objects;

/**
 * A federation peer to link to: its client port and, optionally, the vIP template it owns. The
 * template is required for a reference (Python) peer, whose advertisements are always empty; a
 * peer of this project announces its templates itself.
 *
 * @param host     the peer's host
 * @param port     the peer's client port
 * @param template the template it owns, or null to learn it from its advertisements
 */
public record PeerSpec(String host, int port, VipTemplate template) {

    /** Validates. */
    public PeerSpec {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("peer host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer port must be 1..65535, got " + port);
        }
    }

    /**
     * Parses {@code HOST:PORT} or {@code HOST:PORT:TEMPLATE} (e.g. {@code 10.0.0.5:7744:66.11.5.x}).
     *
     * @throws IllegalArgumentException naming the input and what is wrong
     */
    public static PeerSpec parse(String text) {
        String[] parts = text.trim().split(":", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("peer '" + text + "' must be HOST:PORT or HOST:PORT:TEMPLATE");
        }
        int port;
        try {
            port = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("peer '" + text + "': port '" + parts[1] + "' is not a number");
        }
        VipTemplate t = null;
        if (parts.length == 3) {
            try {
                t = VipTemplate.parse(parts[2]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("peer '" + text + "': " + e.getMessage(), e);
            }
        }
        return new PeerSpec(parts[0], port, t);
    }

    /** {@code host:port}: the peer's identity in logs, admin output and the routing table. */
    public String address() {
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return address() + (template == null ? "" : ":" + template);
    }
}
