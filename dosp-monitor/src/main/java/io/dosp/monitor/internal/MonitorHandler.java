package io.dosp.monitor.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.monitor.MonitorConfig;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import io.dosp.server.DospServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request of the monitoring listener: routing, the auth rule, the views, kick and ban, the event
 * stream and the dashboard's files. One instance per listener, shared by its connections, all of which run
 * on the listener's one event loop; the counters are atomics so that other threads may read them.
 *
 * <p>Auth rule: {@code /healthz} and the dashboard's files need nothing; the views ({@code /metrics},
 * {@code /api/*}) need the admin token unless the listener is bound to loopback and the request's
 * {@code Host} names loopback (a page another site loads through a rebound DNS name sends its own host
 * name); kick and ban need it always.
 */
@ChannelHandler.Sharable
public final class MonitorHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorHandler.class);
    private static final AttributeKey<ScheduledFuture<?>> DEADLINE = AttributeKey.valueOf("dosp.monitor.deadline");
    private static final AttributeKey<int[]> SKIPPED = AttributeKey.valueOf("dosp.monitor.skipped");
    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("dosp.monitor.refused");
    private static final AttributeKey<int[]> PENDING = AttributeKey.valueOf("dosp.monitor.pending");
    /**
     * Answers a connection may have waiting to be written (pipelined requests of a client that does not read);
     * one more closes it, so what one connection can make the listener hold is a few answers.
     */
    static final int MAX_PENDING_ANSWERS = 4;
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    /** Events in a row a subscriber may be too slow for before it is closed. */
    private static final int MAX_SKIPPED_EVENTS = 10;

    private record StaticFile(String type, byte[] bytes) {
    }

    private final DospServer server;
    private final MonitorConfig config;
    private final PrometheusMeterRegistry registry;
    private final ServerMetrics metrics;
    private final Views views;
    private final TokenCheck tokens;
    private final Map<String, StaticFile> files;
    private final Set<Channel> subscribers = ConcurrentHashMap.newKeySet();
    /** Open connections per remote address; touched on the listener's loop only. */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();

    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong refusedSubscribers = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final AtomicLong unauthorized = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong eventsSkipped = new AtomicLong();
    private final AtomicLong kicks = new AtomicLong();
    private final AtomicLong bans = new AtomicLong();

    /** Serves {@code server}'s views with {@code registry} (where {@code metrics} registered the server's meters). */
    public MonitorHandler(DospServer server, MonitorConfig config, PrometheusMeterRegistry registry, ServerMetrics metrics) {
        super(true);
        this.server = server;
        this.config = config;
        this.registry = registry;
        this.metrics = metrics;
        this.views = new Views(server);
        this.tokens = new TokenCheck(server, config.maxAuthFailures(), config.authBackoff().toNanos(), System::nanoTime);
        this.files = Map.of(
                "/", load("index.html", "text/html; charset=utf-8"),
                "/index.html", load("index.html", "text/html; charset=utf-8"),
                "/app.js", load("app.js", "text/javascript; charset=utf-8"),
                "/app.css", load("app.css", "text/css; charset=utf-8"));
    }

    private static StaticFile load(String name, String type) {
        try (InputStream in = MonitorHandler.class.getResourceAsStream("/io/dosp/monitor/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard file " + name + " missing from the jar");
            }
            return new StaticFile(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the listener's own counters ----

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** {@code /api/events} subscribers now. */
    public int subscribers() {
        return subscribers.size();
    }

    /** The listener's counters as the views and meters show them. */
    public Map<String, Number> counters() {
        return Map.ofEntries(
                Map.entry("connections", open.get()),
                Map.entry("subscribers", subscribers.size()),
                Map.entry("requests", requests.get()),
                Map.entry("refusedConnections", refusedConnections.get()),
                Map.entry("refusedSubscribers", refusedSubscribers.get()),
                Map.entry("badRequests", badRequests.get()),
                Map.entry("unauthorized", unauthorized.get()),
                Map.entry("wrongTokens", tokens.wrongTokens()),
                Map.entry("throttledTokens", tokens.throttledAttempts()),
                Map.entry("timedOut", timedOut.get()),
                Map.entry("eventsSkipped", eventsSkipped.get()),
                Map.entry("kicks", kicks.get()),
                Map.entry("bans", bans.get()));
    }

    private ObjectNode monitorJson() {
        ObjectNode o = Views.JSON.createObjectNode();
        o.put("host", config.host());
        o.put("loopback", config.loopback());
        counters().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> o.put(e.getKey(), e.getValue().longValue()));
        return o;
    }

    // ---- connections ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress from = remote(ctx);
        int fromHere = perAddress.merge(from, 1, Integer::sum);
        boolean overall = open.incrementAndGet() > config.maxConnections();
        if (overall || fromHere > config.maxConnectionsPerAddress()) {
            refusedConnections.incrementAndGet();
            ctx.channel().attr(REFUSED).set(Boolean.TRUE);
            FullHttpResponse r = error(HttpResponseStatus.SERVICE_UNAVAILABLE, overall
                    ? "too many connections to the monitoring listener (at most " + config.maxConnections() + ")"
                    : "too many connections from your address (at most " + config.maxConnectionsPerAddress() + ")");
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().attr(PENDING).set(new int[1]);
        armDeadline(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        perAddress.computeIfPresent(remote(ctx), (a, n) -> n == 1 ? null : n - 1);
        subscribers.remove(ctx.channel());
        cancelDeadline(ctx);
        super.channelInactive(ctx);
    }

    private static InetAddress remote(ChannelHandlerContext ctx) {
        return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    }

    /** A whole request must arrive within the idle timeout of the connection's start or of the last answer. */
    private void armDeadline(ChannelHandlerContext ctx) {
        cancelDeadline(ctx);
        ScheduledFuture<?> f = ctx.executor().schedule(() -> {
            timedOut.incrementAndGet();
            ctx.close();
        }, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.channel().attr(DEADLINE).set(f);
    }

    private static void cancelDeadline(ChannelHandlerContext ctx) {
        ScheduledFuture<?> f = ctx.channel().attr(DEADLINE).getAndSet(null);
        if (f != null) {
            f.cancel(false);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.debug("Monitoring listener: closing a connection after {}", cause.toString());
        }
        ctx.close();
    }

    // ---- requests ----

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!ctx.channel().isActive()) {
            return; // closed while the decoder still held requests it had read
        }
        cancelDeadline(ctx);
        if (ctx.channel().hasAttr(REFUSED) || subscribers.contains(ctx.channel())) {
            ctx.close(); // a refused connection (already answered 503), or a request on an event stream
            return;
        }
        int[] pending = ctx.channel().attr(PENDING).get();
        if (pending != null && pending[0] >= MAX_PENDING_ANSWERS) {
            badRequests.incrementAndGet();
            LOG.debug("Monitoring listener: closing a connection that sends requests without reading the answers");
            ctx.close();
            return;
        }
        requests.incrementAndGet();
        if (req.decoderResult().isFailure()) {
            badRequests.incrementAndGet();
            Throwable c = req.decoderResult().cause();
            HttpResponseStatus status = c instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : c instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : c instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            send(ctx, req, error(status, status.reasonPhrase().toLowerCase(Locale.ROOT) + " (the monitoring listener takes"
                    + " at most " + config.maxHeaderBytes() + " bytes of headers)"), true);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.path();
        HttpMethod method = req.method();
        boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        try {
            if (path.equals("/healthz")) {
                if (!get) {
                    send(ctx, req, notAllowed("GET, HEAD"), false);
                    return;
                }
                Views.Health h = views.health();
                send(ctx, req, json(h.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        views.healthJson(h)), false);
                return;
            }
            StaticFile file = files.get(path);
            if (file != null) {
                if (!get) {
                    send(ctx, req, notAllowed("GET, HEAD"), false);
                    return;
                }
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(file.bytes()));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, file.type());
                r.headers().set("Content-Security-Policy", CSP);
                r.headers().set("X-Frame-Options", "DENY");
                r.headers().set("Referrer-Policy", "no-referrer");
                send(ctx, req, r, false);
                return;
            }
            if (path.startsWith("/api/clients/") && (path.endsWith("/kick") || path.endsWith("/ban"))) {
                adminAction(ctx, req, path);
                return;
            }
            if (!path.equals("/metrics") && !path.startsWith("/api/")) {
                send(ctx, req, error(HttpResponseStatus.NOT_FOUND, "no such page: try /, /healthz, /metrics or /api/server"),
                        false);
                return;
            }
            if (!get) {
                send(ctx, req, notAllowed("GET, HEAD"), false);
                return;
            }
            if (!viewAllowed(ctx, req)) {
                return;
            }
            switch (path) {
                case "/metrics" -> {
                    metrics.refresh();
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(registry.scrape().getBytes(StandardCharsets.UTF_8)));
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TYPE);
                    send(ctx, req, r, false);
                }
                case "/api/server" -> send(ctx, req, json(HttpResponseStatus.OK, views.server(monitorJson())), false);
                case "/api/clients" -> clients(ctx, req, uri);
                case "/api/peers" -> send(ctx, req, json(HttpResponseStatus.OK, views.peers()), false);
                case "/api/routes" -> send(ctx, req, json(HttpResponseStatus.OK, views.routes()), false);
                case "/api/events" -> subscribe(ctx, req);
                default -> send(ctx, req, error(HttpResponseStatus.NOT_FOUND,
                        "no such API: /api/server, /api/clients, /api/peers, /api/routes, /api/events"), false);
            }
        } catch (RuntimeException e) {
            LOG.warn("Monitoring listener: {} {} failed", method, LogText.of(path, 80), e);
            send(ctx, req, error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error (see the server log)"), true);
        }
    }

    private boolean viewAllowed(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (config.loopback() && hostIsLoopback(req.headers().get(HttpHeaderNames.HOST))) {
            return true;
        }
        return authorized(ctx, req, "this view needs the admin token when the listener is not bound to loopback");
    }

    private boolean authorized(ChannelHandlerContext ctx, FullHttpRequest req, String why) {
        InetAddress from = remote(ctx);
        TokenCheck.Result r = tokens.check(req.headers().get(HttpHeaderNames.AUTHORIZATION), from);
        switch (r) {
            case VALID -> {
                return true;
            }
            case MISSING -> {
                unauthorized.incrementAndGet();
                FullHttpResponse resp = error(HttpResponseStatus.UNAUTHORIZED, why + ": send 'Authorization: Bearer TOKEN'");
                resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"dosp-monitor\"");
                send(ctx, req, resp, false);
            }
            case WRONG -> {
                unauthorized.incrementAndGet();
                send(ctx, req, error(HttpResponseStatus.FORBIDDEN, "wrong admin token"), false);
            }
            case THROTTLED -> {
                unauthorized.incrementAndGet();
                FullHttpResponse resp = error(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many wrong tokens from this address; try again later");
                resp.headers().set(HttpHeaderNames.RETRY_AFTER, tokens.backoffSeconds());
                send(ctx, req, resp, false);
            }
            default -> throw new IllegalStateException(r.name());
        }
        return false;
    }

    /** Whether a Host header names this machine: localhost, 127.0.0.0/8 or [::1], with or without a port. */
    static boolean hostIsLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1") && (end == h.length() - 1 || h.charAt(end + 1) == ':');
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return h.equals("localhost") || h.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    }

    private void clients(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri) {
        Map<String, List<String>> p = uri.parameters();
        try {
            int offset = intParam(p, "offset", 0);
            int limit = intParam(p, "limit", Math.min(100, config.maxPageSize()));
            if (offset < 0 || limit < 1) {
                throw new IllegalArgumentException("offset must be 0 or more and limit 1 or more");
            }
            String vip = param(p, "vip").orElse("");
            if (vip.length() > 15 || !vip.matches("[0-9.]*")) {
                throw new IllegalArgumentException("vip must be a vIP or its beginning, e.g. 7.10.0.");
            }
            Views.ClientQuery q = new Views.ClientQuery(offset, Math.min(limit, config.maxPageSize()), vip,
                    boolParam(p, "admin"), boolParam(p, "compression"));
            send(ctx, req, json(HttpResponseStatus.OK, views.clients(q)), false);
        } catch (IllegalArgumentException e) {
            send(ctx, req, error(HttpResponseStatus.BAD_REQUEST, e.getMessage()), false);
        }
    }

    private static Optional<String> param(Map<String, List<String>> p, String name) {
        List<String> v = p.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    private static int intParam(Map<String, List<String>> p, String name, int dflt) {
        Optional<String> v = param(p, name);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.get());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number");
        }
    }

    private static Optional<Boolean> boolParam(Map<String, List<String>> p, String name) {
        Optional<String> v = param(p, name);
        if (v.isEmpty() || v.get().isEmpty()) {
            return Optional.empty();
        }
        return switch (v.get()) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw new IllegalArgumentException(name + " must be true or false");
        };
    }

    private void adminAction(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        if (!req.method().equals(HttpMethod.POST)) {
            send(ctx, req, notAllowed("POST"), false);
            return;
        }
        if (!authorized(ctx, req, "kick and ban always need the admin token")) {
            return;
        }
        boolean kick = path.endsWith("/kick");
        String vipText = path.substring("/api/clients/".length(), path.lastIndexOf('/'));
        Optional<Vip> vip = Views.vip(vipText);
        if (vip.isEmpty()) {
            send(ctx, req, error(HttpResponseStatus.BAD_REQUEST, "not a vIP: " + LogText.of(vipText, 40)), false);
            return;
        }
        String from = String.valueOf(ctx.channel().remoteAddress());
        ObjectNode o = Views.JSON.createObjectNode();
        o.put("vip", vip.get().toString());
        if (kick) {
            if (!server.kick(vip.get())) {
                send(ctx, req, error(HttpResponseStatus.NOT_FOUND, "no client with vIP " + vip.get()), false);
                return;
            }
            kicks.incrementAndGet();
            LOG.info("Monitoring listener: kicked {} (request from {})", vip.get(), from);
            o.put("kicked", true);
        } else {
            Optional<String> hash;
            try {
                hash = server.ban(vip.get());
            } catch (IllegalStateException e) {
                send(ctx, req, error(HttpResponseStatus.CONFLICT, e.getMessage()), false);
                return;
            }
            if (hash.isEmpty()) {
                send(ctx, req, error(HttpResponseStatus.NOT_FOUND, "no client with vIP " + vip.get()), false);
                return;
            }
            bans.incrementAndGet();
            LOG.info("Monitoring listener: banned the client hash of {} and disconnected it (request from {})", vip.get(),
                    from);
            o.put("banned", true);
        }
        send(ctx, req, json(HttpResponseStatus.OK, o), false);
    }

    // ---- the event stream ----

    private void subscribe(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.method().equals(HttpMethod.HEAD)) {
            FullHttpResponse head = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            send(ctx, req, head, false);
            return;
        }
        if (subscribers.size() >= config.maxEventSubscribers()) {
            refusedSubscribers.incrementAndGet();
            send(ctx, req, error(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many event subscribers (at most "
                    + config.maxEventSubscribers() + "); poll /api/server instead"), false);
            return;
        }
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().set("X-Content-Type-Options", "nosniff");
        HttpUtil.setTransferEncodingChunked(r, true);
        ctx.write(r);
        subscribers.add(ctx.channel());
        ctx.channel().attr(SKIPPED).set(new int[1]);
        ctx.writeAndFlush(eventChunk(eventText()));
    }

    /** Sends one snapshot to every subscriber; called every event interval on the listener's loop. */
    public void publish() {
        if (subscribers.isEmpty()) {
            return;
        }
        String text = eventText();
        for (Channel ch : subscribers) {
            int[] skipped = ch.attr(SKIPPED).get();
            if (!ch.isWritable()) {
                eventsSkipped.incrementAndGet();
                if (skipped != null && ++skipped[0] >= MAX_SKIPPED_EVENTS) {
                    LOG.debug("Monitoring listener: closing an event subscriber that read nothing for {} events",
                            MAX_SKIPPED_EVENTS);
                    ch.close();
                }
                continue;
            }
            if (skipped != null) {
                skipped[0] = 0;
            }
            ch.writeAndFlush(eventChunk(text));
        }
    }

    private String eventText() {
        try {
            return Views.JSON.writeValueAsString(views.event(monitorJson()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DefaultHttpContent eventChunk(String json) {
        return new DefaultHttpContent(Unpooled.copiedBuffer("event: snapshot\ndata: " + json + "\n\n", StandardCharsets.UTF_8));
    }

    /** Closes every event stream (at shutdown). */
    public void closeSubscribers() {
        subscribers.forEach(Channel::close);
    }

    // ---- responses ----

    private static FullHttpResponse json(HttpResponseStatus status, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = Views.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE);
        return r;
    }

    private static FullHttpResponse error(HttpResponseStatus status, String message) {
        ObjectNode o = Views.JSON.createObjectNode();
        o.put("status", status.code());
        o.put("error", message);
        return json(status, o);
    }

    private static FullHttpResponse notAllowed(String allow) {
        FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed here; use " + allow);
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        return r;
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, boolean close) {
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().set("X-Content-Type-Options", "nosniff");
        HttpUtil.setContentLength(r, r.content().readableBytes());
        if (req.method().equals(HttpMethod.HEAD)) {
            ByteBuf body = r.content();
            r = r.replace(Unpooled.EMPTY_BUFFER);
            HttpUtil.setContentLength(r, body.readableBytes());
            body.release();
        }
        boolean keepAlive = !close && HttpUtil.isKeepAlive(req);
        r.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        int[] pending = ctx.channel().attr(PENDING).get();
        if (pending != null) {
            pending[0]++;
        }
        ChannelFuture f = ctx.writeAndFlush(r);
        if (pending != null) {
            f.addListener(x -> pending[0]--);
        }
        if (keepAlive) {
            armDeadline(ctx);
        } else {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
