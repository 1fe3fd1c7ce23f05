package io.dosp.server.internal.transport;

import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.WebSocketConfig;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.FrameMemory;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.access.AddressCounts;
import io.dosp.server.internal.access.AddressKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline of the WebSocket listener before the upgrade: {@code tls} (when the server's TLS
 * is on: wss), {@code http} (Netty's HTTP codec, request line and headers bounded), {@code http-body}
 * (requests aggregated, bodies bounded), {@code ws-upgrade} ({@link WebSocketUpgrade}). After the
 * upgrade the same connection carries Netty's WebSocket frame codec, the adapter {@code ws} and the
 * one DoSP pipeline of {@link ServerInitializer}.
 *
 * <p>At the door, before any HTTP: at most {@link WebSocketConfig#maxPendingUpgrades()} connections
 * may be waiting for their upgrade at once, and at most {@code limits.maxConnectionsPerAddress}
 * from one address (IPv6: its /64); more are closed at once ({@link DropReason#WS_PENDING_LIMIT}).
 * Once upgraded, a connection is admitted like any other ({@code Admission}: bans, accept rate,
 * connections per address, server full). Thread-safe (shared by every connection of the listener).
 */
public final class WebSocketInitializer extends ChannelInitializer<Channel> {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketInitializer.class);
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_REQUEST_BODY = 8192;

    private final ServerConfig config;
    private final ServerInitializer session;
    private final Counters counters;
    private final PeerLog log;
    private final LogLimiter pendingLog;
    private final StaticFiles files = new StaticFiles();
    private final AtomicInteger pending = new AtomicInteger();
    private final AddressCounts pendingPerAddress;
    private final int maxMessageSize;
    private final FrameMemory frameMemory;

    /**
     * Upgrades for {@code config}'s WebSocket listener into the pipeline of {@code session}; unfinished
     * WebSocket frames are reserved from {@code frameMemory}.
     */
    public WebSocketInitializer(ServerConfig config, ServerInitializer session, Counters counters, PeerLog log,
            FrameMemory frameMemory) {
        this.config = config;
        this.frameMemory = frameMemory;
        this.session = session;
        this.counters = counters;
        this.log = log;
        this.pendingLog = log.limiter("ws.pending");
        this.pendingPerAddress = new AddressCounts(config.limits().maxConnectionsPerAddress());
        this.maxMessageSize = config.webSocket().maxMessageSize(config.limits().maxFrameSize());
    }

    @Override
    protected void initChannel(Channel ch) {
        InetAddress key = AddressKey.of(ch.remoteAddress());
        if (pending.incrementAndGet() > config.webSocket().maxPendingUpgrades()) {
            pending.decrementAndGet();
            refuse(ch, "connections waiting for their WebSocket upgrade are at their limit of "
                    + config.webSocket().maxPendingUpgrades());
            return;
        }
        if (!pendingPerAddress.tryAcquire(key)) {
            pending.decrementAndGet();
            refuse(ch, "its address has " + pendingPerAddress.max() + " connections waiting for their WebSocket upgrade");
            return;
        }
        Runnable left = () -> {
            pending.decrementAndGet();
            pendingPerAddress.release(key);
        };
        if (config.tls().enabled()) {
            ch.pipeline().addLast("tls", session.newTlsHandler());
        }
        ch.pipeline().addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, MAX_HEADER_BYTES));
        ch.pipeline().addLast("http-body", new HttpObjectAggregator(MAX_REQUEST_BODY));
        ch.pipeline().addLast("ws-upgrade", new WebSocketUpgrade(config.webSocket(), config.tls().enabled(), maxMessageSize,
                session, files, counters, log, frameMemory, config.limits().frameTimeout().toNanos(), left));
    }

    private void refuse(Channel ch, String why) {
        counters.drop(DropReason.WS_PENDING_LIMIT);
        if (pendingLog.allow()) {
            LOG.warn("Closing WebSocket connection {} at once: {}{}", ch.remoteAddress(), why, pendingLog.heldBackNote());
        }
        ch.close();
    }

    /** Connections waiting for their upgrade now. */
    public int pending() {
        return pending.get();
    }
}
