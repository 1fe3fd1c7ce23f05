package io.dosp.server;

import java.util.List;

/**
 * What {@link DospServer#reconfigure(ServerConfig)} did with a new configuration: each change it
 * applied to the running server, and each it refused because it needs a restart (the port, the
 * template, TLS, compression, the memory budget, ...). One line per setting, naming the
 * configuration field as {@link io.dosp.protocol.InvalidConfigException#field()} does, e.g.
 * {@code limits.maxClients: 100 -> 2} or {@code port: 7744 -> 7745 (needs a restart)}. Secrets
 * are never shown (admin tokens appear as a count). Immutable.
 *
 * @param applied what now holds, in a fixed order
 * @param refused what was not applied and why
 */
public record Reconfiguration(List<String> applied, List<String> refused) {
    /** Copies the lists. */
    public Reconfiguration {
        applied = List.copyOf(applied);
        refused = List.copyOf(refused);
    }

    /** Whether the new configuration differed from the running one in nothing. */
    public boolean unchanged() {
        return applied.isEmpty() && refused.isEmpty();
    }

    /** A multi-line summary for operators (the admin {@code reload} reply). */
    public String summary() {
        if (unchanged()) {
            return "Reloaded: nothing changed";
        }
        StringBuilder sb = new StringBuilder("Reloaded: " + applied.size() + (applied.size() == 1 ? " change" : " changes")
                + " applied" + (refused.isEmpty() ? "" : ", " + refused.size() + " not applied (restart needed)"));
        applied.forEach(a -> sb.append("\n  applied: ").append(a));
        refused.forEach(r -> sb.append("\n  not applied: ").append(r));
        return sb.toString();
    }
}
