package io.dosp.server.internal.admin;

import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.ClientStats;
import io.dosp.server.DropReason;
import io.dosp.server.PeerStatus;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerStats;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.access.AccessControl;
import io.dosp.server.internal.access.Admission;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.federation.Federation;
import io.dosp.server.internal.routing.ServerRouter;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import java.util.Comparator;
import io.dosp.server.internal.network.Network;
import java.util.Locale;
import java.util.Optional;

/**
 * The ADMIN command language of the reference (spec 5.8): one line in, one text reply out;
 * errors start with {@code ERR:}. Thread-safe (no state of its own; its collaborators are thread-safe).
 */
public final class AdminCommands {
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
            "broadcast --network <message>  send MSG to every client of every server of ours",
            "clients --network         every client of the network directory, with its server",
            "groups                    groups of the network and their member counts",
            "names                     names of the network, holders and claims",
            "network                   the network directory: counters, origins",
            "peers                     federation links: state, routes, counters",
            "routes                    federation routing table",
            "peer-add <host:port[:template]>  link to a peer",
            "peer-remove <host:port>   unlink a peer",
            "reload                    re-read the configuration; apply what can change live",
            "drain [DURATION]          lame duck: refuse new clients, send the connected ones away over DURATION (30s)",
            "users                     users of client admission: fixed vIP, groups, online vIPs",
            "revoke <user>             end a user's sessions (EXIT 'Access revoked') and refuse its logins",
            "unrevoke <user>           accept its logins again",
            "exit                      end this admin session (the connection stays)");

    private static final String NO_FEDERATION = "ERR:Federation is off (configure peers or a mesh key)";

    private final AccessControl access;
    private final VipTable<ClientSession> vips;
    private final ServerRouter router;
    private final Admission admission;
    private final Counters counters;
    private volatile Network network;
    private final Optional<Federation> federation;
    private volatile Lifecycle lifecycle = Lifecycle.NONE;
    private final ClientAdmission clientAdmission;

    /** Commands over these parts of the server. */
    public AdminCommands(AccessControl access, VipTable<ClientSession> vips, ServerRouter router, Admission admission,
            Counters counters, Optional<Federation> federation, ClientAdmission clientAdmission) {
        this.clientAdmission = clientAdmission;
        this.access = access;
        this.vips = vips;
        this.router = router;
        this.admission = admission;
        this.counters = counters;
        this.federation = federation;
    }

    /** Wires {@code reload} and {@code drain} to the server's lifecycle. */
    public void lifecycle(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    /** Whether {@code line} may block (file I/O): the caller runs it off the event loop. */
    public static boolean isSlow(String line) {
        String t = line.trim();
        int sp = t.indexOf(' ');
        return (sp < 0 ? t : t.substring(0, sp)).equalsIgnoreCase("reload");
    }

    /** Runs one command line from admin {@code caller}; returns the reply text. */
    public String execute(String line, ClientSession caller) {
        String trimmed = line.trim();
        int sp = trimmed.indexOf(' ');
        String cmd = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toLowerCase(Locale.ROOT);
        String arg = sp < 0 ? "" : trimmed.substring(sp + 1).trim();
        return switch (cmd) {
            case "help" -> HELP;
            case "users" -> clientAdmission.usersText();
            case "revoke" -> arg.isEmpty() ? "ERR:Usage: revoke <user>" : clientAdmission.revoke(arg);
            case "unrevoke" -> arg.isEmpty() ? "ERR:Usage: unrevoke <user>" : clientAdmission.unrevoke(arg);
            case "clients" -> arg.equals("--network") ? network.clientsText() : clients();
            case "groups" -> network.groupsText();
            case "names" -> network.namesText();
            case "network" -> network.statusText();
            case "client" -> withVip(arg, "client <vip>", this::client);
            case "kick" -> withVip(arg, "kick <vip>", this::kick);
            case "ban" -> withVip(arg, "ban <vip>", this::ban);
            case "unban" -> withArg(arg, "unban <hash>",
                    h -> access.unban(h) ? "Unbanned " + h : "ERR:" + h + " was not banned");
            case "whitelist" -> withArg(arg, "whitelist <hash>",
                    h -> access.whitelistAdd(h) ? "Whitelisted " + h : "ERR:" + h + " is already whitelisted");
            case "whitelist-remove" -> withArg(arg, "whitelist-remove <hash>",
                    h -> access.whitelistRemove(h) ? "Removed " + h + " from the whitelist"
                            : "ERR:" + h + " is not whitelisted");
            case "whitelist-on" -> {
                access.whitelistEnabled(true);
                yield "Whitelist mode on (" + access.whitelistCount() + " hashes)";
            }
            case "whitelist-off" -> {
                access.whitelistEnabled(false);
                yield "Whitelist mode off";
            }
            case "block" -> withVip(arg, "block <vip>", v -> vips.block(v) ? "Blocked " + v : "ERR:" + v + " is already blocked");
            case "unblock" -> withVip(arg, "unblock <vip>",
                    v -> vips.unblock(v) ? "Unblocked " + v : "ERR:" + v + " is not blocked");
            case "stats" -> stats();
            case "broadcast" -> arg.startsWith("--network ") && !arg.substring(10).isBlank()
                    ? broadcastNetwork(arg.substring(10).strip())
                    : arg.isEmpty() ? "ERR:Usage: broadcast <message>"
                    : "Broadcast sent to " + router.broadcast(arg, caller) + " clients"; // the reference's words
            case "peers" -> peers();
            case "routes" -> routes();
            case "peer-add" -> withArg(arg, "peer-add <host:port[:template]>", this::peerAdd);
            case "peer-remove" -> withArg(arg, "peer-remove <host:port>", this::peerRemove);
            case "reload" -> arg.isEmpty() ? lifecycle.reload() : "ERR:Usage: reload";
            case "drain" -> drain(arg);
            case "exit" -> {
                caller.admin(false);
                yield "Admin session ended";
            }
            case "" -> "ERR:Empty command (try 'help')";
            default -> "ERR:Unknown command '" + cmd + "' (try 'help')";
        };
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

    private String drain(String arg) {
        if (arg.isEmpty()) {
            return lifecycle.drain(null);
        }
        try {
            return lifecycle.drain(parseDuration(arg));
        } catch (IllegalArgumentException e) {
            return "ERR:Usage: drain [DURATION] (" + e.getMessage() + ")";
        }
    }

    /** {@code 30}, {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}: positive, at most a day. */
    static java.time.Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long factorMillis;
        String number;
        if (t.endsWith("ms")) {
            factorMillis = 1;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            factorMillis = 1000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factorMillis = 60_000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            factorMillis = 3_600_000;
            number = t.substring(0, t.length() - 1);
        } else {
            factorMillis = 1000;
            number = t;
        }
        double value;
        try {
            value = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 30s, 500ms or 2m");
        }
        double millis = value * factorMillis;
        if (!(millis > 0) || millis > 86_400_000d) {
            throw new IllegalArgumentException("'" + text + "' must be positive and at most 24h");
        }
        return java.time.Duration.ofMillis((long) Math.ceil(millis));
    }

    private static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    private String broadcastNetwork(String text) {
        network.broadcastNetwork(text);
        return "Broadcast sent to the network";
    }

    /** The network's views for {@code groups}, {@code names}, {@code network}, {@code clients --network}. */
    public void network(Network n) {
        this.network = n;
    }

    private String clients() {
        StringBuilder sb = new StringBuilder();
        int listed = vips.size();
        int links = admission.connectedCount() - listed;
        long admins = vips.holders().stream().filter(ClientSession::isAdmin).count();
        sb.append(plural(listed - admins, "client", "clients"))
                .append(admins > 0 ? " and " + plural(admins, "admin connection", "admin connections") : "")
                .append(links > 0 ? " (+" + plural(links, "peer link", "peer links") + ")" : "");
        vips.holders().stream().sorted(Comparator.comparing(ClientSession::vip)).forEach(s -> sb.append('\n')
                .append(s.vip()).append("  ").append(s.remoteAddress())
                .append(s.isAdmin() ? "  admin" : "")
                .append("  hash=").append(s.machineHash().map(AdminCommands::shortHash).orElse("-")));
        return sb.toString();
    }

    private String client(Vip v) {
        Optional<ClientSession> o = vips.holder(v);
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

    private String kick(Vip v) {
        Optional<ClientSession> o = vips.holder(v);
        if (o.isEmpty()) {
            return "ERR:No client with vIP " + v;
        }
        o.get().disconnect(ServerExitReason.KICKED);
        return "Kicked " + v;
    }

    private String ban(Vip v) {
        Optional<ClientSession> o = vips.holder(v);
        if (o.isEmpty()) {
            return "ERR:No client with vIP " + v;
        }
        Optional<String> hash = o.get().machineHash();
        if (hash.isEmpty()) {
            return "ERR:Client " + v + " has not sent a client hash; use kick";
        }
        access.ban(hash.get());
        o.get().disconnect(ServerExitReason.HASH_BLOCKED);
        return "Banned " + hash.get() + " and disconnected " + v;
    }

    private String peerAdd(String spec) {
        if (federation.isEmpty()) {
            return NO_FEDERATION;
        }
        try {
            PeerSpec p = PeerSpec.parse(spec);
            federation.get().addPeer(p);
            return "Linking to peer " + p;
        } catch (IllegalArgumentException e) {
            return "ERR:" + e.getMessage();
        }
    }

    private String peerRemove(String hostPort) {
        return federation.map(f -> {
            try {
                return f.removePeer(hostPort) ? "Removed peer " + hostPort : "ERR:No peer " + hostPort;
            } catch (IllegalArgumentException e) {
                return "ERR:" + e.getMessage();
            }
        }).orElse(NO_FEDERATION);
    }

    private String peers() {
        return federation.map(f -> {
            StringBuilder sb = new StringBuilder(plural(f.peers().size(), "peer link", "peer links"));
            for (PeerStatus p : f.peers()) {
                sb.append('\n').append(p.address()).append("  ").append(p.state())
                        .append(p.extended() ? "  mesh" : "  plain").append("  direction=").append(p.direction())
                        .append(p.twoWay() ? "  two-way" : "  one-way").append("  routes=").append(p.routesVia())
                        .append("  forwarded=").append(p.forwarded()).append("  dropped=").append(p.dropped())
                        .append("  reconnects=").append(p.reconnects()).append("  mode=\"").append(p.mode()).append('"')
                        .append(p.lastError().isEmpty() ? "" : "  last_error=" + p.lastError());
            }
            long[] d = f.dropCounters();
            sb.append("\nno_route=").append(d[0]).append("  hop_limit_drops=").append(d[1]);
            return sb.toString();
        }).orElse(NO_FEDERATION);
    }

    private String routes() {
        return federation.map(f -> {
            StringBuilder sb = new StringBuilder("own " + vips.template() + " (hop 0)");
            for (RouteInfo r : f.routes()) {
                sb.append('\n').append(r.template()).append("  hops=").append(r.hops()).append("  via=").append(r.via())
                        .append("  owner=").append(r.owner()).append(r.isStatic() ? "  static" : "");
            }
            return sb.toString();
        }).orElse(NO_FEDERATION);
    }

    private String stats() {
        ServerStats s = counters.snapshot(admission.connectedCount());
        StringBuilder sb = new StringBuilder();
        sb.append("started_at: ").append(s.startedAt())
                .append("\nclients: ").append(s.clientsConnected())
                .append("\nmax_clients: ").append(admission.maxClients())
                .append("\ndraining: ").append(admission.draining() ? "yes" : "no")
                .append("\ntemplate: ").append(vips.template())
                .append("\nconnections_accepted: ").append(s.connectionsAccepted())
                .append("\npackets_in: ").append(s.packetsIn())
                .append("\npackets_out: ").append(s.packetsOut())
                .append("\nbytes_in: ").append(s.bytesIn())
                .append("\nbytes_out: ").append(s.bytesOut())
                .append("\nbanned_hashes: ").append(access.bannedCount())
                .append("\nwhitelist: ").append(access.whitelistEnabled() ? "on" : "off")
                .append(" (").append(access.whitelistCount()).append(" hashes)");
        sb.append("\nflow.senders_paused: ").append(s.flow().sendersPaused())
                .append("\nflow.pauses: ").append(s.flow().pauses())
                .append("\nflow.memory_in_use: ").append(s.flow().memoryInUse())
                .append("\nflow.memory_budget: ").append(s.flow().memoryBudget())
                .append("\nflow.memory_peak: ").append(s.flow().memoryPeak());
        sb.append("\nguard.partial_frame_bytes: ").append(s.guard().partialFrameBytes())
                .append("\nguard.partial_frame_peak: ").append(s.guard().partialFramePeak())
                .append("\nguard.partial_frame_limit: ").append(s.guard().partialFrameLimit())
                .append("\nguard.auth_checked: ").append(s.guard().authChecked())
                .append("\nguard.auth_throttled: ").append(s.guard().authThrottled())
                .append("\nguard.auth_bans: ").append(s.guard().authBans());
        sb.append("\nguard.log_lines_suppressed: ").append(s.guard().logLinesSuppressed())
                .append("\nguard.function_calls_admitted: ").append(s.guard().functionCallsAdmitted())
                .append("\nguard.function_calls_in_flight: ").append(s.guard().functionCallsInFlight())
                .append("\nguard.inflated_bytes: ").append(s.guard().inflatedBytes())
                .append("\nguard.inflate_deferrals: ").append(s.guard().inflateDeferrals())
                .append("\nguard.metered_replies: ").append(s.guard().meteredReplies())
                .append("\nguard.metered_reply_bytes: ").append(s.guard().meteredReplyBytes());
        sb.append("\next.peer_gone_sent: ").append(s.extensions().peerGoneSent())
                .append("\next.peer_gone_refused: ").append(s.extensions().peerGoneRefused());
        for (DropReason r : DropReason.values()) {
            sb.append("\ndrops.").append(r.name().toLowerCase(Locale.ROOT)).append(": ").append(s.drops(r));
        }
        return sb.toString();
    }

    private static String shortHash(String h) {
        return h.length() <= 12 ? h : h.substring(0, 12) + "...";
    }
}
