package io.dosp.server.internal;

import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.server.ClientStats;
import io.dosp.server.DropReason;
import io.dosp.server.ServerStats;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/**
 * The ADMIN command language of the reference (spec 5.8): one line in, one text reply out;
 * errors start with {@code ERR:}. Thread-safe (stateless over {@link ServerCore}).
 */
final class AdminCommands {
    static final String HELP = String.join("\n",
            "help                      this list",
            "clients                   connected clients",
            "client <vip>              one client's details and counters",
            "kick <vip>                disconnect a client",
            "ban <vip>                 ban the client's hash and disconnect it",
            "unban <hash>              lift a ban",
            "whitelist <hash>          add a hash to the whitelist",
            "whitelist-remove <hash>   remove a hash from the whitelist",
            "whitelist-on              admit only whitelisted hashes",
            "whitelist-off             admit every hash that is not banned",
            "block <vip>               refuse a vIP for RQIP and allocation",
            "unblock <vip>             allow it again",
            "stats                     server counters",
            "broadcast <message>       send MSG to every other client",
            "peers                     federation links: state, routes, counters",
            "routes                    federation routing table",
            "peer-add <host:port[:template]>  link to a peer",
            "peer-remove <host:port>   unlink a peer",
            "exit                      end this admin session (the connection stays)");

    private final ServerCore core;

    AdminCommands(ServerCore core) {
        this.core = core;
    }

    String execute(String line, ClientSession caller) {
        String trimmed = line.trim();
        int sp = trimmed.indexOf(' ');
        String cmd = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toLowerCase(Locale.ROOT);
        String arg = sp < 0 ? "" : trimmed.substring(sp + 1).trim();
        switch (cmd) {
            case "help":
                return HELP;
            case "clients":
                return clients();
            case "client":
                return withVip(arg, "client <vip>", this::client);
            case "kick":
                return withVip(arg, "kick <vip>", v -> kick(v, caller));
            case "ban":
                return withVip(arg, "ban <vip>", v -> ban(v, caller));
            case "unban":
                return withArg(arg, "unban <hash>", h -> core.access.unban(h) ? "Unbanned " + h : "ERR:" + h + " was not banned");
            case "whitelist":
                return withArg(arg, "whitelist <hash>",
                        h -> core.access.whitelistAdd(h) ? "Whitelisted " + h : "ERR:" + h + " is already whitelisted");
            case "whitelist-remove":
                return withArg(arg, "whitelist-remove <hash>",
                        h -> core.access.whitelistRemove(h) ? "Removed " + h + " from the whitelist"
                                : "ERR:" + h + " is not whitelisted");
            case "whitelist-on":
                core.access.whitelistEnabled(true);
                return "Whitelist mode on (" + core.access.whitelistCount() + " hashes)";
            case "whitelist-off":
                core.access.whitelistEnabled(false);
                return "Whitelist mode off";
            case "block":
                return withVip(arg, "block <vip>", v -> core.block(v) ? "Blocked " + v : "ERR:" + v + " is already blocked");
            case "unblock":
                return withVip(arg, "unblock <vip>", v -> core.unblock(v) ? "Unblocked " + v : "ERR:" + v + " is not blocked");
            case "stats":
                return stats();
            case "broadcast":
                if (arg.isEmpty()) {
                    return "ERR:Usage: broadcast <message>";
                }
                return "Broadcast sent to " + core.broadcast(arg, caller) + " clients";
            case "peers":
                return peers();
            case "routes":
                return routes();
            case "peer-add":
                return withArg(arg, "peer-add <host:port[:template]>", this::peerAdd);
            case "peer-remove":
                return withArg(arg, "peer-remove <host:port>", a -> core.federation().map(f -> {
                    try {
                        return f.removePeer(a) ? "Removed peer " + a : "ERR:No peer " + a;
                    } catch (IllegalArgumentException e) {
                        return "ERR:" + e.getMessage();
                    }
                }).orElse(NO_FEDERATION));
            case "exit":
                caller.admin(false);
                return "Admin session ended";
            case "":
                return "ERR:Empty command (try 'help')";
            default:
                return "ERR:Unknown command '" + cmd + "' (try 'help')";
        }
    }

    private interface Action<T> {
        String apply(T t);
    }

    private static String withArg(String arg, String usage, Action<String> action) {
        if (arg.isEmpty() || arg.contains(" ")) {
            return "ERR:Usage: " + usage;
        }
        return action.apply(arg);
    }

    private static String withVip(String arg, String usage, Action<Vip> action) {
        if (arg.isEmpty()) {
            return "ERR:Usage: " + usage;
        }
        Vip v;
        try {
            v = Vip.parse(arg);
        } catch (IllegalArgumentException e) {
            return "ERR:" + e.getMessage();
        }
        return action.apply(v);
    }

