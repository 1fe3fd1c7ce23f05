package io.dosp.server.internal.runtime;

import io.dosp.protocol.ServerExitReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStats;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.FrameMemory;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.access.AccessControl;
import io.dosp.server.internal.access.Admission;
import io.dosp.server.internal.admin.AdminCommands;
import io.dosp.server.internal.admin.AdminPackets;
import io.dosp.server.internal.admin.AdminTokens;
import io.dosp.server.internal.admin.Lifecycle;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.cluster.ClusterContext;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.cluster.ClusterPlugin;
import io.dosp.server.internal.dispatch.PacketDispatcher;
import io.dosp.server.internal.dispatch.S2cFailures;
import io.dosp.server.internal.ext.ClientExtensions;
import io.dosp.server.internal.ext.PeerGoneNotices;
import io.dosp.server.internal.ext.ResumeFeature;
import io.dosp.server.internal.federation.Federation;
import io.dosp.server.internal.federation.Forwarder;
import io.dosp.server.internal.federation.IncomingLinks;
import io.dosp.server.internal.network.NetLinks;
import io.dosp.server.internal.network.Network;
import io.dosp.server.internal.network.NetworkLinks;
import io.dosp.server.internal.hooks.ServerHooks;
import io.dosp.server.internal.routing.RemoteRoute;
import io.dosp.server.internal.routing.ServerRouter;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.InboundGuard;
import io.dosp.server.internal.session.RemoteContacts;
import io.dosp.server.internal.session.SessionSettings;
import io.dosp.server.internal.transport.Connections;
import io.dosp.server.internal.transport.ServerInitializer;
import io.dosp.server.internal.transport.WebSocketInitializer;
import io.netty.channel.group.ChannelGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The composition root: builds the server's parts from its configuration and wires them through
 * their constructors. Used by {@code DospServer} only; nothing else receives it (each part gets
 * its own collaborators). Thread-safe: immutable after construction, the parts are thread-safe.
 *
 * <p>Wiring order breaks the one cycle of the domain (forwarded S2C are routed; the router
 * forwards to peers): the {@link Forwarder} needs no router, the router takes it as its
 * {@link RemoteRoute}, and the federation and incoming links take the router.
 */
public final class ServerRuntime {
    private final Counters counters;
    private final AdminTokens tokens;
    private final AccessControl access;
    private final VipTable<ClientSession> vips;
    private final Admission admission;
    private final ServerRouter router;
    private final Optional<Federation> federation;
    private final ServerHooks hooks;
    private final Connections connections;
    private final ServerInitializer initializer;
    private final AdminCommands commands;
    private final Network network;
    private final Reconfigurer reconfigurer;
    private final WebSocketInitializer webSocketInitializer;
    private final Optional<ClusterNode> cluster;

    /** Builds every part for {@code config}; loads or generates the admin token. */
    public ServerRuntime(ServerConfig config) {
        this(config, Optional.empty());
    }

