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
import io.dosp.server.internal.cluster.AclChange;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.cluster.ClusterServices;
import io.dosp.server.internal.cluster.NodeReplies;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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

    // ---- cluster mode (helper ops): commands that act on another node, scatter-gather, shared access lists ----

    /** The commands another node may ask this one to run on its own clients. */
    private static final Set<String> REMOTE_COMMANDS = Set.of("client", "kick", "ban", "clients", "stats", "users");
    private volatile ClusterNode cluster;

    /**
     * Makes this server's commands cluster-wide ({@link #executeAsync}): {@code client}/{@code kick}/{@code ban} of
     * a vIP held on another node run there, {@code clients}/{@code stats}/{@code users}/{@code broadcast} gather every
     * live node,
     * the access lists go through the cluster's bucket.
     */
    public void cluster(ClusterNode node) {
        this.cluster = node;
    }

    /** Whether this server is a node of a cluster (its replies may come later: {@link #executeAsync}). */
    public boolean clustered() {
        return cluster != null;
    }

    /**
     * Runs one command line from admin {@code caller} as {@link #execute} does, cluster-wide in cluster mode;
     * completes with the reply text (never exceptionally). Without a cluster it completes at once. Never blocks:
     * what another node answers completes it on a cluster thread.
     */
    public CompletableFuture<String> executeAsync(String line, ClientSession caller) {
        ClusterNode c = cluster;
        if (c == null) {
            return CompletableFuture.completedFuture(execute(line, caller));
        }
        String trimmed = line.trim();
        int sp = trimmed.indexOf(' ');
        String cmd = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toLowerCase(Locale.ROOT);
        String arg = sp < 0 ? "" : trimmed.substring(sp + 1).trim();
        switch (cmd) {
            case "client", "kick", "ban" -> {
                Vip v = parseVipOrNull(arg);
                if (v != null && vips.holder(v).isEmpty()) {
                    String owner = c.ownerOf(v);
                    if (owner != null && !owner.equals(c.nodeId())) {
                        return c.command(owner, cmd + " " + v).exceptionally(e -> "ERR:" + cause(e).getMessage());
                    }
                }
                return executeHere(trimmed, caller);
            }
            case "clients", "stats", "users" -> {
                if (!arg.isEmpty() || (cmd.equals("users") && !clientAdmission.enabled())) {
                    return executeHere(trimmed, caller);
                }
                String mine = execute(cmd, caller);
                return c.commandAll(cmd).thenApply(r -> gathered(cmd, c.nodeId(), mine, r));
            }
            case "broadcast" -> {
                if (arg.isEmpty() || arg.startsWith("--network ")) {
                    return executeHere(trimmed, caller);
                }
                return broadcastReply(arg, caller);
            }
            default -> {
                return executeHere(trimmed, caller);
            }
        }
    }

    /**
     * Broadcast {@code text} as MSG to every client but {@code sender} (admin {@code broadcast}, BCST): this node's
     * clients now, the other nodes' through the cluster; completes with {@code Broadcast sent to N clients} (the
     * reference's words; N over every node that answered, a note added when some did not).
     */
    public CompletableFuture<String> broadcastReply(String text, ClientSession sender) {
        int here = router.broadcast(text, sender);
        ClusterNode c = cluster;
        if (c == null) {
            return CompletableFuture.completedFuture("Broadcast sent to " + here + " clients");
        }
        return c.broadcast(text).thenApply(r -> {
            long n = here;
            for (String count : r.replies().values()) {
                n += parseLongOr(count, 0);
            }
            return "Broadcast sent to " + n + " clients" + (r.partial() ? " (partial: " + String.join(", ", r.missing()) + ")" : "");
        });
    }

    /** This node's part of a command, plus the cluster's access-list bucket for the commands that change a list. */
    private CompletableFuture<String> executeHere(String line, ClientSession caller) {
        String trimmed = line.trim();
        int sp = trimmed.indexOf(' ');
        String cmd = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toLowerCase(Locale.ROOT);
        String arg = sp < 0 ? "" : trimmed.substring(sp + 1).trim();
        AclChange change = switch (cmd) {
            case "ban" -> {
                Vip v = parseVipOrNull(arg);
                yield v == null ? null : vips.holder(v).flatMap(ClientSession::machineHash)
                        .map(h -> new AclChange(AclChange.Kind.BAN, AccessControl.norm(h), true)).orElse(null);
            }
            case "unban" -> hashChange(AclChange.Kind.BAN, arg, false);
            case "whitelist" -> hashChange(AclChange.Kind.WHITELIST, arg, true);
            case "whitelist-remove" -> hashChange(AclChange.Kind.WHITELIST, arg, false);
            case "whitelist-on" -> new AclChange(AclChange.Kind.WHITELIST_MODE, "on", true);
            case "whitelist-off" -> new AclChange(AclChange.Kind.WHITELIST_MODE, "on", false);
            case "block", "unblock" -> {
                Vip v = parseVipOrNull(arg);
                yield v == null ? null : new AclChange(AclChange.Kind.BLOCK, v.toString(), cmd.equals("block"));
            }
            case "revoke", "unrevoke" -> arg.isEmpty() ? null : new AclChange(AclChange.Kind.REVOKE, arg, cmd.equals("revoke"));
            default -> null;
        };
        String reply = execute(trimmed, caller);
        ClusterNode c = cluster;
        if (c == null || change == null || reply.startsWith("ERR:")) {
            return CompletableFuture.completedFuture(reply);
        }
        return c.acl(change).handle((ok, e) -> e == null ? reply
                : reply + " (on this node only: the cluster's access list was not written: " + cause(e).getMessage() + ")");
    }

    private static AclChange hashChange(AclChange.Kind kind, String arg, boolean present) {
        return arg.isEmpty() || arg.contains(" ") ? null : new AclChange(kind, AccessControl.norm(arg), present);
    }

    private static Vip parseVipOrNull(String arg) {
        try {
            return arg.isEmpty() ? null : Vip.parse(arg);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static long parseLongOr(String s, long or) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return or;
        }
    }

    /**
     * {@code clients}/{@code stats} over the cluster: a header ({@code cluster.nodes}, {@code cluster.answered},
     * {@code cluster.partial}), for {@code stats} the sum of every numeric line ({@code total.<key>}), for
     * {@code clients} the total count, then each node's own reply under {@code == node <id>}.
     */
    static String gathered(String cmd, String self, String mine, NodeReplies r) {
        Map<String, String> replies = new java.util.TreeMap<>(r.replies());
        StringBuilder sb = new StringBuilder();
        int nodes = 1 + replies.size() + r.missing().size();
        if (cmd.equals("clients")) {
            long listed = countListed(mine);
            for (String text : replies.values()) {
                listed += countListed(text);
            }
            sb.append(plural(listed, "connection", "connections")).append(" on ").append(plural(1 + replies.size(), "node", "nodes"));
        }
        if (sb.length() > 0) {
            sb.append('\n');
        }
        sb.append("cluster.nodes: ").append(nodes)
                .append("\ncluster.answered: ").append(1 + replies.size())
                .append("\ncluster.partial: ").append(r.partial() ? "yes, no answer from " + String.join(", ", r.missing()) : "no");
        if (cmd.equals("stats")) {
            Map<String, Long> totals = new java.util.LinkedHashMap<>();
            sumInto(totals, mine);
            replies.values().forEach(t -> sumInto(totals, t));
            totals.forEach((k, v) -> sb.append("\ntotal.").append(k).append(": ").append(v));
        }
        sb.append("\n== node ").append(self).append(" (this node)\n").append(mine);
        replies.forEach((node, text) -> sb.append("\n== node ").append(node).append('\n').append(text));
        return sb.toString();
    }

    private static long countListed(String clientsText) {
        return clientsText.startsWith("ERR:") ? 0 : clientsText.lines().skip(1).count();
    }

    private static void sumInto(Map<String, Long> totals, String statsText) {
        statsText.lines().forEach(l -> {
            int colon = l.indexOf(": ");
            if (colon > 0) {
                try {
                    long v = Long.parseLong(l.substring(colon + 2).trim());
                    totals.merge(l.substring(0, colon), v, Long::sum);
                } catch (NumberFormatException e) {
                    // not a counter (a time, a template, a mode)
                }
            }
        });
    }

    /**
     * What this server does for the other nodes of its cluster: their admin requests (only {@code client},
     * {@code kick}, {@code ban}, {@code clients}, {@code stats}, {@code users}, on this node's own clients),
     * broadcasts, and the access-list changes of the cluster's bucket.
     */
    public ClusterServices clusterServices() {
        return new ClusterServices() {
            @Override
            public CompletableFuture<String> command(String line) {
                String trimmed = line.trim();
                int sp = trimmed.indexOf(' ');
                String cmd = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toLowerCase(Locale.ROOT);
                if (!REMOTE_COMMANDS.contains(cmd)) {
                    return CompletableFuture.completedFuture("ERR:'" + cmd + "' is not a command for another node");
                }
                return executeHere(trimmed, null);
            }

            @Override
            public int broadcast(String text) {
                return router.broadcast(text, null);
            }

            @Override
            public java.util.List<Vip> visibleTo(io.dosp.server.internal.session.Principal viewer) {
                return clientAdmission.visibleTo(viewer);
            }

            @Override
            public void acl(AclChange change) {
                applyAcl(change);
            }
        };
    }

    private void applyAcl(AclChange change) {
        switch (change.kind()) {
            case BAN -> {
                if (change.present()) {
                    access.ban(change.subject());
                    for (ClientSession s : vips.holders()) {
                        if (!s.isClosing() && s.machineHash().map(h -> AccessControl.norm(h).equals(change.subject())).orElse(false)) {
                            s.disconnect(ServerExitReason.HASH_BLOCKED);
                        }
                    }
                } else {
                    access.unban(change.subject());
                }
            }
            case WHITELIST -> {
                if (change.present()) {
                    access.whitelistAdd(change.subject());
                } else {
                    access.whitelistRemove(change.subject());
                }
            }
            case WHITELIST_MODE -> access.whitelistEnabled(change.present());
            case REVOKE -> {
                if (change.present()) {
                    clientAdmission.revoke(change.subject()); // ends the user's sessions on this node
                } else {
                    clientAdmission.unrevoke(change.subject());
                }
            }
            case BLOCK -> {
                Vip v = parseVipOrNull(change.subject());
                if (v != null) {
                    if (change.present()) {
                        vips.block(v);
                    } else {
                        vips.unblock(v);
                    }
                }
            }
        }
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
