package io.dosp.bench;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fanout}: N clients connect; an admin client authenticates and sends BCST; every other
 * client should get the text as MSG. Reports, per round, how many got it and when (from just
 * before the BCST write to each client's read), the last one being the fan-out time.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Admin broadcast to N clients: time until the last one has it."})
final class FanoutLoad implements Callable<Integer> {

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port = 7744;

    @Option(names = {"-n", "--clients"}, description = "Receiving clients (default: ${DEFAULT-VALUE}).")
    int clients = 1000;

    @Option(names = "--rounds", description = "Broadcasts, one after the other (default: ${DEFAULT-VALUE}).")
    int rounds = 5;

    @Option(names = {"-s", "--size"}, description = "Broadcast text length in bytes (default: ${DEFAULT-VALUE}).")
    int size = 64;

    @Option(names = "--admin-token", description = "Admin token text.")
    String adminToken;

    @Option(names = "--admin-token-file", description = "File holding the admin token (e.g. the server's generated one).")
    Path adminTokenFile;

    @Option(names = "--concurrency", description = "Handshakes in flight while connecting (default: ${DEFAULT-VALUE}).")
    int concurrency = 256;

    @Option(names = "--timeout", description = "Seconds to wait for one round (default: ${DEFAULT-VALUE}).")
    double timeout = 10;

    @Option(names = "--threads", description = "Generator I/O threads (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    /** The round in progress: its tag, start and per-client arrival times. */
    private static final class Round {
        final String tag;
        final long start;
        final long[] arrivals;
        final AtomicInteger count = new AtomicInteger();
        final CountDownLatch all;

        Round(String tag, long start, int n) {
            this.tag = tag;
            this.start = start;
            this.arrivals = new long[n];
            this.all = new CountDownLatch(n);
        }
    }

    private volatile Round round;

    @Override
    public Integer call() throws Exception {
        String token = adminToken != null ? adminToken
                : adminTokenFile != null ? Files.readString(adminTokenFile, StandardCharsets.UTF_8).trim() : null;
        if (token == null) {
            System.err.println("fanout: give --admin-token or --admin-token-file (BCST needs an authenticated admin)");
            return 2;
        }
        EventLoopGroup group = Transport.group(threads, "bench-fanout");
        List<Channel> channels = new ArrayList<>(clients + 1);
        try {
            long connectStart = System.nanoTime();
            int connected = connectReceivers(group, channels);
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            if (connected < clients) {
                System.err.printf(Locale.ROOT, "fanout: only %d of %d clients completed the handshake%n", connected, clients);
            }
            CompletableFuture<String> authReply = new CompletableFuture<>();
            AtomicReplies bcstReplies = new AtomicReplies();
            Channel admin = connectAdmin(group, authReply, bcstReplies);
            channels.add(admin);
            admin.writeAndFlush(Packets.auth(token));
            String auth = authReply.get(10, TimeUnit.SECONDS);
            if (!auth.equals("OK")) {
                System.err.println("fanout: AUTH refused: " + auth);
                return 1;
            }
            List<Json> roundJson = new ArrayList<>();
            double[] lastMs = new double[rounds];
            double[] p50Ms = new double[rounds];
            int worstDelivered = Integer.MAX_VALUE;
            if (!json) {
                System.out.printf(Locale.ROOT, "%d clients connected in %.2f s (%.0f/s); broadcasting %d B, %d rounds%n",
                        connected, connectSeconds, connected / connectSeconds, size, rounds);
                System.out.printf(Locale.ROOT, "%-6s %-10s %-12s %10s %10s %10s %10s %12s%n", "round", "delivered", "server said",
                        "first ms", "p50 ms", "p99 ms", "last ms", "msgs/s");
            }
            for (int r = 0; r < rounds; r++) {
                String tag = "#fanout " + r + " " + Long.toHexString(System.nanoTime()) + "#";
                StringBuilder text = new StringBuilder(tag);
                while (text.length() < size) {
                    text.append('.');
                }
                Round current = new Round(tag, System.nanoTime(), connected);
                round = current;
                admin.writeAndFlush(Packets.bcst(text.toString()));
                current.all.await((long) (timeout * 1000), TimeUnit.MILLISECONDS);
                int got = current.count.get();
                long[] times = current.arrivals.clone();
                Arrays.sort(times); // clients that did not get it have 0 and sort first
                long[] arrived = Arrays.copyOfRange(times, connected - got, connected);
                String said = bcstReplies.await(2_000);
                double first = got == 0 ? Double.NaN : arrived[0] / 1e6;
                double p50 = pct(arrived, 50) / 1e6;
                double p99 = pct(arrived, 99) / 1e6;
                double last = got == 0 ? Double.NaN : arrived[got - 1] / 1e6;
                lastMs[r] = last;
                p50Ms[r] = p50;
                worstDelivered = Math.min(worstDelivered, got);
                roundJson.add(Json.obj().put("round", r).put("delivered", got).put("server_reply", said)
                        .put("first_ms", first).put("p50_ms", p50).put("p99_ms", p99).put("last_ms", last)
                        .put("msgs_per_s", got / (last / 1000)));
                if (!json) {
                    System.out.printf(Locale.ROOT, "%-6d %-10s %-12s %10.2f %10.2f %10.2f %10.2f %,12.0f%n", r, got + "/" + connected,
                            said == null ? "-" : said.replaceAll("[^0-9]", ""), first, p50, p99, last, got / (last / 1000));
                }
                round = null;
                Thread.sleep(200);
            }
            double medLast = MatrixLoad.median(lastMs);
            if (json) {
                System.out.println(Json.obj().put("mode", "fanout").put("host", host).put("port", port).put("clients", clients)
                        .put("connected", connected).put("connect_seconds", connectSeconds).put("size", size)
                        .put("rounds", roundJson).put("median_last_ms", medLast).put("median_p50_ms", MatrixLoad.median(p50Ms))
                        .put("all_delivered", worstDelivered == connected));
            } else {
                System.out.printf(Locale.ROOT, "median over %d rounds: last client after %.2f ms, half of them after %.2f ms%n",
                        rounds, medLast, MatrixLoad.median(p50Ms));
            }
            return worstDelivered == connected && connected == clients ? 0 : 1;
        } finally {
            for (Channel c : channels) {
                c.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private int connectReceivers(EventLoopGroup group, List<Channel> channels) throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        AtomicInteger ok = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            int index = i;
            inFlight.acquire();
            Bootstrap b = bootstrap(group, new SimpleChannelInboundHandler<Packet>() {
                private boolean counted;

                @Override
                protected void channelRead0(ChannelHandlerContext ctx, Packet p) {
                    if (p.type() == PacketType.HSK && !counted) {
                        counted = true;
                        ok.incrementAndGet();
                        inFlight.release();
                        done.countDown();
                    } else if (p.type() == PacketType.MSG) {
                        onMessage(index, ((SimplePacket) p).bodyText());
                    }
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    if (!counted) {
                        counted = true;
                        inFlight.release();
                        done.countDown();
                    }
                }
            });
            Channel ch = b.connect(host, port).addListener(f -> {
                if (!f.isSuccess()) {
                    inFlight.release();
                    done.countDown();
                }
            }).channel();
            channels.add(ch);
        }
        done.await(120, TimeUnit.SECONDS);
        return ok.get();
    }

    private void onMessage(int index, String text) {
        long now = System.nanoTime();
        Round r = round;
        if (r != null && index < r.arrivals.length && text.startsWith(r.tag) && r.arrivals[index] == 0) {
            r.arrivals[index] = Math.max(1, now - r.start);
            r.count.incrementAndGet(); // publishes the slot to the main thread
            r.all.countDown();
        }
    }

    /** BCST replies to the admin, one per round. */
    private static final class AtomicReplies {
        private final LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();

        void add(String s) {
            q.add(s);
        }

        String await(long millis) throws InterruptedException {
            return q.poll(millis, TimeUnit.MILLISECONDS);
        }
    }

    private Channel connectAdmin(EventLoopGroup group, CompletableFuture<String> authReply, AtomicReplies bcst)
            throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(1);
        Bootstrap b = bootstrap(group, new SimpleChannelInboundHandler<Packet>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, Packet p) {
                PacketType t = p.type();
                if (t == PacketType.HSK) {
                    ready.countDown();
                } else if (t == PacketType.AUTH) {
                    authReply.complete(((SimplePacket) p).bodyText());
                } else if (t == PacketType.BCST) {
                    bcst.add(((SimplePacket) p).bodyText());
                } else if (t == PacketType.ERR) {
                    bcst.add("ERR " + ((SimplePacket) p).bodyText());
                }
            }
        });
        Channel ch = b.connect(host, port).syncUninterruptibly().channel();
        if (!ready.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("admin client: no handshake from " + host + ":" + port);
        }
        return ch;
    }

    private static Bootstrap bootstrap(EventLoopGroup group, SimpleChannelInboundHandler<Packet> handler) {
        return new Bootstrap().group(group).channel(Transport.socket())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(DospCodec.forClient(1 << 20), handler);
                    }
                });
    }
}
