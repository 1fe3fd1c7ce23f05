package io.dosp.server.internal.access;

import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.routing.VipTable;
import io.dosp.server.internal.session.TokenBucket;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a new connection may come in, checked in this order: the server is not shutting down, its
 * address is not banned, the accept rate allows it, its address has fewer than the per-address
 * limit of connections open ({@link AddressCounts}), a connection slot and a vIP are free. A
 * refused connection gets EXIT with the reason and is closed; the log line for each reason is
 * written at most once a second (with the number held back). Counts the open connections
 * (clients and peer links that arrived as clients), in total and per address.
 *
 * <p>Thread-safe: called from every event loop that accepts; the accept-rate bucket is shared
 * under its own lock.
 */
public final class Admission {
    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

    private final AccessControl access;
    private final VipTable<?> vips;
    private final Counters counters;
    private volatile int maxClients;
    /** Null when the accept rate is unlimited. */
    private volatile TokenBucket acceptBucket;
    private final AtomicInteger connected = new AtomicInteger();
    private final AddressCounts perAddress;
    /** Non-null while draining: the EXIT text new connections are refused with. */
    private volatile String drainText;
    private final Map<ServerExitReason, LogLimiter> refusalLog = new EnumMap<>(ServerExitReason.class);
    private volatile boolean shuttingDown;
    private final LogLimiter refusedLog;

    /**
     * Admits at most {@code maxClients} connections at once, {@code maxPerAddress} from one address
     * (0 for no limit) and {@code maxAcceptRate} new ones per second (0 for no limit), with vIPs
     * from {@code vips}; refusals are logged at the rate of {@code log}.
     */
    public Admission(AccessControl access, VipTable<?> vips, Counters counters, int maxClients, int maxAcceptRate,
            int maxPerAddress, PeerLog log) {
        this.access = access;
        this.vips = vips;
        this.counters = counters;
        this.maxClients = maxClients;
        this.acceptBucket = maxAcceptRate > 0 ? new TokenBucket(maxAcceptRate, System.nanoTime()) : null;
        this.perAddress = new AddressCounts(maxPerAddress);
        this.refusedLog = log.limiter("connection.refused");
    }

    /**
     * A slot and a vIP for a new connection (the caller binds the vIP to its session), or empty
     * after refusing the connection (EXIT sent, the channel closes once it is written).
     */
    public Optional<Vip> admit(Channel channel) {
        if (!admitSlot(channel)) {
            return Optional.empty();
        }
        Optional<Vip> vip = vips.allocate();
        if (vip.isEmpty()) {
            refuseAdmitted(channel, ServerExitReason.SERVER_FULL.text());
        }
        return vip;
    }

    /**
     * Every check of {@link #admit} but the vIP (cluster mode: the cluster's registry gives it): true when the
     * connection holds a slot now (given back by {@link #left} or {@link #refuseAdmitted}), false after refusing it.
     */
    public boolean admitSlot(Channel channel) {
        if (shuttingDown) {
            refuse(channel, ServerExitReason.SHUTTING_DOWN, null);
            return false;
        }
        String drain = drainText;
        if (drain != null) {
            refuse(channel, ServerExitReason.DRAINING, drain, DropReason.DRAINING);
            return false;
        }
        if (channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && access.isAddressBanned(a.getAddress().getHostAddress())) {
            refuse(channel, ServerExitReason.ADDRESS_BANNED, DropReason.BANNED);
            return false;
        }
        TokenBucket bucket = acceptBucket;
        if (bucket != null && overAcceptRate(bucket)) {
            refuse(channel, ServerExitReason.ACCEPT_RATE, DropReason.ACCEPT_RATE);
            return false;
        }
        InetAddress key = AddressKey.of(channel.remoteAddress());
        if (!perAddress.tryAcquire(key)) {
            refuse(channel, ServerExitReason.ADDRESS_LIMIT, DropReason.ADDRESS_LIMIT);
            return false;
        }
        if (connected.incrementAndGet() > maxClients) {
            connected.decrementAndGet();
            perAddress.release(key);
            refuse(channel, ServerExitReason.SERVER_FULL, DropReason.SERVER_FULL);
            return false;
        }
        return true;
    }

    /**
     * Refuses a connection that {@link #admitSlot} admitted but that gets no vIP (template full, cluster
     * unavailable): its slot is given back, it reads EXIT {@code exitText}; counted as {@code SERVER_FULL}.
     */
    public void refuseAdmitted(Channel channel, String exitText) {
        left(channel.remoteAddress());
        refuse(channel, ServerExitReason.SERVER_FULL, exitText, DropReason.SERVER_FULL);
    }

    private static boolean overAcceptRate(TokenBucket bucket) {
        synchronized (bucket) { // shared by the event loops that accept
            long now = System.nanoTime();
            boolean over = bucket.take(1, now) > 0;
            if (over) {
                bucket.take(-1, now); // a refused connection costs no token
            }
            return over;
        }
    }

    private void refuse(Channel channel, ServerExitReason reason, DropReason drop) {
        refuse(channel, reason, reason.text(), drop);
    }

    private void refuse(Channel channel, ServerExitReason reason, String text, DropReason drop) {
        if (drop != null) {
            counters.drop(drop);
        }
        if (refusedLog.allow()) {
            LOG.atInfo().setMessage("Refusing connection from {}: {}{}").addArgument(channel.remoteAddress())
                    .addArgument(reason.text()).addArgument(refusedLog.heldBackNote())
                    .addKeyValue("event", "connection_refused").addKeyValue("remote", String.valueOf(channel.remoteAddress()).replaceFirst("^/", ""))
                    .addKeyValue("reason", reason.name().toLowerCase(java.util.Locale.ROOT)).log();
        }
        channel.writeAndFlush(Packets.serverExit(text)).addListener(ChannelFutureListener.CLOSE);
    }

    /** An admitted connection from {@code remote} closed: its slot (and its address's) is free. */
    public void left(SocketAddress remote) {
        connected.decrementAndGet();
        perAddress.release(AddressKey.of(remote));
    }

    /**
     * New limits (a reload): they apply to the next connections; open ones are never closed for being
     * over a lowered limit. A new per-address limit starts counting the connections opened from then on
     * (the open ones count against it); a new accept rate starts with a full bucket.
     */
    public void limits(int maxClients, int maxAcceptRate, int maxPerAddress) {
        this.maxClients = maxClients;
        this.acceptBucket = maxAcceptRate > 0 ? new TokenBucket(maxAcceptRate, System.nanoTime()) : null;
        perAddress.max(maxPerAddress);
    }

    /** Refuses new connections with EXIT {@code exitText} (a drain) until {@link #undrain()}. */
    public void drain(String exitText) {
        drainText = exitText;
    }

    /** Admits again after a drain. */
    public void undrain() {
        drainText = null;
    }

    /** The EXIT text new connections are refused with while draining; null when not draining. */
    public String drainText() {
        return drainText;
    }

        /** Whether new connections are refused for a drain. */
    public boolean draining() {
        return drainText != null;
    }

    /** Connections open now from the address (IPv6: the /64) of {@code remote}. */
    public int connectedFrom(SocketAddress remote) {
        return perAddress.count(AddressKey.of(remote));
    }

    /** The connection limit now. */
    public int maxClients() {
        return maxClients;
    }

    /** Open connections now: clients and peer links. */
    public int connectedCount() {
        return connected.get();
    }

    /** Refuses every connection from now on (the server stops). */
    public void stop() {
        shuttingDown = true;
    }
}
