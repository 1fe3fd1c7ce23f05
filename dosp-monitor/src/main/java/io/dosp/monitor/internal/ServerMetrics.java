package io.dosp.monitor.internal;

import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.FlowStats;
import io.dosp.server.GuardStats;
import io.dosp.server.NetworkStats;
import io.dosp.server.PeerStatus;
import io.dosp.server.ServerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The server's counters as Micrometer meters. Nothing is counted twice: every meter reads the
 * {@link ServerStats} (and peer list) that {@link #refresh()} took from {@link DospServer} just before a
 * scrape, so the hot path keeps its own counters only and a scrape takes one snapshot, not one per meter.
 * Per-peer meters are added and removed as links come and go. Thread-safe (the snapshot is one volatile
 * reference; {@link #refresh()} is called on the monitor's thread).
 */
public final class ServerMetrics {
    private static final String[] PEER_STATES = {"CONNECTING", "AUTHENTICATING", "UP", "DOWN", "REMOVED"};

    private record Snapshot(ServerStats stats, List<PeerStatus> peers, int routes, boolean listening) {
    }

    private final DospServer server;
    private final MeterRegistry registry;
    private final Map<String, List<Meter>> peerMeters = new HashMap<>();
    private volatile Snapshot now;

    /** Registers the server's meters in {@code registry}. */
    public ServerMetrics(DospServer server, MeterRegistry registry) {
        this.server = server;
        this.registry = registry;
        this.now = take();
        counter("dosp.connections.accepted", "Connections accepted since start (including those refused right after)",
                s -> s.stats.connectionsAccepted());
        gauge("dosp.clients.connected", "Clients connected now (peer links to us included)", s -> s.stats.clientsConnected());
        counter("dosp.packets.in", "Packets received from clients (MPAK sub-packets counted singly)", s -> s.stats.packetsIn());
        counter("dosp.packets.out", "Packets queued to clients", s -> s.stats.packetsOut());
        counter("dosp.bytes.in", "Bytes received (uncompressed frames)", s -> s.stats.bytesIn());
        counter("dosp.bytes.out", "Bytes queued (uncompressed frames)", s -> s.stats.bytesOut());
        gauge("dosp.listening", "1 while the server accepts connections", s -> s.listening ? 1 : 0);
        for (DropReason r : DropReason.values()) {
            FunctionCounter.builder("dosp.drops", this, m -> m.now.stats.drops(r))
                    .description("Connections refused or closed and packets refused or dropped, by reason")
                    .tag("reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        gauge("dosp.flow.senders.paused", "Connections not read from now because a destination is behind or the memory"
                + " budget is spent", s -> s.stats.flow().sendersPaused());
        counter("dosp.flow.pauses", "Such pauses since start", s -> s.stats.flow().pauses());
        gauge("dosp.memory.in.use", "Bytes held for clients now (outbound queues and buffers)", s -> flow(s).memoryInUse());
        gauge("dosp.memory.budget", "The memory budget in bytes", s -> flow(s).memoryBudget());
        gauge("dosp.memory.peak", "The most memory held for clients since start, in bytes", s -> flow(s).memoryPeak());
        gauge("dosp.guard.partial.frame.bytes", "Buffer held now for unfinished frames", s -> guard(s).partialFrameBytes());
        gauge("dosp.guard.partial.frame.peak", "The most buffer held for unfinished frames since start",
                s -> guard(s).partialFramePeak());
        gauge("dosp.guard.partial.frame.limit", "The most buffer unfinished frames may hold", s -> guard(s).partialFrameLimit());
        counter("dosp.guard.auth.checked", "AUTH attempts whose token was compared", s -> guard(s).authChecked());
        counter("dosp.guard.auth.throttled", "AUTH attempts refused without comparing the token", s -> guard(s).authThrottled());
        counter("dosp.guard.auth.bans", "Addresses that used up their AUTH failures", s -> guard(s).authBans());
        counter("dosp.guard.log.lines.suppressed", "Log lines a peer caused that were held back",
                s -> guard(s).logLinesSuppressed());
        counter("dosp.guard.function.calls.admitted", "FN calls admitted to the function threads",
                s -> guard(s).functionCallsAdmitted());
        gauge("dosp.guard.function.calls.in.flight", "FN calls waiting or running now", s -> guard(s).functionCallsInFlight());
        counter("dosp.guard.inflated.bytes", "Bytes compressed frames inflated to", s -> guard(s).inflatedBytes());
        counter("dosp.guard.inflate.deferrals", "Times a connection's inflation waited", s -> guard(s).inflateDeferrals());
        counter("dosp.guard.metered.replies", "GCL and GSI replies sent under the reply rate limit",
                s -> guard(s).meteredReplies());
        counter("dosp.guard.metered.reply.bytes", "Their bytes", s -> guard(s).meteredReplyBytes());
        for (String state : PEER_STATES) {
            Gauge.builder("dosp.peer.links", this,
                            m -> m.now.peers.stream().filter(p -> p.state().equals(state)).count())
                    .description("Outgoing federation peer links, by state").tag("state", state.toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        gauge("dosp.routes", "Federation routes in the routing table", s -> s.routes);
        gauge("dosp.network.entries", "Network directory entries held (clients, memberships, name claims)",
                s -> net(s).entries());
        gauge("dosp.network.origins", "Servers known to the network directory, this one included", s -> net(s).origins());
        gauge("dosp.network.origins.reachable", "Of those, the ones reachable now", s -> net(s).reachableOrigins());
        gauge("dosp.network.clients", "Clients in the network directory of reachable servers", s -> net(s).clients());
        counter("dosp.network.updates", "Directory updates applied from peer links", s -> net(s).updates());
        counter("dosp.network.duplicates", "Directory updates received again, ignored", s -> net(s).duplicates());
        counter("dosp.network.gaps", "Gaps in an origin's directory sequence", s -> net(s).gaps());
        counter("dosp.network.snapshots", "Directory snapshots applied", s -> net(s).snapshots());
        counter("dosp.network.refused", "Directory updates refused over a bound", s -> net(s).refused());
        counter("dosp.network.malformed", "Malformed directory frames from peer links", s -> net(s).malformed());
        counter("dosp.network.link.drops", "Directory frames a full link queue did not take", s -> net(s).linkDrops());
        counter("dosp.network.group.messages", "Group messages handled (first copies)", s -> net(s).groupMessages());
        counter("dosp.network.group.duplicates", "Copies of group messages suppressed", s -> net(s).groupDuplicates());
        counter("dosp.network.hop.limit", "Group messages and updates stopped by the hop limit", s -> net(s).hopLimit());
        counter("dosp.network.dedup.evicted.young", "Message ids evicted early from the duplicate filter",
                s -> net(s).dedupEvictedYoung());
        counter("dosp.network.group.delivered", "Group messages delivered to local members", s -> net(s).groupDelivered());
        counter("dosp.network.group.missed", "Group messages a local member did not get", s -> net(s).groupMissed());
        counter("dosp.network.presence.events", "Presence events sent to local watchers", s -> net(s).presenceEvents());
        gauge("dosp.network.remote.contacts", "Remote vIPs whose local contacts are kept for peer-gone notices",
                s -> net(s).remoteContacts());
        counter("dosp.network.remote.contacts.untracked", "Remote contacts not kept (bound of remote vIPs reached)",
                s -> net(s).remoteContactsUntracked());
        counter("dosp.ext.peer.gone.sent", "PEER_GONE notices queued to clients", s -> s.stats.extensions().peerGoneSent());
        counter("dosp.ext.peer.gone.refused", "PEER_GONE notices a client's queue refused",
                s -> s.stats.extensions().peerGoneRefused());
        refreshPeerMeters(now.peers);
    }

    /** Takes a new snapshot from the server; call before each scrape. */
    public void refresh() {
        Snapshot s = take();
        now = s;
        refreshPeerMeters(s.peers);
    }

    private Snapshot take() {
        return new Snapshot(server.stats(), server.peers(), server.routes().size(), server.isListening());
    }

    private static FlowStats flow(Snapshot s) {
        return s.stats.flow();
    }

    private static NetworkStats net(Snapshot s) {
        return s.stats.network();
    }

    private static GuardStats guard(Snapshot s) {
        return s.stats.guard();
    }

    private void counter(String name, String help, ToDoubleFunction<Snapshot> f) {
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.now)).description(help).register(registry);
    }

    private void gauge(String name, String help, ToDoubleFunction<Snapshot> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.now)).description(help).register(registry);
    }

    private synchronized void refreshPeerMeters(List<PeerStatus> peers) {
        Set<String> present = peers.stream().map(PeerStatus::address).collect(Collectors.toSet());
        peerMeters.entrySet().removeIf(e -> {
            if (present.contains(e.getKey())) {
                return false;
            }
            e.getValue().forEach(registry::remove);
            return true;
        });
        for (String address : present) {
            peerMeters.computeIfAbsent(address, this::registerPeer);
        }
    }

    private List<Meter> registerPeer(String address) {
        Tags tags = Tags.of("peer", address);
        List<Meter> meters = new ArrayList<>();
        meters.add(FunctionCounter.builder("dosp.peer.forwarded", this, m -> peer(m, address).forwarded())
                .description("S2C forwarded over the link").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("dosp.peer.dropped", this, m -> peer(m, address).dropped())
                .description("S2C dropped because the link's queue was full").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("dosp.peer.reconnects", this, m -> peer(m, address).reconnects())
                .description("Reconnect attempts of the link").tags(tags).register(registry));
        meters.add(Gauge.builder("dosp.peer.up", this, m -> "UP".equals(peer(m, address).state()) ? 1 : 0)
                .description("1 while the link is up").tags(tags).register(registry));
        meters.add(Gauge.builder("dosp.peer.routes", this, m -> peer(m, address).routesVia())
                .description("Best routes through the link").tags(tags).register(registry));
        return meters;
    }

    private static final PeerStatus GONE = new PeerStatus("", "REMOVED", false, 0, 0, 0, 0, "", "");

    private static PeerStatus peer(ServerMetrics m, String address) {
        for (PeerStatus p : m.now.peers) {
            if (p.address().equals(address)) {
                return p;
            }
        }
        return GONE;
    }
}