    /**
     * Builds every part for {@code config}, as a node of the cluster {@code plugin} joins when present (joined
     * after the vIP table and counters exist, before the router, which takes the node as its route to the other
     * nodes' holders).
     */
    public ServerRuntime(ServerConfig config, Optional<ClusterPlugin> plugin) {
        MemoryBudget budget = new MemoryBudget(config.limits().memoryBudget());
        FrameMemory frameMemory = new FrameMemory(budget, config.limits().partialFrameMemory());
        this.counters = new Counters(budget, frameMemory);
        PeerLog log = PeerLog.of(config.limits(), counters);
        this.tokens = AdminTokens.load(config.access().adminTokens(), config.access().adminTokenFile());
        this.access = new AccessControl(config);
        this.vips = new VipTable<>(config.template(), config.access().blockedVips(), config.limits().vipQuarantine(),
                System::nanoTime);
        this.admission = new Admission(access, vips, counters, config.limits().maxClients(), config.limits().maxAcceptRate(),
                config.limits().maxConnectionsPerAddress(), log);
        Optional<Forwarder> forwarder = config.federation().enabled() ? Optional.of(new Forwarder(config, log)) : Optional.empty();
        this.cluster = plugin.map(p -> p.join(new ClusterContext(config, vips, counters,
                ClientAdmission.routable(config.admission()), log)));
        RemoteContacts remoteContacts = new RemoteContacts();
        this.router = new ServerRouter(vips, forwarder.map(RemoteRoute.class::cast),
                ClientAdmission.routable(config.admission()), remoteContacts, cluster);
        this.federation = forwarder.map(f -> new Federation(config, router, f, log));
        cluster.ifPresent(node -> federation.ifPresent(f -> f.cluster(node))); // peers see the cluster as one server
        Optional<IncomingLinks> links = federation.map(f -> new IncomingLinks(config, router, f, log, counters));
        this.hooks = new ServerHooks(counters, config.functions(), log);
        ClientAdmission clientAdmission = new ClientAdmission(config.admission(), config.limits(), vips, counters,
                s -> links.map(l -> l.isAuthenticatedPeer(s)).orElse(false), log);
        NetLinks fedLinks = federation.<NetLinks>map(f -> new NetworkLinks(f.peerLinks(), NetLinks.randomId()))
                .orElse(NetLinks.NONE);
        NetLinks netLinks = cluster.map(c -> c.networkLinks(fedLinks)).orElse(fedLinks); // every node an origin
        this.network = new Network(vips, netLinks, clientAdmission, Network.Settings.of(config.network()),
                config.federation().maxHops(), log);
        this.commands = new AdminCommands(access, vips, router, admission, counters, federation, clientAdmission);
        commands.network(network);
        cluster.ifPresent(commands::cluster); // ops: admin commands, broadcasts and access lists cluster-wide
        AdminPackets admin = new AdminPackets(tokens, commands, router, counters, config.limits(), log);
        PeerGoneNotices peerGone = new PeerGoneNotices(vips, counters, remoteContacts);
        network.remoteGone(peerGone::remoteGone, remoteContacts);
        counters.network(network::stats);
        List<ClientExtensions.Feature> features = new ArrayList<>(List.of(peerGone));
        features.addAll(clientAdmission.features());
        features.addAll(network.features());
        features.addAll(hooks.features());
        // Cluster mode: resume secrets, and a lost node's clients taking their vIPs back on this node.
        Optional<ResumeFeature> resume = cluster.map(n -> new ResumeFeature(n, vips, clientAdmission, log));
        resume.ifPresent(features::add);
        ClientExtensions extensions = new ClientExtensions(features, log);
        resume.ifPresent(r -> r.extensions(extensions));
        PacketDispatcher dispatcher = new PacketDispatcher(hooks, access, router, vips, admin, counters, links,
                config.federation().maxHops(), extensions, clientAdmission, log, cluster);
        this.connections = new Connections(admission, clientAdmission, vips, SessionSettings.of(config), counters,
                dispatcher, hooks, links, budget, new S2cFailures(router, links),
                InboundGuard.Settings.of(config.limits(), frameMemory), extensions, log, cluster);
        this.initializer = new ServerInitializer(config, connections);
        this.webSocketInitializer = config.webSocket().enabled()
                ? new WebSocketInitializer(config, initializer, counters, log, frameMemory) : null;
        cluster.ifPresent(c -> c.serve(commands.clusterServices())); // ops: loads the cluster's access lists
        this.reconfigurer = new Reconfigurer(config, access, vips, tokens, admission, connections, initializer, federation,
                frameMemory);
    }

    /** Applies what can change live from a new configuration (a reload). */
    public Reconfigurer reconfigurer() {
        return reconfigurer;
    }

    /** Wires the admin commands {@code reload} and {@code drain}. */
    public void lifecycle(Lifecycle lifecycle) {
        commands.lifecycle(lifecycle);
    }

    /** The generated admin token, or null when tokens are configured. */
    public String generatedAdminToken() {
        return tokens.generated();
    }

    /** Completes when the clients of the last drain have gone. */
    public java.util.concurrent.CompletableFuture<Void> drained() {
        return connections.drained();
    }

    /** Whether a drain refuses new connections. */
    public boolean draining() {
        return admission.draining();
    }

    /** Lame duck: refuse new connections, send the clients EXIT {@code exitText} spread over {@code over}. */
    public int drain(java.time.Duration over, String exitText) {
        return connections.drain(over, exitText);
    }

