package io.dosp.bench;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code idle}: opens N clients that complete the handshake (AIP + HSK) and then stay silent,
 * holds them, and reports how many made it, the handshake rate and, given the server's PID, the
 * server's resident memory per connection. With {@code --source-addresses N} the clients are
 * spread over the loopback source addresses 127.0.0.2, 127.0.0.3, ... (each with its own
 * ephemeral ports), so one machine can open more connections to one server port than there are
 * ephemeral ports.
 */
@Command(name = "idle", mixinStandardHelpOptions = true, description = "Open N idle clients and hold them.")
final class IdleLoad implements Callable<Integer> {

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port = 7744;

    @Option(names = {"-n", "--clients"}, description = "Clients to open (default: ${DEFAULT-VALUE}).")
    int clients = 10_000;

    @Option(names = "--concurrency", description = "Handshakes in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 256;

    @Option(names = "--source-addresses", description = "Bind the clients round-robin to N loopback source addresses "
            + "127.0.0.2, 127.0.0.3, ... (each has its own ~28k ephemeral ports with the default ip_local_port_range); "
            + "0 lets the kernel choose, one address (default: ${DEFAULT-VALUE}).")
    int sourceAddresses;

    @Option(names = "--hold", description = "Seconds to hold the clients after the last handshake (default: ${DEFAULT-VALUE}).")
    int holdSeconds = 5;

    @Option(names = "--server-pid", description = "PID of the server process, to read its RSS from /proc.")
    Long serverPid;

    @Option(names = "--gc", description = "After the hold, also ask the server for a full GC (jcmd PID GC.run) and read its RSS again.")
    boolean gc;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(2) : new NioEventLoopGroup(2);
        Semaphore inFlight = new Semaphore(concurrency);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(clients);
        List<Channel> channels = new ArrayList<>(clients);
        long rssBefore = rssKiB();
        InetSocketAddress[] sources = sourceAddresses(sourceAddresses);
        Bootstrap b = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(DospCodec.forClient(1 << 20));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<Object>() {
                            private boolean counted;

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                if (counted || !(msg instanceof Packet p)) {
                                    return;
                                }
                                if (p.type() == PacketType.HSK) {
                                    counted = true;
                                    ok.incrementAndGet();
                                    inFlight.release();
                                    done.countDown();
                                } else if (p.type() == PacketType.EXIT) {
                                    counted = true;
                                    refused.incrementAndGet();
                                    inFlight.release();
                                    done.countDown();
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                if (!counted) {
                                    counted = true;
                                    failed.incrementAndGet();
                                    inFlight.release();
                                    done.countDown();
                                }
                            }
                        });
                    }
                });
        if (epoll && sources.length > 0) {
            // The port is then chosen at connect(), for the whole 4-tuple, not reserved at bind().
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        InetSocketAddress server = new InetSocketAddress(host, port);
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            inFlight.acquire();
            ChannelFuture f = sources.length == 0 ? b.connect(server) : b.connect(server, sources[i % sources.length]);
            channels.add(f.channel());
            f.addListener(fut -> {
                if (!fut.isSuccess()) {
                    failed.incrementAndGet();
                    inFlight.release();
                    done.countDown();
                }
            });
        }
        boolean all = done.await(Math.max(120, clients / 500), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        TimeUnit.SECONDS.sleep(holdSeconds); // holding the clients open is the point of this mode
        long rssAfter = rssKiB();
        int connected = (int) channels.stream().filter(Channel::isActive).count();
        double rate = ok.get() / seconds;
        double perConn = rssBefore > 0 && ok.get() > 0 ? (rssAfter - rssBefore) * 1024.0 / ok.get() : Double.NaN;
        long rssAfterGc = -1;
        double perConnAfterGc = Double.NaN;
        if (gc && serverPid != null) {
            rssAfterGc = rssAfterFullGc();
            perConnAfterGc = rssBefore > 0 && rssAfterGc > 0 && ok.get() > 0 ? (rssAfterGc - rssBefore) * 1024.0 / ok.get() : Double.NaN;
        }
        if (json) {
            System.out.println(Json.obj().put("mode", "idle").put("requested", clients).put("source_addresses", sources.length)
                    .put("handshaken", ok.get())
                    .put("refused", refused.get()).put("failed", failed.get()).put("still_connected", connected)
                    .put("seconds", seconds).put("handshakes_per_second", rate).put("hold_seconds", holdSeconds)
                    .put("server_rss_before_kib", rssBefore).put("server_rss_after_kib", rssAfter)
                    .put("server_bytes_per_connection", perConn)
                    .put("server_rss_after_gc_kib", rssAfterGc < 0 ? null : rssAfterGc)
                    .put("server_bytes_per_connection_after_gc", gc ? perConnAfterGc : null).put("complete", all));
        } else {
            System.out.printf(Locale.ROOT, "requested           %d%nsource addresses    %s%nhandshaken          %d%n"
                    + "refused (EXIT)      %d%nfailed              %d%nstill connected     %d%nhandshake time      %.2f s%n"
                    + "handshakes/s        %.0f%n", clients, sources.length == 0 ? "kernel's choice" : sources.length + " from "
                    + sources[0].getHostString(), ok.get(), refused.get(), failed.get(), connected, seconds, rate);
            if (rssBefore > 0) {
                System.out.printf(Locale.ROOT, "server RSS before   %d KiB%nserver RSS after    %d KiB%nper connection      %.0f bytes%n",
                        rssBefore, rssAfter, perConn);
            }
            if (rssAfterGc > 0) {
                System.out.printf(Locale.ROOT, "RSS after full GC   %d KiB%nper connection      %.0f bytes (after GC)%n",
                        rssAfterGc, perConnAfterGc);
            }
        }
        for (Channel c : channels) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        return all && failed.get() == 0 && refused.get() == 0 ? 0 : 1;
    }

    /**
     * The first {@code n} loopback addresses from 127.0.0.2 on, skipping any whose last octet is 0
     * or 255 (127.0.0.0/8 is all local on Linux, so they need no configuration).
     */
    static InetSocketAddress[] sourceAddresses(int n) {
        if (n < 0 || n > 1 << 16) {
            throw new IllegalArgumentException("--source-addresses must be in 0..65536, got " + n);
        }
        InetSocketAddress[] out = new InetSocketAddress[n];
        int v = 0x7F000002;
        for (int i = 0; i < n; v++) {
            int last = v & 0xff;
            if (last != 0 && last != 255) {
                out[i++] = new InetSocketAddress((v >>> 24) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + last, 0);
            }
        }
        return out;
    }

    /** Asks the server JVM for a full GC (G1 then returns free heap to the OS) and reads RSS again; -1 if jcmd fails. */
    private long rssAfterFullGc() throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), serverPid.toString(), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            return -1;
        }
        TimeUnit.SECONDS.sleep(1);
        return rssKiB();
    }

    private long rssKiB() {
        return serverPid == null ? -1 : RssSampler.rssKiB(serverPid);
    }
}
