package io.dosp.server.internal.transport;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.Disconnect;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.access.Admission;
import io.dosp.server.internal.ext.ClientExtensions;
import io.dosp.server.internal.admission.ClientAdmission;
import io.dosp.server.internal.cluster.ClusterNode;
import io.dosp.server.internal.cluster.ClusterUnavailableException;
import io.dosp.server.internal.federation.IncomingLinks;
import io.dosp.server.internal.hooks.ServerHooks;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.internal.session.InboundGuard;
import io.dosp.server.internal.session.SessionSettings;
import io.dosp.server.internal.session.UndeliveredS2c;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of each connection: a session for every admitted one (vIP bound, AIP and HSK sent,
 * its {@link InboundGuard} attached, listeners told), and when it goes its vIP, slot and link state freed. Also ends them all when
 * the server stops. Thread-safe: called on each connection's event loop.
 */
public final class Connections {
    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

    private final Admission admission;
    private final ClientAdmission clientAdmission;
    private final VipTable<ClientSession> vips;
    private volatile SessionSettings settings;
    private final Counters counters;
    private final ClientSession.PacketHandler handler;
    private final ServerHooks hooks;
    private final Optional<IncomingLinks> links;
    private final MemoryBudget budget;
    private final UndeliveredS2c undelivered;
    private volatile InboundGuard.Settings guard;
    private final ClientExtensions extensions;
    private final PeerLog log;
    /** This server as a cluster node: vIPs are claimed cluster-wide before a session opens. */
    private final Optional<ClusterNode> cluster;
    private final LogLimiter connectedLog;
    private final LogLimiter disconnectedLog;
    private volatile CompletableFuture<Void> drained = CompletableFuture.completedFuture(null);
    /** Every accepted channel, refused ones included, so shutdown can wait for them all. */
    private final ChannelGroup channels = new DefaultChannelGroup("dosp-clients", GlobalEventExecutor.INSTANCE);

    /**
     * Sessions with {@code settings} whose packets go to {@code handler}; {@code links} when federation
     * is on; what they hold counts against {@code budget}, their unwritten S2C go to {@code undelivered};
     * their inbound side is held to the deadlines and frame memory of {@code guard}; the client extension's
     * features hear of each departure ({@code extensions}: peer-gone notices); what peers send
     * reaches log lines through {@code log} (connection lines at its rate); {@code clientAdmission} gives each a
     * login deadline (client admission on) and forgets it when it goes.
     */
    public Connections(Admission admission, ClientAdmission clientAdmission, VipTable<ClientSession> vips, SessionSettings settings, Counters counters,
            ClientSession.PacketHandler handler, ServerHooks hooks, Optional<IncomingLinks> links, MemoryBudget budget,
            UndeliveredS2c undelivered, InboundGuard.Settings guard, ClientExtensions extensions, PeerLog log) {
        this(admission, clientAdmission, vips, settings, counters, handler, hooks, links, budget, undelivered, guard, extensions,
                log, Optional.empty());
    }

    /**
     * As above, as a node of {@code cluster} when present: a new connection's vIP is claimed in the cluster's
     * registry ({@link #openLater}) and given back to it when the session ends.
     */
    public Connections(Admission admission, ClientAdmission clientAdmission, VipTable<ClientSession> vips, SessionSettings settings, Counters counters,
            ClientSession.PacketHandler handler, ServerHooks hooks, Optional<IncomingLinks> links, MemoryBudget budget,
            UndeliveredS2c undelivered, InboundGuard.Settings guard, ClientExtensions extensions, PeerLog log,
            Optional<ClusterNode> cluster) {
        this.cluster = cluster;
        this.admission = admission;
        this.clientAdmission = clientAdmission;
        this.vips = vips;
        this.settings = settings;
        this.counters = counters;
        this.handler = handler;
        this.hooks = hooks;
        this.links = links;
        this.budget = budget;
        this.undelivered = undelivered;
        this.guard = guard;
        this.extensions = extensions;
        this.log = log;
        this.connectedLog = log.limiter("client.connected");
        this.disconnectedLog = log.limiter("client.disconnected");
    }

    /** A new connection: refuse it (EXIT, close; returns null) or give it a session with a vIP, AIP and HSK. */
    public ClientSession open(Channel channel) {
        counters.accepted();
        channels.add(channel);
        Optional<Vip> vip = admission.admit(channel);
        if (vip.isEmpty()) {
            return null;
        }
        return openWith(channel, vip.get());
    }

