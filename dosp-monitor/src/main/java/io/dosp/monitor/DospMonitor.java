package io.dosp.monitor;

import io.dosp.monitor.internal.MonitorHandler;
import io.dosp.monitor.internal.ServerMetrics;
import io.dosp.server.DospServer;
import io.dosp.server.ServerStartException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring listener of a {@link DospServer}: an HTTP/1.1 port of its own (never a DoSP port) with
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"ready"}} while the server listens and every outgoing peer
 *       link is up, else 503 with a {@code reason};</li>
 *   <li>{@code GET /metrics}: Prometheus text format (Micrometer): the server's counters and gauges
 *       ({@code dosp_*}, read from the server's own counters at scrape time) and the JVM's;</li>
 *   <li>{@code GET /api/server}, {@code /api/clients?offset=&limit=&vip=&admin=&compression=},
 *       {@code /api/peers}, {@code /api/routes}: JSON; {@code /api/events}: the same as server-sent events;</li>
 *   <li>{@code POST /api/clients/{vip}/kick} and {@code .../ban};</li>
 *   <li>{@code GET /}: the live dashboard (HTML and JS shipped in this jar).</li>
 * </ul>
 *
 * <p>Auth: bound to loopback, the views need no token; bound elsewhere they need the admin token
 * ({@code Authorization: Bearer TOKEN}, checked by {@link DospServer#isAdminToken}); kick and ban always need
 * it. Everything is bounded by {@link MonitorConfig}: connections, header and body size, idle time, event
 * subscribers, page size, wrong tokens per address.
 *
 * <pre>{@code
 * try (DospServer server = DospServer.start(ServerConfig.builder().port(7744).build());
 *      DospMonitor monitor = DospMonitor.start(server, MonitorConfig.builder().port(9464).build())) {
 *     ...
 * }
 * }</pre>
 *
 * <p>It runs on one thread of its own ({@code dosp-monitor}); nothing it does runs on the server's event
 * loops. Thread-safe. {@link #close()} stops it (the server keeps running); close it after the server so
 * that {@code /healthz} reports the server stopping.
 */
public final class DospMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DospMonitor.class);

    private final MonitorConfig config;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final MonitorHandler handler;
    private final EventLoopGroup group;
    private final Channel channel;
    private boolean closed;

    private DospMonitor(DospServer server, MonitorConfig config) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        ServerMetrics metrics = new ServerMetrics(server, registry);
        this.handler = new MonitorHandler(server, config, registry, metrics);
        bindOwnMeters();
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("dosp-monitor", true));
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec(4096, config.maxHeaderBytes(), 8192))
                                .addLast("aggregate", new HttpObjectAggregator(config.maxBodyBytes(), true))
                                .addLast("monitor", handler);
                    }
                });
        try {
            this.channel = b.bind(config.host(), config.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            gc.close();
            registry.close();
            throw new ServerStartException("cannot start the monitoring listener on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage() + " (is the port in use? choose another http_port, or 0 for any free one)", e);
        }
        long interval = config.eventInterval().toMillis();
        group.next().scheduleAtFixedRate(handler::publish, interval, interval, TimeUnit.MILLISECONDS);
        LOG.info("Monitoring listener on http://{}:{}/ ({})", hostForUrl(config.host()), port(),
                config.loopback() ? "loopback: views open, kick and ban need the admin token"
                        : "not loopback: every view but /healthz needs the admin token");
    }

    /**
     * Starts the listener for {@code server} (started or not: {@code /healthz} reports it not ready until it listens).
     *
     * @throws ServerStartException when the port cannot be bound
     */
    public static DospMonitor start(DospServer server, MonitorConfig config) {
        return new DospMonitor(Objects.requireNonNull(server, "server"), Objects.requireNonNull(config, "config"));
    }

    private void bindOwnMeters() {
        Gauge.builder("dosp.monitor.connections", handler, MonitorHandler::openConnections)
                .description("Connections to the monitoring listener now").register(registry);
        Gauge.builder("dosp.monitor.subscribers", handler, MonitorHandler::subscribers)
                .description("Event stream subscribers now").register(registry);
        for (String name : new String[] {"requests", "refusedConnections", "refusedSubscribers", "badRequests",
                "unauthorized", "wrongTokens", "throttledTokens", "timedOut", "eventsSkipped", "kicks", "bans"}) {
            FunctionCounter.builder("dosp.monitor." + name.replaceAll("([A-Z])", ".$1").toLowerCase(java.util.Locale.ROOT),
                    handler, h -> h.counters().get(name).doubleValue())
                    .description("Monitoring listener: " + name.replaceAll("([A-Z])", " $1").toLowerCase(java.util.Locale.ROOT))
                    .register(registry);
        }
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The configuration. */
    public MonitorConfig config() {
        return config;
    }

    /** The port it listens on (the chosen one when configured with 0). */
    public int port() {
        return localAddress().getPort();
    }

    /** The address it listens on. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The registry {@code /metrics} shows: add meters of your own to it. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Stops listening, closes every connection to the listener and its thread. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close().syncUninterruptibly();
        group.execute(handler::closeSubscribers);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        gc.close();
        registry.close();
        LOG.info("Monitoring listener stopped");
    }
}
