package io.dosp.server.internal;

import io.dosp.codec.DospCodec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The one pipeline every transport uses (TCP and in-process): optional TLS, optional idle
 * detection, the DoSP codec, the session handler. Named handlers: {@code tls}, {@code idle}, {@code codec},
 * {@code session}.
 */
public final class ServerInitializer extends ChannelInitializer<Channel> {
    private final ServerCore core;

    /** For the shared core. */
    public ServerInitializer(ServerCore core) {
        this.core = core;
    }

    @Override
    protected void initChannel(Channel ch) {
        var config = core.config;
        if (config.tls().context() != null && !(ch instanceof io.netty.channel.local.LocalChannel)) {
            javax.net.ssl.SSLEngine engine = config.tls().context().createSSLEngine();
            engine.setUseClientMode(false);
            ch.pipeline().addLast("tls", new io.netty.handler.ssl.SslHandler(engine));
        }
        if (!config.limits().idleTimeout().isZero()) {
            ch.pipeline().addLast("idle", new IdleStateHandler(config.limits().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
        ch.pipeline().addLast("codec", DospCodec.forServer(config.limits().maxFrameSize(), config.compression(),
                config.compressionLevel()));
        ch.pipeline().addLast("session", new SessionHandler(core));
    }
}
