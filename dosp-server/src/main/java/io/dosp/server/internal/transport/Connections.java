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
import io.dosp.server.internal.admission.ClientAdmission;
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
import java.util.Optional;
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
    private final SessionSettings settings;
    private final Counters counters;
    private final ClientSession.PacketHandler handler;
    private final ServerHooks hooks;
    private final Optional<IncomingLinks> links;
    private final MemoryBudget budget;
    private final UndeliveredS2c undelivered;
    private final InboundGuard.Settings guard;
    private final PeerLog log;
    private final LogLimiter connectedLog;
    private final LogLimiter disconnectedLog;
    /** Every accepted channel, refused ones included, so shutdown can wait for them all. */
    private final ChannelGroup channels = new DefaultChannelGroup("dosp-clients", GlobalEventExecutor.INSTANCE);

    /**
     * Sessions with {@code settings} whose packets go to {@code handler}; {@code links} when federation
     * is on; what they hold counts against {@code budget}, their unwritten S2C go to {@code undelivered};
     * their inbound side is held to the deadlines and frame memory of {@code guard}; what peers send
     * reaches log lines through {@code log} (connection lines at its rate); {@code clientAdmission} gives each a
     * login deadline (client admission on) and forgets it when it goes.
     */
    public Connections(Admission admission, ClientAdmission clientAdmission, VipTable<ClientSession> vips, SessionSettings settings, Counters counters,
            ClientSession.PacketHandler handler, ServerHooks hooks, Optional<IncomingLinks> links, MemoryBudget budget,
            UndeliveredS2c undelivered, InboundGuard.Settings guard, PeerLog log) {
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
        ClientSession s = new ClientSession(channel, vip.get(), settings, counters, handler, budget, undelivered, log);
        InboundGuard.attach(s, channel, guard, counters);
        vips.bind(vip.get(), s);
        DospCodec codec = channel.pipeline().get(DospCodec.class);
        if (codec != null) {
            codec.decoder().interceptor(handler.frameInterceptor(s));
        }
        s.deliver(Packets.aip(vip.get()));
        s.deliver(Packets.hsk(Handshake.standard(settings.compression())));
        clientAdmission.opened(s);
        if (connectedLog.allow()) {
            LOG.info("Client connected: vip={} remote={}{}", vip.get(), channel.remoteAddress(),
                    connectedLog.heldBackNote());
        }
        hooks.connected(s);
        return s;
    }

    /** The connection of {@code s} is gone: free its vIP, slot and link state, tell the listeners. */
    public void closed(ClientSession s) {
        Vip vip = s.vip();
        vips.release(vip, s);
        admission.left(s.remoteAddress());
        clientAdmission.closed(s);
        links.ifPresent(l -> l.closed(s));
        Disconnect d = s.disconnectInfo();
        if (disconnectedLog.allow()) {
            // The reason is the client's own text when it sent EXIT: escaped and cut, it cannot forge a line.
            LOG.info("Client disconnected: vip={} remote={} by={} reason={}{}", vip,
                    s.remoteAddress(), d.initiator(),
                    d.reason().isEmpty() ? (d.code() == null ? "-" : d.code().name()) : log.text(d.reason()),
                    disconnectedLog.heldBackNote());
        }
        hooks.disconnected(s, d);
    }

    /** Stops admitting and sends every client and peer link to us EXIT {@code reason}. */
    public void shutdown(ServerExitReason reason) {
        admission.stop();
        for (ClientSession s : vips.holders()) {
            s.disconnect(reason);
        }
        links.ifPresent(l -> l.disconnectAll(reason));
    }

    /** Every accepted channel still open. */
    public ChannelGroup channels() {
        return channels;
    }
}