    /**
     * Lame duck with EXIT {@code reason} ({@code Server draining}) and a reconnect hint: {@code configured}
     * ({@code drainRedirect}) when it is not empty, else, on a cluster node, the other live nodes that are not
     * draining (rotated from client to client, so that the clients spread over them). A cluster node is marked
     * draining cluster-wide first. Returns how many clients will be told; {@link #drainText()} is the refusal.
     */
    public int drain(java.time.Duration over, ServerExitReason reason, List<String> configured) {
        Hint hint = hint(reason, configured);
        return connections.drain(over, hint.text(0), hint::text);
    }

    /** The EXIT text a draining server refuses newcomers with; null when it is not draining. */
    public String drainText() {
        return admission.drainText();
    }

    /**
     * Stops admitting and sends every client EXIT {@code reason} with the reconnect hint of
     * {@link #drain(java.time.Duration, ServerExitReason, List)}, every peer link to us EXIT {@code reason}; a cluster
     * node marks its clients' vIPs moving first, so that they can take them back on another node.
     */
    public void beginShutdown(ServerExitReason reason, List<String> configured) {
        connections.shutdown(reason, hint(reason, configured)::text);
    }

    private Hint hint(ServerExitReason reason, List<String> configured) {
        List<String> nodes = cluster.map(ClusterNode::drainStarted).orElse(List.of());
        return configured.isEmpty() && !nodes.isEmpty() ? new Hint(reason, nodes) : new Hint(reason, configured, false);
    }

    /** A reconnect hint: {@code targets} in order, or rotated by the client's index. */
    private record Hint(ServerExitReason reason, List<String> targets, boolean rotate) {
        Hint(ServerExitReason reason, List<String> targets) {
            this(reason, targets, true);
        }

        String text(int client) {
            if (!rotate || targets.size() < 2) {
                return reason.withRedirect(targets);
            }
            List<String> r = new ArrayList<>(targets);
            java.util.Collections.rotate(r, -Math.floorMod(client, targets.size()));
            return reason.withRedirect(r);
        }
    }

    /** The pipeline for every listener (TCP and in-process). */
    public ServerInitializer initializer() {
        return initializer;
    }

    /** The pipeline of the WebSocket listener, in front of {@link #initializer()}'s; null when it is off. */
    public WebSocketInitializer webSocketInitializer() {
        return webSocketInitializer;
    }

    /** The generated admin token's file, or null when tokens were configured. */
    public Path adminTokenFile() {
        return tokens.generatedFile();
    }

    /** The admin tokens (constant-time comparison). */
    public AdminTokens tokens() {
        return tokens;
    }

    /** Ban list, whitelist and banned addresses. */
    public AccessControl access() {
        return access;
    }

    /** Listeners, functions and custom packet handlers. */
    public ServerHooks hooks() {
        return hooks;
    }

    /** The clients by vIP. */
    public VipTable<ClientSession> vips() {
        return vips;
    }

    /** Federation, when configured (peers or a mesh key). */
    public Optional<Federation> federation() {
        return federation;
    }

    /** Groups, names, presence and network views. */
    public Network network() {
        return network;
    }

    /** Server counters now. */
    public Counters counters() {
        return counters;
    }

    /** A snapshot of the counters. */
    public ServerStats stats() {
        return counters.snapshot(admission.connectedCount());
    }

    /**
     * Sends MSG {@code text} to every client; returns how many it was queued to. In cluster mode it is also published
     * once to the other nodes, which send it to theirs (not waited for: the count is this node's).
     */
    public int broadcast(String text) {
        int n = router.broadcast(text, null);
        cluster.ifPresent(c -> c.broadcast(text));
        return n;
    }

    /** Stops admitting and sends every client EXIT {@code clientText}, every peer link to us EXIT {@code reason}. */
    public void beginShutdown(ServerExitReason reason, String clientText) {
        connections.shutdown(reason, clientText);
    }

    /** Every accepted channel still open. */
    public ChannelGroup channels() {
        return connections.channels();
    }

    /** The TCP listener is bound at {@code hostPort} (not a wildcard): a cluster node may advertise it. */
    public void listening(String hostPort) {
        cluster.ifPresent(c -> c.listening(hostPort));
    }

    /** Leaves the cluster (cluster mode): this node's claims given back, its connection closed. */
    public void leaveCluster() {
        cluster.ifPresent(ClusterNode::close);
    }

    /** Stops the function threads. */
    public void shutdownFunctions() {
        hooks.shutdownFunctions();
    }
}
