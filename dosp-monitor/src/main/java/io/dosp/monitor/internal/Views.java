package io.dosp.monitor.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.protocol.Vip;
import io.dosp.server.ClientStats;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.FlowStats;
import io.dosp.server.GuardStats;
import io.dosp.server.PeerStatus;
import io.dosp.server.RouteInfo;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStats;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The JSON views of the API, built from {@link DospServer}'s public API only (the data the admin commands
 * show). Strings a peer controls (its client hash) are cut to {@value #MAX_HASH_CHARS} characters; JSON
 * escaping does the rest. Stateless apart from the shared mapper; thread-safe.
 */
public final class Views {
    static final int MAX_HASH_CHARS = 64;
    /** The mapper of every JSON body. */
    public static final ObjectMapper JSON = new ObjectMapper();

    private final DospServer server;

    /** Views of {@code server}. */
    public Views(DospServer server) {
        this.server = server;
    }

    /** Readiness: listening, and every outgoing peer link up; {@code reason} empty when ready. */
    public record Health(boolean ready, String reason) {
    }

    /** Whether the server is ready, and if not, why. */
    public Health health() {
        if (!server.isListening()) {
            return new Health(false, "not listening");
        }
        List<String> down = server.peers().stream().filter(p -> !p.state().equals("UP") && !p.state().equals("REMOVED"))
                .map(p -> p.address() + " " + p.state().toLowerCase(Locale.ROOT)).toList();
        if (!down.isEmpty()) {
            return new Health(false, "peer links not up: " + String.join(", ", down));
        }
        return new Health(true, "");
    }

    /** {@code /healthz}. */
    public ObjectNode healthJson(Health h) {
        ObjectNode o = JSON.createObjectNode();
        o.put("status", h.ready() ? "ready" : "not ready");
        if (!h.ready()) {
            o.put("reason", h.reason());
        }
        return o;
    }

    /** {@code /api/server}: configuration summary and every counter. */
    public ObjectNode server(ObjectNode monitor) {
        ServerConfig c = server.config();
        ServerStats s = server.stats();
        ObjectNode o = JSON.createObjectNode();
        o.put("listening", server.isListening());
        if (c.tcp()) {
            o.put("host", c.host());
            o.put("port", server.isListening() ? server.port() : c.port());
        }
        o.put("template", c.template().toString());
        o.put("serverVip", c.template().serverVip().toString());
        o.put("compression", c.compression());
        o.put("maxClients", c.limits().maxClients());
        o.put("federation", c.federation().enabled());
        o.put("startedAt", s.startedAt().toString());
        o.put("uptimeSeconds", Duration.between(s.startedAt(), Instant.now()).toSeconds());
        o.put("clients", s.clientsConnected());
        o.put("connectionsAccepted", s.connectionsAccepted());
        o.put("packetsIn", s.packetsIn());
        o.put("packetsOut", s.packetsOut());
        o.put("bytesIn", s.bytesIn());
        o.put("bytesOut", s.bytesOut());
        ObjectNode drops = o.putObject("drops");
        for (DropReason r : DropReason.values()) {
            drops.put(r.name().toLowerCase(Locale.ROOT), s.drops(r));
        }
        FlowStats f = s.flow();
        ObjectNode flow = o.putObject("flow");
        flow.put("sendersPaused", f.sendersPaused());
        flow.put("pauses", f.pauses());
        flow.put("memoryInUse", f.memoryInUse());
        flow.put("memoryBudget", f.memoryBudget());
        flow.put("memoryPeak", f.memoryPeak());
        GuardStats g = s.guard();
        ObjectNode guard = o.putObject("guard");
        guard.put("partialFrameBytes", g.partialFrameBytes());
        guard.put("partialFramePeak", g.partialFramePeak());
        guard.put("partialFrameLimit", g.partialFrameLimit());
        guard.put("authChecked", g.authChecked());
        guard.put("authThrottled", g.authThrottled());
        guard.put("authBans", g.authBans());
        guard.put("logLinesSuppressed", g.logLinesSuppressed());
        guard.put("functionCallsAdmitted", g.functionCallsAdmitted());
        guard.put("functionCallsInFlight", g.functionCallsInFlight());
        guard.put("inflatedBytes", g.inflatedBytes());
        guard.put("inflateDeferrals", g.inflateDeferrals());
        guard.put("meteredReplies", g.meteredReplies());
        guard.put("meteredReplyBytes", g.meteredReplyBytes());
        o.set("monitor", monitor);
        return o;
    }

    /** A page of {@code /api/clients}: the query's filters, already parsed. */
    public record ClientQuery(int offset, int limit, String vipPrefix, Optional<Boolean> admin,
            Optional<Boolean> compression) {

        Predicate<ConnectedClient> filter() {
            return c -> (vipPrefix.isEmpty() || c.vip().toString().startsWith(vipPrefix))
                    && admin.map(a -> a == c.isAdmin()).orElse(true)
                    && compression.map(z -> z == c.compression()).orElse(true);
        }
    }

    /** {@code /api/clients}: matching clients in vIP order, one page. */
    public ObjectNode clients(ClientQuery q) {
        List<ConnectedClient> all = server.clients().stream().filter(q.filter())
                .sorted(Comparator.comparing(ConnectedClient::vip)).toList();
        ObjectNode o = JSON.createObjectNode();
        o.put("total", all.size());
        o.put("offset", q.offset());
        o.put("limit", q.limit());
        ArrayNode list = o.putArray("clients");
        for (int i = q.offset(); i < all.size() && i < (long) q.offset() + q.limit(); i++) {
            list.add(client(all.get(i)));
        }
        return o;
    }

    /** One client. */
    public static ObjectNode client(ConnectedClient c) {
        ObjectNode o = JSON.createObjectNode();
        ClientStats st = c.stats();
        o.put("vip", c.vip().toString());
        o.put("remote", remote(c.remoteAddress()));
        o.put("connectedSince", st.connectedSince().toString());
        o.put("admin", c.isAdmin());
        o.put("compression", c.compression());
        Optional<String> hash = c.machineHash();
        if (hash.isPresent()) {
            String h = hash.get();
            o.put("hash", h.length() <= MAX_HASH_CHARS ? h : h.substring(0, MAX_HASH_CHARS));
        } else {
            o.putNull("hash");
        }
        o.put("packetsIn", st.packetsIn());
        o.put("packetsOut", st.packetsOut());
        o.put("bytesIn", st.bytesIn());
        o.put("bytesOut", st.bytesOut());
        return o;
    }

    private static String remote(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** {@code /api/peers}. */
    public ObjectNode peers() {
        ObjectNode o = JSON.createObjectNode();
        o.put("federation", server.config().federation().enabled());
        ArrayNode list = o.putArray("peers");
        for (PeerStatus p : server.peers()) {
            ObjectNode n = list.addObject();
            n.put("address", p.address());
            n.put("state", p.state());
            n.put("extended", p.extended());
            n.put("mode", p.mode());
            n.put("direction", p.direction());
            n.put("twoWay", p.twoWay());
            n.put("routesVia", p.routesVia());
            n.put("forwarded", p.forwarded());
            n.put("dropped", p.dropped());
            n.put("reconnects", p.reconnects());
            n.put("lastError", p.lastError());
        }
        return o;
    }

    /** {@code /api/routes}: the own template (hop 0) and the federation routes. */
    public ObjectNode routes() {
        ObjectNode o = JSON.createObjectNode();
        o.put("federation", server.config().federation().enabled());
        o.put("own", server.config().template().toString());
        ArrayNode list = o.putArray("routes");
        for (RouteInfo r : server.routes()) {
            ObjectNode n = list.addObject();
            n.put("template", r.template());
            n.put("hops", r.hops());
            n.put("via", r.via());
            n.put("owner", r.owner());
            n.put("static", r.isStatic());
        }
        return o;
    }

    /** What {@code /api/events} sends each interval: the server view, peers and routes together. */
    public ObjectNode event(ObjectNode monitor) {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", Instant.now().toString());
        o.set("server", server(monitor));
        o.set("peers", peers().get("peers"));
        o.set("routes", routes().get("routes"));
        return o;
    }

    /** Parses a vIP from a path segment, or empty. */
    public static Optional<Vip> vip(String text) {
        try {
            return Optional.of(Vip.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
