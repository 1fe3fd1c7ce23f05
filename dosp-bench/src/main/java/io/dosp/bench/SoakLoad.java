package io.dosp.bench;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packet;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code soak}: mixed traffic with connection churn for a long time, sampling the server's memory.
 * Steady pairs of long-lived clients exchange S2C at a fixed rate (with a PING every second and a
 * GCL every ten); every second {@code --churn} short-lived clients connect, send an S2C to a steady
 * client, an MPAK of two S2C, sometimes a malformed frame, a PING, and leave once the PING is
 * answered, half with EXIT {@code CC} and half by closing the socket. Every {@code --sample}
 * seconds one CSV row: time, the server's RSS and its heap after a full GC (given
 * {@code --server-pid}; {@code jcmd GC.run} then {@code GC.heap_info}), and the traffic counters.
 * Stops by itself after {@code --duration} seconds. A steady memory trend over an hour is what it
 * is for; the numbers per row are not a benchmark.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Mixed traffic with connection churn for a long time; samples the server's memory into a CSV.")
final class SoakLoad implements Callable<Integer> {
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port = 7744;

    @Option(names = "--duration", description = "Seconds to run (default: ${DEFAULT-VALUE}).")
    int durationSeconds = 3600;

    @Option(names = "--sample", description = "Seconds between memory samples (default: ${DEFAULT-VALUE}).")
    int sampleSeconds = 60;

    @Option(names = "--pairs", description = "Steady client pairs (default: ${DEFAULT-VALUE}).")
    int pairs = 8;

    @Option(names = "--rate", description = "S2C per second each steady pair sends (default: ${DEFAULT-VALUE}).")
    int rate = 200;

    @Option(names = "--size", description = "S2C DATA bytes (default: ${DEFAULT-VALUE}).")
    int size = 256;

    @Option(names = "--churn", description = "Short-lived connections per second (default: ${DEFAULT-VALUE}).")
    int churn = 20;

    @Option(names = "--server-pid", description = "PID of the server process: RSS from /proc, heap after GC with jcmd.")
    Long serverPid;

    @Option(names = "--csv", description = "CSV file for the samples (default: standard output only).")
    Path csv;

    private final AtomicLong s2cSent = new AtomicLong();
    private final AtomicLong s2cReceived = new AtomicLong();
    private final AtomicLong errReceived = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong churnOpened = new AtomicLong();
    private final AtomicLong churnCompleted = new AtomicLong();
    private final AtomicLong churnFailed = new AtomicLong();

