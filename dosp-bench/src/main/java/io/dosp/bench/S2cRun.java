package io.dosp.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one s2c measurement: connects the pairs (to the server or nats-server, or to each other
 * through a tiny in-process acceptor in direct mode), optionally opens their tunnels, sends for
 * warm-up plus duration, stops, waits for what is still in flight, then collects the counters.
 * The CPU time of the target process (if its PID is known) and of the generator is read at the
 * start and the end of the measured window. Every phase has a deadline, so a run always ends
 * by itself.
 */
final class S2cRun {
    private static final long CONNECT_TIMEOUT_MILLIS = 10_000;

    private final S2cSpec spec;
    private final S2cPair.Run run;
    private final List<S2cPair> pairs = new ArrayList<>();
    private final List<EventLoop> loops = new ArrayList<>();
    private final Hooks hooks;

    /**
     * What a caller driving several servers at once (the cluster load) changes in a run: the server port of pair
     * {@code i}'s sender and receiver, something to wait for once every endpoint has its vIP (the nodes' mirrors),
     * and callbacks at the start and the end of the measured window (thread CPU readings).
     */
    interface Hooks {
        /** The port pair {@code index}'s sender connects to. */
        int senderPort(int index);

        /** The port pair {@code index}'s receiver connects to. */
        int receiverPort(int index);

        /** Called once every endpoint has completed its handshake, before the partners are paired up. */
        default void connected() throws InterruptedException {
        }

        /** Called at the start of the measured window. */
        default void measureStart() {
        }

        /** Called at the end of the measured window. */
        default void measureEnd() {
        }
    }

    private S2cRun(S2cSpec spec, Hooks hooks) {
        this.spec = spec;
        this.run = new S2cPair.Run(spec);
        this.hooks = hooks;
    }

    /** Runs {@code spec} and returns its result; throws if the pairs cannot be set up. */
    static S2cResult run(S2cSpec spec) throws InterruptedException {
        return run(spec, null);
    }

    /** Runs {@code spec} with {@code hooks} (null: every endpoint at the spec's port, no callbacks). */
    static S2cResult run(S2cSpec spec, Hooks hooks) throws InterruptedException {
        return new S2cRun(spec, hooks).execute();
    }

