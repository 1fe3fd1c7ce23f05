package io.dosp.it.server;

import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.FlowStats;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStats;
import io.dosp.testkit.RawClient;
import io.netty.channel.epoll.Epoll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@value #RECEIVERS} receivers that never read and {@value #SENDERS} senders flooding them, against
 * a server with a small memory budget, while an innocent pair exchanges S2C and PING. The server
 * must not run out of memory or fail a task (its log is captured), must keep within its budget
 * plus the documented overshoot, must answer every S2C it could not deliver with ERR S2CF, and the
 * innocent pair must keep working throughout.
 *
 * <p>Run in this JVM: the budget, not the heap size, is what bounds the server, and its stats say
 * how much it held. Loopback's 64 KiB MSS lets the kernel take a few MiB per receiver before the
 * server holds anything, so the flood is large frames, and it goes on until a stalled receiver
 * has been dropped (how much the kernels take first varies from run to run). Run with one event loop (senders and receivers share
 * it: the fast path) and with four (hand-offs between loops).
 */
class MemoryBudgetIT {
    static final int RECEIVERS = 200;
    static final int SENDERS = 4;
    static final int DATA = 4 << 10;
    /** At most this many rounds over every receiver; the flood stops at the first slow consumer dropped. */
    static final int ROUNDS = 1_000;
    static final int FRAME = 5 + 8 + DATA;
    static final int LOW = 32 << 10;
    static final int HIGH = 64 << 10;
    static final long BUDGET = 4 << 20;
    /** What a paused sender may still route: one read (at most 64 KiB) plus a frame begun before it. */
    static final long ONE_READ = (64 << 10) + FRAME;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} event loop(s)")
    @ValueSource(ints = {1, 4})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void slowReceiversCannotExhaustTheServerNorStallOthers(int eventLoops) throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "the stalled receivers need epoll (TCP_MAXSEG)");
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        // All from 127.0.0.1 (no per-address limit); the receivers never send (no first-packet deadline).
        ServerConfig cfg = config(tmp).workerThreads(eventLoops).limits(l -> l.maxConnectionsPerAddress(0).firstPacketTimeout(Duration.ZERO)
                .outboundWaterMarks(LOW, HIGH).maxOutboundBytes(256 << 10)
                .slowConsumerTimeout(Duration.ofSeconds(1)).memoryBudget(BUDGET)).build();
        ExecutorService pool = Executors.newFixedThreadPool(SENDERS + 1);
        StalledReceivers receivers = new StalledReceivers();
        List<FloodSender> senders = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        try (DospServer server = DospServer.start(cfg); RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            for (int i = 0; i < RECEIVERS; i++) {
                receivers.connect(server.port());
            }
            List<Vip> dsts = receivers.all().stream().map(StalledReceivers.Receiver::vip).toList();
            for (int i = 0; i < SENDERS; i++) {
                senders.add(new FloodSender(server.port()));
            }
            AtomicInteger exchanges = new AtomicInteger();
            Future<?> innocent = pool.submit(() -> {
                while (flooding.get()) {
                    exchange(a, b, exchanges.get());
                    exchanges.incrementAndGet();
                }
                return null;
            });
            List<Future<?>> floods = new ArrayList<>();
            for (FloodSender s : senders) {
                floods.add(pool.submit(() -> s.flood(dsts, ROUNDS, DATA, 8,
                        () -> server.stats().drops(DropReason.SLOW_CONSUMER_TIMEOUT) > 0)));
            }
            for (Future<?> f : floods) {
                f.get(120, TimeUnit.SECONDS);
            }
            int duringFlood = exchanges.get();
            flooding.set(false);
            innocent.get(30, TimeUnit.SECONDS);
            assertThat(duringFlood).as("the innocent pair kept exchanging during the flood").isPositive();

            // Every S2C was received or answered with ERR S2CF: let every receiver read what reached it.
            receivers.all().forEach(StalledReceivers.Receiver::drain);
            for (FloodSender s : senders) {
                s.awaitQuiet(AWAIT);
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (StalledReceivers.Receiver r : receivers.all()) {
                    long expected = 0;
                    for (FloodSender s : senders) {
                        expected += s.sent(r.vip()) - s.refused(r.vip());
                    }
                    assertThat(r.received()).as("S2C that reached %s (the rest were answered)", r.vip()).isEqualTo(expected);
                }
            });
            long sent = 0;
            long refused = 0;
            for (FloodSender s : senders) {
                sent += s.sentTotal();
                refused += s.refusedTotal();
                assertThat(s.otherErrors()).isZero();
            }
            for (StalledReceivers.Receiver r : receivers.all()) {
                assertThat(r.outOfOrder()).isZero();
            }
            ServerStats stats = server.stats();
            assertThat(stats.drops(DropReason.OUT_OF_MEMORY)).isZero();
            assertThat(stats.drops(DropReason.SLOW_CONSUMER_TIMEOUT)).as("receivers that made no progress were dropped")
                    .isPositive();
            assertThat(stats.drops(DropReason.QUEUED_AT_CLOSE)).as("what was queued for them was answered").isPositive();
            assertThat(stats.drops(DropReason.QUEUED_AT_CLOSE) + stats.drops(DropReason.NO_ROUTE)
                    + stats.drops(DropReason.TARGET_OVERLOADED) + stats.drops(DropReason.MEMORY_BUDGET))
                    .as("every ERR S2CF is counted").isEqualTo(refused);
            assertThat(refused).isLessThan(sent);
            FlowStats flow = stats.flow();
            assertThat(flow.memoryBudget()).isEqualTo(BUDGET);
            assertThat(flow.pauses()).isPositive();
            assertThat(flow.memoryPeak()).as("the budget plus its hard eighth plus one read per paused sender, plus"
                    + " the senders' unfinished frames")
                    .isLessThanOrEqualTo(BUDGET + BUDGET / 8 + SENDERS * ONE_READ + stats.guard().partialFramePeak());
            assertThat(stats.guard().partialFramePeak()).isLessThanOrEqualTo(stats.guard().partialFrameLimit());
            await().atMost(AWAIT).until(() -> server.stats().flow().memoryInUse() == 0);

            List<ILoggingEvent> events = List.copyOf(log.list);
            assertThat(events).as("no allocation failure, no failed task, no error logged")
                    .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || outOfMemory(e.getThrowableProxy())
                            || e.getFormattedMessage().contains("raised an exception"));
            assertThat(events.stream().filter(e -> e.getFormattedMessage().startsWith("Dropped slow consumer")).count())
                    .as("one line per dropped receiver").isEqualTo(stats.drops(DropReason.SLOW_CONSUMER_TIMEOUT)
                            + stats.drops(DropReason.OUTBOUND_LIMIT));
        } finally {
            flooding.set(false);
            senders.forEach(FloodSender::close);
            receivers.close();
            pool.shutdownNow();
            root.detachAppender(log);
        }
    }

    private static boolean outOfMemory(IThrowableProxy t) {
        for (IThrowableProxy c = t; c != null; c = c.getCause()) {
            if (c.getClassName().contains("OutOfMemoryError") || c.getClassName().contains("OutOfDirectMemoryError")) {
                return true;
            }
        }
        return false;
    }

    /** A sends B an S2C, B echoes it, A pings the server: each answer within 20 s. */
    private static void exchange(RawClient a, RawClient b, int n) {
        byte[] text = ("x" + n).getBytes(StandardCharsets.UTF_8);
        a.send(Packets.s2c(b.vip(), text));
        S2cPacket atB = (S2cPacket) b.receive(Duration.ofSeconds(20));
        assertThat(atB.dataText()).isEqualTo("x" + n);
        b.send(Packets.s2c(a.vip(), atB.data()));
        S2cPacket atA = (S2cPacket) a.receive(Duration.ofSeconds(20));
        assertThat(atA.dataText()).isEqualTo("x" + n);
        a.send(Packets.ping(text));
        Packet pong = a.receive(Duration.ofSeconds(20));
        assertThat(pong.type()).isEqualTo(PacketType.PING);
        assertThat(((SimplePacket) pong).bodyText()).isEqualTo("x" + n);
    }
}
