package io.dosp.server.internal.transport;

import io.dosp.server.DropReason;
import io.dosp.server.WebSocketConfig;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.FrameMemory;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the WebSocket port, until the upgrade: a {@code GET} with {@code Upgrade:
 * websocket} on any path is the DoSP upgrade (Origin checked, no subprotocol chosen, no extension
 * accepted); any other {@code GET} or {@code HEAD} gets a web file ({@link StaticFiles}) or 404,
 * other methods 405, malformed requests 400. The whole HTTP phase, from accept to upgrade, must end
 * within the upgrade timeout or the connection is closed; it all runs on the connection's event
 * loop (nothing waits for a peer anywhere), so idle or half-open connections delay nobody.
 *
 * <p>Netty's WebSocket frame decoder is a {@link GuardedWebSocketDecoder}: its unfinished frames
 * are held to the frame memory and the frame timeout, as the DoSP decoder's are.
 *
 * <p>The upgrade: the 101 is written and flushed on its own (reading is off meanwhile); once it is
 * written, the frame adapter {@code ws} ({@link WebSocketFrames}) and the DoSP session's handlers
 * ({@link ServerInitializer#addSession}) replace this handler and the session opens (admission,
 * vIP, AIP and HSK), exactly as a TCP connection's does. One per connection, event loop only.
 */
final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketUpgrade.class);

    private final WebSocketConfig config;
    private final boolean tls;
    private final int maxMessageSize;
    private final ServerInitializer session;
    private final StaticFiles files;
    private final Counters counters;
    private final PeerLog log;
    private final LogLimiter refusedLog;
    private final Runnable leftWaiting;
    private final FrameMemory frameMemory;
    private final long frameTimeoutNanos;
    private ScheduledFuture<?> timeout;
    private boolean upgrading;
    private boolean done;

    /**
     * @param frameMemory       where the WebSocket decoder's unfinished frames are reserved
     * @param frameTimeoutNanos how long a WebSocket frame may stay unfinished (0: no limit)
     * @param leftWaiting       called once when the connection no longer waits for its upgrade (upgraded or closed)
     */
    WebSocketUpgrade(WebSocketConfig config, boolean tls, int maxMessageSize, ServerInitializer session, StaticFiles files,
            Counters counters, PeerLog log, FrameMemory frameMemory, long frameTimeoutNanos, Runnable leftWaiting) {
        this.config = config;
        this.tls = tls;
        this.maxMessageSize = maxMessageSize;
        this.session = session;
        this.files = files;
        this.counters = counters;
        this.log = log;
        this.refusedLog = log.limiter("ws.refused");
        this.leftWaiting = leftWaiting;
        this.frameMemory = frameMemory;
        this.frameTimeoutNanos = frameTimeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> timedOut(ctx), config.upgradeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.channel().closeFuture().addListener(f -> leave());
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (done) {
            return;
        }
        counters.drop(DropReason.WS_UPGRADE_TIMEOUT);
        if (LOG.isDebugEnabled()) {
            LOG.debug("Closing {}: no WebSocket upgrade within {} ms", ctx.channel().remoteAddress(),
                    config.upgradeTimeout().toMillis());
        }
        ctx.channel().close();
    }

    /** The connection waits for its upgrade no more: timer off, its place among the waiting given back. Once. */
    private void leave() {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        leftWaiting.run();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upgrading || done) {
            // Bytes or frames sent before our 101 arrived (RFC 6455 4.1: a client waits for it): not ours to guess at.
            ReferenceCountUtil.release(msg);
            if (!done) {
                refuse(ctx, "sent data before the upgrade completed");
            }
            return;
        }
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (req.decoderResult().isFailure()) {
                counters.drop(DropReason.WS_BAD_REQUEST);
                respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "Bad request\n", false);
            } else if (isUpgrade(req)) {
                upgrade(ctx, req);
            } else {
                serve(ctx, req);
            }
        } finally {
            req.release();
        }
    }

    private static boolean isUpgrade(FullHttpRequest req) {
        String upgrade = req.headers().get(HttpHeaderNames.UPGRADE);
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!HttpMethod.GET.equals(req.method())) {
            counters.drop(DropReason.WS_BAD_REQUEST);
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "A WebSocket upgrade is a GET\n", false);
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !originAllowed(origin, req.headers().get(HttpHeaderNames.HOST))) {
            counters.drop(DropReason.WS_ORIGIN_REFUSED);
            if (refusedLog.allow()) {
                LOG.info("Refusing WebSocket upgrade from {}: origin '{}' is not allowed (webSocket.allowedOrigins){}",
                        ctx.channel().remoteAddress(), log.text(origin), refusedLog.heldBackNote());
            }
            respond(ctx, req, HttpResponseStatus.FORBIDDEN, "Origin not allowed\n", false);
            return;
        }
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxMessageSize)
                .allowExtensions(false)
                .allowMaskMismatch(false)
                .closeOnProtocolViolation(true)
                .build();
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        Channel ch = ctx.channel();
        String version = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (version == null || !version.trim().equals("13")) { // RFC 6455 is version 13; every browser speaks it
            counters.drop(DropReason.WS_BAD_REQUEST);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshaker13((tls ? "wss://" : "ws://") + host + req.uri(),
                null, decoder) {
            @Override
            protected WebSocketFrameDecoder newWebsocketDecoder() {
                return new GuardedWebSocketDecoder(decoder, frameMemory, frameTimeoutNanos, counters);
            }
        };
        upgrading = true;
        ch.config().setAutoRead(false); // nothing more is read until the 101 is out and the session is in place
        ChannelFuture written;
        try {
            written = handshaker.handshake(ch, req);
        } catch (RuntimeException e) { // a request without Sec-WebSocket-Key and the like
            upgrading = false;
            ch.config().setAutoRead(true);
            counters.drop(DropReason.WS_BAD_REQUEST);
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "Not a valid WebSocket upgrade\n", false);
            return;
        }
        written.addListener(f -> {
            if (f.isSuccess()) {
                startSession(ctx);
            } else {
                ch.close();
            }
        });
    }

    /** The 101 is written: the adapter and the DoSP session take the connection over. */
    private void startSession(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (!ch.isActive() || done) {
            return;
        }
        leave();
        ChannelPipeline p = ch.pipeline();
        p.addAfter(ctx.name(), "ws", new WebSocketFrames(maxMessageSize, counters, log));
        session.addSession(p);
        p.remove(this);
        p.context("ws").fireChannelActive(); // the session opens: admission, vIP, AIP and HSK
        ch.config().setAutoRead(true);
    }

    /** Whether a browser page from {@code origin} may upgrade, per {@link WebSocketConfig#allowedOrigins()}. */
    private boolean originAllowed(String origin, String host) {
        String normalized;
        try {
            normalized = WebSocketConfig.normalizeOrigin(origin);
        } catch (IllegalArgumentException e) {
            return false; // "null" (sandboxed pages, files) and anything else that is no http(s) origin
        }
        if (!config.allowedOrigins().isEmpty()) {
            return config.allowedOrigins().contains(WebSocketConfig.ANY_ORIGIN)
                    || config.allowedOrigins().contains(normalized);
        }
        return host != null && sameAuthority(normalized, host);
    }

    /** Whether origin {@code normalized} names the host and port of {@code Host} header {@code host}. */
    private boolean sameAuthority(String normalized, String host) {
        try {
            URI o = new URI(normalized);
            URI h = new URI((tls ? "https://" : "http://") + host.trim());
            int oPort = o.getPort() >= 0 ? o.getPort() : o.getScheme().equals("https") ? 443 : 80;
            int hPort = h.getPort() >= 0 ? h.getPort() : tls ? 443 : 80;
            return h.getHost() != null && o.getHost().equalsIgnoreCase(h.getHost()) && oPort == hPort;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean head = HttpMethod.HEAD.equals(req.method());
        if (!head && !HttpMethod.GET.equals(req.method())) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, text("Only GET and HEAD here\n"),
                    "text/plain; charset=utf-8");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, req, r, false);
            return;
        }
        Optional<StaticFiles.File> file = config.staticFiles() ? files.find(req.uri()) : Optional.empty();
        if (file.isEmpty()) {
            respond(ctx, req, HttpResponseStatus.NOT_FOUND, "Not found\n", HttpUtil.isKeepAlive(req), head);
            return;
        }
        StaticFiles.File f = file.get();
        FullHttpResponse r = response(HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(f.body()), f.contentType());
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, f.body().length);
        send(ctx, req, r, HttpUtil.isKeepAlive(req));
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String body,
            boolean keepAlive) {
        respond(ctx, req, status, body, keepAlive, false);
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String body,
            boolean keepAlive, boolean head) {
        ByteBuf content = text(body);
        int length = content.readableBytes();
        FullHttpResponse r = response(status, head ? Unpooled.EMPTY_BUFFER : content, "text/plain; charset=utf-8");
        if (head) {
            content.release();
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        send(ctx, req, r, keepAlive);
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, boolean keepAlive) {
        HttpUtil.setKeepAlive(r, keepAlive);
        ChannelFuture f = ctx.writeAndFlush(r);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        counters.drop(DropReason.WS_BAD_REQUEST);
        if (refusedLog.allow()) {
            LOG.info("Closing WebSocket connection {}: {}{}", ctx.channel().remoteAddress(), why, refusedLog.heldBackNote());
        }
        leave();
        ctx.channel().close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("I/O error on {} before its WebSocket upgrade: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            counters.drop(DropReason.WS_BAD_REQUEST);
            if (refusedLog.allow()) {
                LOG.info("Closing {} before its WebSocket upgrade: {}{}", ctx.channel().remoteAddress(),
                        log.text(cause.toString()), refusedLog.heldBackNote());
            }
        }
        ctx.close();
    }
}
