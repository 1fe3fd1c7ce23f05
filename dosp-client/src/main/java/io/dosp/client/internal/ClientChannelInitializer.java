package io.dosp.client.internal;

import io.dosp.client.ClientOptions;
import io.dosp.client.HandshakeException;
import io.dosp.client.TlsOptions;
import io.dosp.codec.DospCodec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The pipeline of a client channel, one named handler per step: {@code tls} (when TLS is on),
 * for a WebSocket server {@code http}, {@code http-body} and {@code ws-protocol} (Netty's HTTP
 * codec and WebSocket client protocol handler: the upgrade, then frames) and {@code ws} (the
 * adapter, {@link WebSocketClientFrames}), then {@code codec} (DoSP frames to packets and back) and
 * {@code client} (the connection's {@link InboundHandler}). Used once, for the one channel of a
 * {@link ClientConnection}.
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {
    private final ClientOptions options;
    private final ConnectionState state;
    private final ChannelHandler inbound;

    ClientChannelInitializer(ClientOptions options, ConnectionState state, ChannelHandler inbound) {
        this.options = options;
        this.state = state;
        this.inbound = inbound;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (options.tls().enabled()) {
            ch.pipeline().addLast("tls", tlsHandler(options.tls()));
        }
        if (options.webSocketUri() != null) {
            addWebSocket(ch);
        }
        ch.pipeline().addLast("codec", DospCodec.forClient(options.maxFrameSize()));
        ch.pipeline().addLast("client", inbound);
    }

    private void addWebSocket(Channel ch) {
        WebSocketClientProtocolConfig ws = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(options.webSocketUri())
                .version(WebSocketVersion.V13)
                .subprotocol(null)
                .allowExtensions(false)
                .maxFramePayloadLength(WebSocketClientFrames.maxMessage(options.maxFrameSize()))
                .handshakeTimeoutMillis(options.handshakeTimeout().toMillis())
                .dropPongFrames(true)
                .handleCloseFrames(true)
                .build();
        ch.pipeline().addLast("http", new HttpClientCodec());
        ch.pipeline().addLast("http-body", new HttpObjectAggregator(WebSocketClientFrames.MAX_UPGRADE_RESPONSE));
        ch.pipeline().addLast("ws-protocol", new WebSocketClientProtocolHandler(ws));
        ch.pipeline().addLast("ws", new WebSocketClientFrames(state));
    }

    /** A client-mode TLS handler whose failure fails the DoSP handshake with the TLS error. */
    private SslHandler tlsHandler(TlsOptions tls) {
        SSLEngine engine = tls.context().createSSLEngine(options.host(), options.port());
        engine.setUseClientMode(true);
        if (tls.verifyHostname()) {
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        SslHandler h = new SslHandler(engine);
        h.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                state.handshake.completeExceptionally(new HandshakeException("TLS handshake with DoSP server " + state.server
                        + " failed: " + f.cause().getMessage()));
            }
        });
        return h;
    }
}
