package io.dosp.server.internal.transport;

import io.dosp.codec.DospCodec;
import io.dosp.server.ServerConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.local.LocalChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

/**
 * The one pipeline every transport uses (TCP, in-process, and WebSocket behind its adapter):
 * optional TLS, the DoSP codec, optional idle detection, the session handler. Named handlers:
 * {@code tls}, {@code codec}, {@code idle}, {@code session}. The WebSocket listener
 * ({@link WebSocketInitializer}) puts the HTTP upgrade in front and, once upgraded, its frame adapter
 * {@code ws} before {@link #addSession}'s handlers. The idle handler sits after the codec so that only complete
 * frames count as activity (bytes trickling into an unfinished frame do not; the frame timeout
 * of {@code InboundGuard} ends those). Thread-safe (immutable); Netty calls it on each new
 * channel's event loop.
 */
public final class ServerInitializer extends ChannelInitializer<Channel> {
    private final ServerConfig config;
    private final Connections connections;

    /** Pipelines for {@code config} whose sessions {@code connections} opens. */
    public ServerInitializer(ServerConfig config, Connections connections) {
        this.config = config;
        this.connections = connections;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (config.tls().context() != null && !(ch instanceof LocalChannel)) {
            ch.pipeline().addLast("tls", newTlsHandler());
        }
        addSession(ch.pipeline());
    }

    /** A server-mode TLS handler with the configured context (TLS must be on). */
    SslHandler newTlsHandler() {
        SSLEngine engine = config.tls().context().createSSLEngine();
        engine.setUseClientMode(false);
        return new SslHandler(engine);
    }

    /**
     * Adds {@code codec}, {@code idle} (when on) and {@code session} at the end of {@code p}: what
     * every transport carries DoSP bytes into. The session opens on the next {@code channelActive}
     * those handlers see.
     */
    void addSession(ChannelPipeline p) {
        DospCodec codec = DospCodec.forServer(config.limits().maxFrameSize(), config.compression(), config.compressionLevel());
        // Drop consumed bytes from the decoder's buffer after every read, not every 16th: otherwise a fast
        // sender's buffer grows to ~16 reads (1 MiB) within one read loop, all of it counted as held.
        codec.decoder().setDiscardAfterReads(1);
        p.addLast("codec", codec);
        if (!config.limits().idleTimeout().isZero()) {
            p.addLast("idle", new IdleStateHandler(config.limits().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
        p.addLast("session", new SessionHandler(connections));
    }
}
