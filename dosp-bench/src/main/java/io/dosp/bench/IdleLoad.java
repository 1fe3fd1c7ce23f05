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
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
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
 * server's resident memory per connection.
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
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            inFlight.acquire();
            ChannelFuture f = b.connect(host, port);
            channels.add(f.channel());
            f.addListener(fut -> {
                if (!fut.isSuccess()) {
                    failed.incrementAndGet();
                    inFlight.release();
                    done.countDown();
                }
            });
        }
        boolean all = done.await(120, TimeUnit.SECONDS);
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
            System.out.println(Json.obj().put("mode", "idle").put("requested", clients).put("handshaken", ok.get())
                    .put("refused", refused.get()).put("failed", failed.get()).put("still_connected", connected)
                    .put("seconds", seconds).put("handshakes_per_second", rate).put("hold_seconds", holdSeconds)
                    .put("server_rss_before_kib", rssBefore).put("server_rss_after_kib", rssAfter)
                    .put("server_bytes_per_connection", perConn)
                    .put("server_rss_after_gc_kib", rssAfterGc < 0 ? null : rssAfterGc)
                    .put("server_bytes_per_connection_after_gc", gc ? perConnAfterGc : null).put("complete", all));
        } else {
            System.out.printf(Locale.ROOT, "requested           %d%nhandshaken          %d%nrefused (EXIT)      %d%n"
                    + "failed              %d%nstill connected     %d%nhandshake time      %.2f s%nhandshakes/s        %.0f%n",
                    clients, ok.get(), refused.get(), failed.get(), connected, seconds, rate);
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

    private long rssKiB() throws IOException {
        if (serverPid == null) {
            return -1;
        }
        for (String line : Files.readAllLines(Path.of("/proc", serverPid.toString(), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