    /** Whether new connections open through {@link #openLater} (cluster mode) rather than {@link #open}. */
    public boolean clustered() {
        return cluster.isPresent();
    }

    /**
     * A new connection of a cluster node (called on its event loop, its reading off): admitted, then its vIP
     * claimed in the cluster's registry without blocking the loop; back on the loop, {@code opened} gets its
     * session with AIP and HSK sent (the caller turns reading on), or null after refusing it (EXIT: cluster
     * unavailable) or when it closed meanwhile (its claim and slot given back).
     */
    public void openLater(Channel channel, Consumer<ClientSession> opened) {
        counters.accepted();
        channels.add(channel);
        if (!admission.admitSlot(channel)) {
            opened.accept(null);
            return;
        }
        ClusterNode node = cluster.orElseThrow();
        node.allocate().whenComplete((vip, error) -> {
            try {
                channel.eventLoop().execute(() -> opened.accept(claimed(channel, node, vip, error)));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                if (vip != null) {
                    node.released(vip); // the server is stopping: its loops take no more tasks
                }
            }
        });
    }

    /** On the connection's loop: the outcome of its cluster-wide vIP claim. */
    private ClientSession claimed(Channel channel, ClusterNode node, Vip vip, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String text = cause instanceof ClusterUnavailableException ? cause.getMessage() : "cluster unavailable";
            if (!(cause instanceof ClusterUnavailableException)) {
                LOG.warn("Could not claim a vIP in the cluster for {}: {}", channel.remoteAddress(), cause.toString());
            }
            admission.refuseAdmitted(channel, text);
            return null;
        }
        if (!channel.isActive()) {
            node.released(vip);
            admission.left(channel.remoteAddress());
            return null;
        }
        if (!vips.claimable(vip)) {
            node.released(vip); // blocked or taken here meanwhile
            admission.refuseAdmitted(channel, "cluster unavailable: try again");
            return null;
        }
        return openWith(channel, vip);
    }

    /** Opens the session of an admitted {@code channel} holding {@code vip}. */
    private ClientSession openWith(Channel channel, Vip vip0) {
        Optional<Vip> vip = Optional.of(vip0);
        SessionSettings settings = this.settings;
        ClientSession s = new ClientSession(channel, vip.get(), settings, counters, handler, budget, undelivered, log);
        InboundGuard.attach(s, channel, guard, counters);
        if (cluster.isPresent()) {
            vips.bindClaimed(vip.get(), s);
        } else {
            vips.bind(vip.get(), s);
        }
        DospCodec codec = channel.pipeline().get(DospCodec.class);
        if (codec != null) {
            codec.decoder().interceptor(handler.frameInterceptor(s));
        }
        s.deliver(Packets.aip(vip.get()));
        s.deliver(Packets.hsk(Handshake.standard(settings.compression())));
        clientAdmission.opened(s);
        extensions.opened(s);
        if (connectedLog.allow()) {
            LOG.atInfo().setMessage("Client connected: vip={} remote={}{}").addArgument(vip.get())
                    .addArgument(channel.remoteAddress()).addArgument(connectedLog.heldBackNote())
                    .addKeyValue("event", "client_connected").addKeyValue("vip", vip.get().toString())
                    .addKeyValue("remote", String.valueOf(channel.remoteAddress()).replaceFirst("^/", "")).log();
        }
        hooks.connected(s);
        return s;
    }

    /**
     * The connection of {@code s} is gone: tell the extension's features (peer-gone notices, queued before the vIP
     * can be someone else's), free its vIP, slot and link state, tell the listeners.
     */
    public void closed(ClientSession s) {
        Vip vip = s.vip();
        Disconnect d = s.disconnectInfo();
        extensions.left(s, vip, d);
        if (vips.release(vip, s)) {
            cluster.ifPresent(c -> c.released(vip));
        }
        admission.left(s.remoteAddress());
        clientAdmission.closed(s);
        links.ifPresent(l -> l.closed(s));
        if (disconnectedLog.allow()) {
            // The reason is the client's own text when it sent EXIT: escaped and cut, it cannot forge a line.
            String reason = d.reason().isEmpty() ? (d.code() == null ? "-" : d.code().name()) : log.text(d.reason());
            LOG.atInfo().setMessage("Client disconnected: vip={} remote={} by={} reason={}{}").addArgument(vip)
                    .addArgument(s.remoteAddress()).addArgument(d.initiator()).addArgument(reason)
                    .addArgument(disconnectedLog.heldBackNote())
                    .addKeyValue("event", "client_disconnected").addKeyValue("vip", vip.toString())
                    .addKeyValue("remote", String.valueOf(s.remoteAddress()).replaceFirst("^/", ""))
                    .addKeyValue("by", String.valueOf(d.initiator())).addKeyValue("reason", reason).log();
        }
        hooks.disconnected(s, d);
    }

    /**
     * Stops admitting and sends every client EXIT {@code clientText} (the reason's text, with a
     * reconnect hint when one is configured) and every peer link to us EXIT {@code reason}.
     */
    public void shutdown(ServerExitReason reason, String clientText) {
        shutdown(reason, i -> clientText);
    }

    /**
     * As {@link #shutdown(ServerExitReason, String)}, the {@code i}-th client getting EXIT {@code clientText(i)}; a
     * cluster node first marks each client's vIP {@code moving} in the registry (see {@link ClusterNode#moving}), so
     * that it can take it back on another node.
     */
    public void shutdown(ServerExitReason reason, IntFunction<String> clientText) {
        admission.stop();
        extensions.stop();
        List<ClientSession> clients = List.copyOf(vips.holders());
        for (int i = 0; i < clients.size(); i++) {
            ClientSession s = clients.get(i);
            String text = clientText.apply(i);
            if (cluster.isPresent() && !s.isAdmin()) {
                handOver(cluster.get(), s, text);
            } else {
                s.disconnect(text);
            }
        }
        links.ifPresent(l -> l.disconnectAll(reason));
    }

    /** Marks the vIP of {@code s} moving in the cluster, then (on its loop) sends it EXIT {@code text}. */
    private static void handOver(ClusterNode node, ClientSession s, String text) {
        node.moving(s.vip()).whenComplete((ok, error) -> {
            try {
                s.eventLoop().execute(() -> s.disconnect(text));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                s.disconnect(text); // the server is stopping: its loops take no more tasks
            }
        });
    }

    /**
     * Lame duck: refuses new connections with EXIT {@code exitText}, and sends it to every client that
     * is not an admin, spread evenly over {@code over} (the first at once, each on its own event loop),
     * so that they do not all reconnect elsewhere in the same instant. Admin sessions and peer links stay
     * until the server stops. Returns how many clients will be told; {@link #drained()} completes when
     * they have all gone.
     */
    public int drain(Duration over, String exitText) {
        return drain(over, exitText, i -> exitText);
    }

    /**
     * As {@link #drain(Duration, String)}, the {@code i}-th client getting EXIT {@code clientText(i)} (a cluster node
     * rotates the other nodes' addresses in the hint, so that its clients spread over them); newcomers are refused
     * with {@code exitText}. A cluster node marks each client's vIP {@code moving} just before its EXIT (see
     * {@link ClusterNode#moving}).
     */
    public int drain(Duration over, String exitText, IntFunction<String> clientText) {
        admission.drain(exitText);
        List<ClientSession> clients = vips.holders().stream().filter(s -> !s.isAdmin()).toList();
        int n = clients.size();
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(n);
        if (n == 0) {
            all.complete(null);
        }
        for (ClientSession s : clients) {
            s.closeFuture().addListener(f -> {
                if (left.decrementAndGet() == 0) {
                    all.complete(null);
                }
            });
        }
        drained = all;
        long step = n == 0 ? 0 : over.toNanos() / n;
        for (int i = 0; i < n; i++) {
            ClientSession s = clients.get(i);
            long delay = step * i;
            String text = clientText.apply(i);
            Runnable send = cluster.isPresent() ? () -> handOver(cluster.get(), s, text) : () -> s.disconnect(text);
            try {
                if (delay == 0) {
                    s.eventLoop().execute(send);
                } else {
                    s.eventLoop().schedule(send, delay, TimeUnit.NANOSECONDS);
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                s.disconnect(text); // the server is stopping: its loops take no more tasks
            }
        }
        LOG.atInfo().setMessage("Draining: refusing new connections, closing {} clients over {} ms")
                .addArgument(n).addArgument(over.toMillis())
                .addKeyValue("event", "drain").addKeyValue("clients", n).addKeyValue("duration_ms", over.toMillis()).log();
        return n;
    }

    /**
     * Settings for the sessions opened from now on (a reload): sessions already open keep the ones they
     * were opened with (their token buckets and flow limits are sized at open).
     */
    public void settings(SessionSettings settings, InboundGuard.Settings guard) {
        this.settings = settings;
        this.guard = guard;
    }

    /** Completes when every client the last drain sent away has gone (completed when there was no drain). */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /** Every accepted channel still open. */
    public ChannelGroup channels() {
        return channels;
    }
}