    private String clients() {
        StringBuilder sb = new StringBuilder();
        int listed = core.sessions().size();
        int links = core.connectedCount() - listed;
        sb.append(listed).append(" clients").append(links > 0 ? " (+" + links + " peer links)" : "");
        core.sessions().stream().sorted(Comparator.comparing(ClientSession::vip)).forEach(s -> sb.append('\n')
                .append(s.vip()).append("  ").append(s.remoteAddress())
                .append(s.isAdmin() ? "  admin" : "")
                .append("  hash=").append(s.machineHash().map(AdminCommands::shortHash).orElse("-")));
        return sb.toString();
    }

    private String client(Vip v) {
        Optional<ClientSession> o = core.session(v);
        if (o.isEmpty()) {
            return "ERR:No client with vIP " + v;
        }
        ClientSession s = o.get();
        ClientStats st = s.stats();
        return String.join("\n",
                "vip: " + s.vip(),
                "remote: " + s.remoteAddress(),
                "connected_since: " + st.connectedSince(),
                "admin: " + s.isAdmin(),
                "hash: " + s.machineHash().orElse("-"),
                "compression: " + s.compression(),
                "packets_in: " + st.packetsIn(),
                "packets_out: " + st.packetsOut(),
                "bytes_in: " + st.bytesIn(),
                "bytes_out: " + st.bytesOut());
    }

    private String kick(Vip v, ClientSession caller) {
        Optional<ClientSession> o = core.session(v);
        if (o.isEmpty()) {
            return "ERR:No client with vIP " + v;
        }
        o.get().disconnect("Disconnected by admin");
        return "Kicked " + v;
    }

    private String ban(Vip v, ClientSession caller) {
        Optional<ClientSession> o = core.session(v);
        if (o.isEmpty()) {
            return "ERR:No client with vIP " + v;
        }
        Optional<String> hash = o.get().machineHash();
        if (hash.isEmpty()) {
            return "ERR:Client " + v + " has not sent a client hash; use kick";
        }
        core.access.ban(hash.get());
        o.get().disconnect("Your client hash is blocked");
        return "Banned " + hash.get() + " and disconnected " + v;
    }

    private static final String NO_FEDERATION = "ERR:Federation is off (configure peers or a mesh key)";

    private String peerAdd(String spec) {
        if (core.federation().isEmpty()) {
            return NO_FEDERATION;
        }
        try {
            PeerSpec p = PeerSpec.parse(spec);
            core.federation().get().addPeer(p);
            return "Linking to peer " + p;
        } catch (IllegalArgumentException e) {
            return "ERR:" + e.getMessage();
        }
    }

    private String peers() {
        return core.federation().map(f -> {
            StringBuilder sb = new StringBuilder(f.peers().size() + " peer links");
            for (io.dosp.server.PeerStatus p : f.peers()) {
                sb.append('\n').append(p.address()).append("  ").append(p.state())
                        .append(p.extended() ? "  mesh" : "  plain").append("  routes=").append(p.routesVia())
                        .append("  forwarded=").append(p.forwarded()).append("  dropped=").append(p.dropped())
                        .append("  reconnects=").append(p.reconnects())
                        .append(p.lastError().isEmpty() ? "" : "  last_error=" + p.lastError());
            }
            long[] d = f.dropCounters();
            sb.append("\nno_route=").append(d[0]).append("  hop_limit_drops=").append(d[1]);
            return sb.toString();
        }).orElse(NO_FEDERATION);
    }

    private String routes() {
        return core.federation().map(f -> {
            StringBuilder sb = new StringBuilder("own " + core.config.template() + " (hop 0)");
            for (io.dosp.server.RouteInfo r : f.routes()) {
                sb.append('\n').append(r.template()).append("  hops=").append(r.hops()).append("  via=").append(r.via())
                        .append("  owner=").append(r.owner()).append(r.isStatic() ? "  static" : "");
            }
            return sb.toString();
        }).orElse(NO_FEDERATION);
    }

    private String stats() {
        ServerStats s = core.stats();
        StringBuilder sb = new StringBuilder();
        sb.append("started_at: ").append(s.startedAt())
                .append("\nclients: ").append(s.clientsConnected())
                .append("\nmax_clients: ").append(core.config.limits().maxClients())
                .append("\ntemplate: ").append(core.config.template())
                .append("\nconnections_accepted: ").append(s.connectionsAccepted())
                .append("\npackets_in: ").append(s.packetsIn())
                .append("\npackets_out: ").append(s.packetsOut())
                .append("\nbytes_in: ").append(s.bytesIn())
                .append("\nbytes_out: ").append(s.bytesOut())
                .append("\nbanned_hashes: ").append(core.access.bannedCount())
                .append("\nwhitelist: ").append(core.access.whitelistEnabled() ? "on" : "off")
                .append(" (").append(core.access.whitelistCount()).append(" hashes)");
        for (DropReason r : DropReason.values()) {
            sb.append("\ndrops.").append(r.name().toLowerCase(Locale.ROOT)).append(": ").append(s.drops(r));
        }
        return sb.toString();
    }

    private static String shortHash(String h) {
        return h.length() <= 12 ? h : h.substring(0, 12) + "...";
    }
}