    /** One connection's handler: waits for AIP + HSK, counts what arrives. */
    private final class Client extends SimpleChannelInboundHandler<Object> {
        final CompletableFuture<Vip> ready = new CompletableFuture<>();
        final CompletableFuture<Void> pong = new CompletableFuture<>();
        private Vip vip;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Packet p)) {
                return; // an undecodable frame: the server never sends one
            }
            if (p instanceof S2cPacket) {
                s2cReceived.incrementAndGet();
            } else if (p.type() == PacketType.AIP) {
                vip = Packets.parseAip(((SimplePacket) p).body());
            } else if (p.type() == PacketType.HSK) {
                ready.complete(vip);
            } else if (p.type() == PacketType.PING) {
                pong.complete(null);
            } else if (p.type() == PacketType.ERR) {
                errReceived.incrementAndGet();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ready.completeExceptionally(new IOException("closed before the handshake"));
            pong.completeExceptionally(new IOException("closed"));
        }
    }

    private record Steady(Channel channel, Vip vip) {
    }

    @Override
    public Integer call() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(2);
        PrintWriter out = csv == null ? null : new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8));
        try {
            List<Steady> steady = new ArrayList<>();
            for (int i = 0; i < 2 * pairs; i++) {
                Client c = new Client();
                Channel ch = connect(group, c);
                steady.add(new Steady(ch, c.ready.get(10, TimeUnit.SECONDS)));
            }
            byte[] data = new byte[size];
            int perTick = Math.max(1, rate / 100);
            for (int i = 0; i < pairs; i++) {
                Steady from = steady.get(2 * i);
                Steady to = steady.get(2 * i + 1);
                from.channel.eventLoop().scheduleAtFixedRate(() -> {
                    if (!from.channel.isWritable()) {
                        skipped.addAndGet(perTick); // the server slows us down: send less, hold nothing
                        return;
                    }
                    for (int k = 0; k < perTick; k++) {
                        from.channel.write(Packets.s2c(to.vip, data), from.channel.voidPromise());
                    }
                    from.channel.flush();
                    s2cSent.addAndGet(perTick);
                }, 10, 10, TimeUnit.MILLISECONDS);
            }
            AtomicLong tick = new AtomicLong();
            group.next().scheduleAtFixedRate(() -> {
                long t = tick.incrementAndGet();
                for (Steady s : steady) {
                    s.channel.writeAndFlush(t % 10 == 0 ? Packets.gclRequest() : Packets.ping(), s.channel.voidPromise());
                }
                for (int i = 0; i < churn; i++) {
                    churnOne(group, steady.get(ThreadLocalRandom.current().nextInt(steady.size())).vip, i);
                }
            }, 1, 1, TimeUnit.SECONDS);

            String header = "elapsed_s,server_rss_kib,server_heap_after_gc_kib,churn_opened,churn_completed,churn_failed,"
                    + "s2c_sent,s2c_received,err_received,sends_skipped";
            System.out.println(header);
            if (out != null) {
                out.println(header);
                out.flush();
            }
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
            sample(start, out);
            while (System.nanoTime() < end) {
                long next = Math.min(end, System.nanoTime() + TimeUnit.SECONDS.toNanos(sampleSeconds));
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime())); // pacing the samples is the point here
                sample(start, out);
            }
            for (Steady s : steady) {
                s.channel.writeAndFlush(Packets.exit(ExitCode.CC)).channel().close();
            }
            System.out.printf(Locale.ROOT, "soak done: %d s, %d churn connections (%d failed), %d S2C sent, %d received%n",
                    durationSeconds, churnOpened.get(), churnFailed.get(), s2cSent.get(), s2cReceived.get());
            return churnFailed.get() == 0 ? 0 : 1;
        } finally {
            if (out != null) {
                out.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private Channel connect(EventLoopGroup group, Client handler) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(DospCodec.forClient(1 << 20), handler);
                    }
                }).connect(host, port).channel();
    }

    /** One short-lived client: handshake, a little of everything, a PING round trip, then leave. */
    private void churnOne(EventLoopGroup group, Vip target, int n) {
        churnOpened.incrementAndGet();
        Client c = new Client();
        Channel ch = connect(group, c);
        c.ready.thenRun(() -> {
            ch.write(Packets.s2c(target, ("churn " + n).getBytes(StandardCharsets.UTF_8)), ch.voidPromise());
            ch.write(Packets.mpak(List.of(Packets.s2c(target, new byte[] {1}), Packets.s2c(target, new byte[] {2}))),
                    ch.voidPromise());
            if (n % 10 == 0) { // a malformed frame: S2C shorter than DST + SRC (answered with ERR, connection kept)
                ch.write(Unpooled.wrappedBuffer(new byte[] {3, 0, 0, 0, 3, 1, 2, 3}), ch.voidPromise());
            }
            ch.writeAndFlush(Packets.ping(), ch.voidPromise());
            s2cSent.addAndGet(3);
        });
        c.pong.orTimeout(30, TimeUnit.SECONDS).whenComplete((v, e) -> {
            if (e != null) {
                churnFailed.incrementAndGet();
                ch.close();
                return;
            }
            churnCompleted.incrementAndGet();
            if (n % 2 == 0) {
                ch.writeAndFlush(Packets.exit(ExitCode.CC)).addListener(f -> ch.close());
            } else {
                ch.close();
            }
        });
    }

    private void sample(long start, PrintWriter out) throws IOException, InterruptedException {
        long heap = heapAfterGcKiB();
        String row = String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", Math.round((System.nanoTime() - start) / 1e9),
                rssKiB(), heap, churnOpened.get(), churnCompleted.get(), churnFailed.get(), s2cSent.get(), s2cReceived.get(),
                errReceived.get(), skipped.get());
        System.out.println(row);
        if (out != null) {
            out.println(row);
            out.flush();
        }
    }

    private long heapAfterGcKiB() throws IOException, InterruptedException {
        if (serverPid == null || jcmd("GC.run") == null) {
            return -1;
        }
        String info = jcmd("GC.heap_info");
        Matcher m = info == null ? null : HEAP_USED.matcher(info);
        return m != null && m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), serverPid.toString(), command).redirectErrorStream(true).start();
        byte[] text = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            return null;
        }
        return new String(text, StandardCharsets.UTF_8);
    }

    private long rssKiB() {
        return serverPid == null ? -1 : RssSampler.rssKiB(serverPid);
    }
}
