package io.dosp.server.internal;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipAllocator;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.ConnectedClient;
import io.dosp.server.CustomPacketHandler;
import io.dosp.server.Disconnect;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerFunction;
import io.dosp.server.ServerListener;
import io.dosp.server.ServerStats;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state every connection shares: the vIP table and allocator, access control, hooks,
 * functions and counters; and the operations that touch more than one client (routing, RQIP,
 * broadcast). Thread-safe: called from every event loop.
 */
public final class ServerCore {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);

    final ServerConfig config;
    final Counters counters = new Counters();
    final AccessControl access;
    final AdminTokens tokens;
    final AdminCommands admin;
    private final VipAllocator allocator;
    private final ConcurrentHashMap<Integer, ClientSession> byVip = new ConcurrentHashMap<>();
    private final Set<Vip> reservedByBlock = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connected = new AtomicInteger();
    private final Object vipLock = new Object();
    private final List<ServerListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, ServerFunction> functions = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<CustomPacketHandler> customHandlers = new AtomicReferenceArray<>(256);
    private final ThreadPoolExecutor functionExecutor;
    private volatile boolean shuttingDown;
    private final TokenBucket acceptBucket;
    /** Federation, or null when no peers and no mesh key are configured. */
    final io.dosp.server.internal.federation.Federation federation;
    /** Every accepted channel, refused ones included, so shutdown can wait for them all. */
    final io.netty.channel.group.ChannelGroup channels =
            new io.netty.channel.group.DefaultChannelGroup("dosp-clients", io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    /** Builds the shared state; loads or generates the admin token. */
    public ServerCore(ServerConfig config) {
        this.config = config;
        this.access = new AccessControl(config);
        this.tokens = AdminTokens.load(config.access().adminTokens(), config.access().adminTokenFile());
        this.allocator = new VipAllocator(config.template());
        for (Vip v : config.access().blockedVips()) {
            reserveBlocked(v);
        }
        this.admin = new AdminCommands(this);
        this.acceptBucket = config.limits().maxAcceptRate() > 0 ? new TokenBucket(config.limits().maxAcceptRate(), System.nanoTime()) : null;
        this.federation = config.federation().enabled() ? new io.dosp.server.internal.federation.Federation(config, this) : null;
        AtomicInteger n = new AtomicInteger();
        this.functionExecutor = new ThreadPoolExecutor(config.functions().threads(), config.functions().threads(), 60,
                TimeUnit.SECONDS, config.functions().queue() == 0 ? new java.util.concurrent.SynchronousQueue<>()
                        : new LinkedBlockingQueue<>(config.functions().queue()), r -> {
                            Thread t = new Thread(r, "dosp-fn-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** The generated admin token's file, or null when tokens were configured. */
    public java.nio.file.Path adminTokenFile() {
        return tokens.generatedFile();
    }

    // ---- connections ----

    /** A new connection: refuse it (EXIT, close; returns null) or give it a vIP, AIP and HSK. */
    public ClientSession accept(Channel channel) {
        counters.accepted.increment();
        channels.add(channel);
        if (shuttingDown) {
            refuse(channel, "Server shutting down", null);
            return null;
        }
        if (channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && access.isAddressBanned(a.getAddress().getHostAddress())) {
            refuse(channel, "Your address is banned", DropReason.BANNED);
            return null;
        }
        if (acceptBucket != null) {
            boolean over;
            synchronized (acceptBucket) { // shared by the event loops that accept
                long now = System.nanoTime();
                over = acceptBucket.take(1, now) > 0;
                if (over) {
                    acceptBucket.take(-1, now); // a refused connection costs no token
                }
            }
            if (over) {
                refuse(channel, "Too many new connections, retry later", DropReason.ACCEPT_RATE);
                return null;
            }
        }
        if (connected.incrementAndGet() > config.limits().maxClients()) {
            connected.decrementAndGet();
            refuse(channel, "Server full", DropReason.SERVER_FULL);
            return null;
        }
        Optional<Vip> vip = allocator.allocate();
        if (vip.isEmpty()) {
            connected.decrementAndGet();
            refuse(channel, "Server full", DropReason.SERVER_FULL);
            return null;
        }
        ClientSession s = new ClientSession(this, channel, vip.get());
        byVip.put(vip.get().value(), s);
        s.deliver(Packets.aip(vip.get()));
        s.deliver(Packets.hsk(Handshake.standard(config.compression())));
        LOG.info("Client connected: vip={} remote={}", vip.get(), channel.remoteAddress());
        for (ServerListener l : listeners) {
            try {
                l.onConnect(s);
            } catch (RuntimeException e) {
                LOG.warn("ServerListener.onConnect failed for {}", s, e);
            }
        }
        return s;
    }

    private void refuse(Channel channel, String reason, DropReason drop) {
        if (drop != null) {
            counters.drop(drop);
        }
        LOG.info("Refusing connection from {}: {}", channel.remoteAddress(), reason);
        channel.writeAndFlush(Packets.serverExit(reason)).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    /** The connection of {@code s} is gone: free its vIP and slot, tell the listeners. */
    public void removed(ClientSession s) {
        Vip vip;
        synchronized (vipLock) {
            vip = s.vip();
            if (byVip.remove(vip.value(), s)) {
                freeLocked(vip);
            }
        }
        connected.decrementAndGet();
        linkSessions.remove(s);
        if (federation != null) {
            federation.sessionClosed(s);
        }
        Disconnect d = s.disconnectInfo();
        LOG.info("Client disconnected: vip={} remote={} by={} reason={}", vip, s.remoteAddress(), d.initiator(),
                d.reason().isEmpty() ? (d.code() == null ? "-" : d.code().name()) : d.reason());
        for (ServerListener l : listeners) {
            try {
                l.onDisconnect(s, d);
            } catch (RuntimeException e) {
                LOG.warn("ServerListener.onDisconnect failed for {}", s, e);
            }
        }
    }

    /**
     * Takes an authenticated peer link out of the client vIP space: its vIP is freed for clients,
     * GCL no longer lists it and nothing routes to it (the link carries traffic, it is not a client).
     */
    public void detachFromVipSpace(ClientSession s) {
        synchronized (vipLock) {
            Vip vip = s.vip();
            if (byVip.remove(vip.value(), s)) {
                allocator.release(vip);
            }
        }
        linkSessions.add(s);
    }

    /** Authenticated peer link sessions (outside the vIP space). */
    private final Set<ClientSession> linkSessions = ConcurrentHashMap.newKeySet();

    /** Every session now. */
    public Collection<ClientSession> sessions() {
        return byVip.values();
    }

    /** A session by vIP. */
    public Optional<ClientSession> session(Vip vip) {
        return Optional.ofNullable(byVip.get(vip.value()));
    }

    List<Vip> localVips() {
        List<Vip> out = new ArrayList<>(byVip.size());
        for (ClientSession s : byVip.values()) {
            out.add(s.vip());
        }
        out.sort(null);
        return out;
    }

    int connectedCount() {
        return connected.get();
    }

    /** Server counters now. */
    public ServerStats stats() {
        return counters.snapshot(connected.get());
    }

    // ---- routing ----

    /**
     * Routes an S2C (SRC already decided) to the local holder of DST, or over federation when DST is
     * outside our template; {@code fromPeer} (or null) is never routed back to.
     */
    public RouteResult route(S2cPacket packet, int hopLimit, String fromPeer) {
        ClientSession target = byVip.get(packet.dstValue());
        if (target != null) {
            return target.deliver(packet);
        }
        if (federation != null && !config.template().contains(packet.dst())) {
            return federation.forward(packet, hopLimit, fromPeer);
        }
        return RouteResult.NO_ROUTE;
    }

    /** Federation, when enabled. */
    public java.util.Optional<io.dosp.server.internal.federation.Federation> federation() {
        return java.util.Optional.ofNullable(federation);
    }

    /** Sends MSG {@code text} to every client but {@code except}; returns how many got it. */
    public int broadcast(String text, ClientSession except) {
        SimplePacket msg = Packets.msg(text);
        int n = 0;
        for (ClientSession s : byVip.values()) {
            if (s != except && s.deliver(msg) == RouteResult.DELIVERED) {
                n++;
            }
        }
        return n;
    }

    /**
     * Moves {@code s} to {@code wanted} atomically (spec 5.5): the old vIP is freed and no longer
     * routes to it. Returns null on success, else the {@code E:} reason.
     */
    String moveVip(ClientSession s, Vip wanted) {
        VipTemplate t = config.template();
        if (access.isBlocked(wanted)) {
            return RqipReply.CANNOT_BE_USED;
        }
        if (!t.contains(wanted)) {
            return "IP outside this server's range " + t;
        }
        if (!t.isAssignable(wanted)) {
            return RqipReply.CANNOT_BE_USED; // network, server or broadcast address, or .0/.255
        }
        synchronized (vipLock) {
            Vip old = s.vip();
            if (old.equals(wanted)) {
                return null;
            }
            if (!allocator.reserve(wanted)) {
                return RqipReply.IN_USE;
            }
            byVip.put(wanted.value(), s);
            s.vip(wanted);
            byVip.remove(old.value(), s);
            freeLocked(old);
        }
        LOG.info("Client {} moved to requested vIP {}", s.remoteAddress(), wanted);
        return null;
    }

    boolean block(Vip vip) {
        boolean added = access.block(vip);
        reserveBlocked(vip);
        return added;
    }

    private void reserveBlocked(Vip vip) {
        VipTemplate t = config.template();
        if (t.contains(vip) && t.isAssignable(vip)) {
            synchronized (vipLock) {
                if (allocator.reserve(vip)) {
                    reservedByBlock.add(vip);
                }
            }
        }
    }

    /**
     * Returns a vIP a client gave up to the allocator, unless it was blocked while held: then it
     * stays reserved until unblocked, like a vIP blocked while free. Caller holds {@code vipLock}.
     */
    private void freeLocked(Vip vip) {
        if (access.isBlocked(vip)) {
            reservedByBlock.add(vip);
        } else {
            allocator.release(vip);
        }
    }

    boolean unblock(Vip vip) {
        boolean removed = access.unblock(vip);
        synchronized (vipLock) {
            if (reservedByBlock.remove(vip)) {
                allocator.release(vip);
            }
        }
        return removed;
    }

    // ---- hooks ----

    /** Adds a listener. */
    public void addListener(ServerListener l) {
        listeners.add(l);
    }

    /** Removes a listener. */
    public void removeListener(ServerListener l) {
        listeners.remove(l);
    }

    boolean notifyPacket(ClientSession s, Packet p) {
        for (ServerListener l : listeners) {
            try {
                if (l.onPacket(s, p)) {
                    return true;
                }
            } catch (RuntimeException e) {
                LOG.warn("ServerListener.onPacket failed for {} ({}); handling the packet normally", s, p, e);
            }
        }
        return false;
    }

    /** Registers (or with null removes) a function. */
    public void function(String name, ServerFunction fn) {
        if (fn == null) {
            functions.remove(name);
        } else {
            functions.put(name, fn);
        }
    }

    /** Registers (or with null removes) a custom-type handler. */
    public void customHandler(int type, CustomPacketHandler h) {
        customHandlers.set(type, h);
    }

    void callFunction(ClientSession s, String name) {
        ServerFunction fn = functions.get(name);
        if (fn == null) {
            s.deliver(Packets.err(ErrCode.FNF, name));
            return;
        }
        try {
            functionExecutor.execute(() -> {
                try {
                    String result = fn.call(s);
                    s.deliver(Packets.sa(result == null ? "" : result));
                } catch (Exception e) {
                    LOG.debug("Function {} failed for {}", name, s, e);
                    s.deliver(Packets.err(ErrCode.FF, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                } catch (Throwable t) {
                    LOG.error("Function {} failed for {}", name, s, t);
                    s.deliver(Packets.err(ErrCode.FF, "internal error"));
                }
            });
        } catch (RejectedExecutionException e) {
            counters.drop(DropReason.FUNCTION_REJECTED);
            s.deliver(Packets.err(ErrCode.FF, "Server busy"));
        }
    }

    void customPacket(ClientSession s, SimplePacket p) {
        CustomPacketHandler h = customHandlers.get(p.typeCode());
        if (h == null) {
            s.deliver(Packets.err(ErrCode.UKNP));
            return;
        }
        try {
            h.handle(s, p);
        } catch (Exception e) {
            LOG.warn("Handler for custom type 0x{} failed for {}", Integer.toHexString(p.typeCode()), s, e);
            s.deliver(Packets.err(ErrCode.FF, "handler failed"));
        }
    }

    // ---- shutdown ----

    /** Stops admitting and sends every client EXIT {@code reason}. */
    public void beginShutdown(String reason) {
        shuttingDown = true;
        for (ClientSession s : byVip.values()) {
            s.disconnect(reason);
        }
        for (ClientSession s : linkSessions) {
            s.disconnect(reason);
        }
    }

    /** Every accepted channel still open. */
    public io.netty.channel.group.ChannelGroup channels() {
        return channels;
    }

    /** Stops the function threads. */
    public void shutdownFunctions() {
        functionExecutor.shutdownNow();
    }

    /** A client view for the public API. */
    public static ConnectedClient view(ClientSession s) {
        return s;
    }
}