    private S2cResult execute() throws InterruptedException {
        EventLoopGroup group = Transport.group(spec.threads(), "bench-io");
        EventLoopGroup boss = null;
        Channel acceptor = null;
        boolean drained;
        CpuUse cpu;
        RssSampler rss = null;
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        try {
            for (int i = 0; i < spec.pairs(); i++) {
                pairs.add(new S2cPair(i, run));
            }
            if (spec.direct()) {
                boss = Transport.group(1, "bench-accept");
                acceptor = connectDirect(boss, group);
            } else {
                connectToServer();
            }
            if (spec.tunnel()) {
                for (S2cPair p : pairs) {
                    p.sender.startTunnel();
                }
                await(run.tunnels, "tunnel handshakes");
            }
            rss = RssSampler.start(spec.cpuPid()); // the target's RSS from the first message to the end of the drain
            long start = System.nanoTime();
            run.measureStart = start + TimeUnit.MILLISECONDS.toNanos(spec.warmupMillis());
            run.measureEnd = run.measureStart + TimeUnit.MILLISECONDS.toNanos(spec.durationMillis());
            run.running = true;
            for (S2cPair p : pairs) {
                p.sender.startSending();
            }
            sleepUntil(run.measureStart);
            long targetStart = spec.cpuPid() == null ? -1 : ProcCpu.ticks(spec.cpuPid());
            long selfStart = ProcCpu.ticks(ProcCpu.self());
            if (hooks != null) {
                hooks.measureStart();
            }
            sleepUntil(run.measureEnd);
            if (hooks != null) {
                hooks.measureEnd();
            }
            long targetEnd = spec.cpuPid() == null ? -1 : ProcCpu.ticks(spec.cpuPid());
            long selfEnd = ProcCpu.ticks(ProcCpu.self());
            run.running = false;
            waitForSendersToStop();
            drained = drain();
            long rssPeak = -1;
            if (rss != null) {
                rss.close();
                rssPeak = rss.peakBytes();
            }
            cpu = new CpuUse(ProcCpu.seconds(targetStart, targetEnd), ProcCpu.seconds(selfStart, selfEnd), rssPeak);
        } finally {
            if (rss != null) {
                rss.close();
            }
            run.running = false;
            run.closing = true;
            closeAll();
            if (acceptor != null) {
                acceptor.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            if (boss != null) {
                boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
        // The event loops have terminated: everything they wrote is visible here.
        return S2cResult.collect(spec, pairs, drained, cpu, run.failure);
    }

    /** Sender i on loop i, receiver i on the next loop; both handshake with the server (DoSP or NATS). */
    private void connectToServer() throws InterruptedException {
        for (S2cPair p : pairs) {
            connect(p.sender, loops.get(p.index % loops.size()), spec.host(),
                    hooks == null ? spec.port() : hooks.senderPort(p.index));
            connect(p.receiver, loops.get((p.index + 1) % loops.size()), spec.host(),
                    hooks == null ? spec.port() : hooks.receiverPort(p.index));
        }
        await(run.connected, "handshakes with " + spec.host() + ":" + spec.port());
        if (hooks != null) {
            hooks.connected();
        }
        for (S2cPair p : pairs) {
            p.pairUp();
        }
    }

    /**
     * Each sender connects to an acceptor in this process whose accepted socket is the receiver.
     * Pairs connect one at a time so the acceptor can match them in order; accepted sockets go
     * round-robin over the loops, and the sender takes the next loop.
     */
    private Channel connectDirect(EventLoopGroup boss, EventLoopGroup group) throws InterruptedException {
        ConcurrentLinkedQueue<S2cEndpoint> waiting = new ConcurrentLinkedQueue<>();
        Channel acceptor = new ServerBootstrap().group(boss, group).channel(Transport.serverSocket())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        S2cEndpoint receiver = waiting.poll();
                        if (receiver == null) {
                            ch.close();
                        } else {
                            ch.pipeline().addLast(receiver);
                        }
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        int port = ((InetSocketAddress) acceptor.localAddress()).getPort();
        for (S2cPair p : pairs) {
            waiting.add(p.receiver);
            connect(p.sender, loops.get((p.index + 1) % loops.size()), "127.0.0.1", port);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MILLIS);
            while (p.receiver.channel == null || p.sender.channel == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("direct pair " + p.index + " did not connect");
                }
                Thread.sleep(1);
            }
        }
        await(run.connected, "direct connections");
        return acceptor;
    }

    private void connect(S2cEndpoint endpoint, EventLoop loop, String host, int port) {
        ChannelFuture f = new Bootstrap().group(loop).channel(Transport.socket())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT_MILLIS)
                .handler(endpoint)
                .connect(host, port);
        f.addListener(r -> {
            if (!r.isSuccess()) {
                run.fail("cannot connect to " + host + ":" + port + ": " + r.cause());
            }
        });
    }

    private void await(CountDownLatch latch, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MILLIS);
        while (!latch.await(10, TimeUnit.MILLISECONDS)) {
            if (run.failure != null) {
                throw new IllegalStateException(what + " failed: " + run.failure);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": " + latch.getCount() + " still missing after "
                        + CONNECT_TIMEOUT_MILLIS + " ms");
            }
        }
        if (run.failure != null) {
            throw new IllegalStateException(what + " failed: " + run.failure);
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L));
        }
    }

    /**
     * A sender may be in the middle of writing a batch when {@code running} turns false; a task
     * queued behind it on each sender's loop runs only once that write is done (later pumps see
     * {@code running} false), so after this every message sent is counted in {@code pair.sent}.
     */
    private void waitForSendersToStop() {
        for (S2cPair p : pairs) {
            Channel ch = p.sender.channel;
            if (ch != null) {
                ch.eventLoop().submit(() -> { }).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits for the messages still in flight; false when some never arrived within the drain time. */
    private boolean drain() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(spec.drainMillis());
        while (true) {
            boolean settled = true;
            for (S2cPair p : pairs) {
                settled &= p.settled();
            }
            if (settled) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
    }

    private void closeAll() {
        List<Future<?>> closing = new ArrayList<>();
        for (S2cPair p : pairs) {
            for (S2cEndpoint e : List.of(p.sender, p.receiver)) {
                Channel ch = e.channel;
                if (ch != null && ch.isOpen()) {
                    closing.add(ch.close());
                }
            }
        }
        for (Future<?> f : closing) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
