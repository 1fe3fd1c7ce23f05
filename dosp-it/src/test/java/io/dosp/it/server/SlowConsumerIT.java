package io.dosp.it.server;

import static io.dosp.testkit.Expect.exchange;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ClientStats;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerListener;
import io.dosp.server.ServerStats;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.testkit.Frames;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that never reads is flooded with 1 KiB S2C by another while a third keeps exchanging
 * S2C with the flooder. The flooded client must be dropped (outbound limit with the DROP policy,
 * or the slow-consumer timeout) and the server must not have held more than its outbound limit
 * for it: every flood packet is accounted for as refused (ERR S2CF to the flooder, also for what
 * was still queued at the drop) or received by the victim before the close; nothing is discarded
 * silently.
 */
class SlowConsumerIT {
    static final int DATA = 1024;
    static final int FRAME = 5 + 8 + DATA;
    static final int LOW = 32 << 10;
    static final int HIGH = 64 << 10;
    static final int MAX_OUTBOUND = 1 << 20;
    /** Messages the flooder sends the observer after the flood, to show the exchange goes on. */
    static final int AFTER = 20;

    @TempDir
    Path tmp;

    /** What one flood run observed. */
    record Outcome(long floodSent, long refused, long victimPacketsOut, long drainedBytes, Disconnect disconnect,
            long observerFedAtDrop, int exchanged) {
        long accepted() {
            return floodSent - refused;
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void floodedClientIsDroppedWithinItsOutboundLimit() throws Exception {
        ServerConfig cfg = config(tmp).limits(l -> l.outboundWaterMarks(LOW, HIGH).maxOutboundBytes(MAX_OUTBOUND)
                .slowConsumerTimeout(Duration.ofSeconds(2)).slowConsumerPolicy(SlowConsumerPolicy.DROP)).build();
        try (DospServer server = DospServer.start(cfg)) {
            Outcome o = flood(server, 200_000, true);

            assertThat(o.disconnect().initiator()).isEqualTo(Disconnect.Initiator.SERVER);
            assertThat(o.disconnect().reason()).startsWith("Too slow");
            ServerStats stats = server.stats();
            assertThat(stats.drops(DropReason.OUTBOUND_LIMIT) + stats.drops(DropReason.SLOW_CONSUMER_TIMEOUT))
                    .as("one client was dropped, once").isEqualTo(1);
            assertThat(o.refused()).as("the flooder learned of the drop via ERR S2CF").isPositive();
            assertThat(stats.drops(DropReason.TARGET_OVERLOADED) + stats.drops(DropReason.NO_ROUTE)
                    + stats.drops(DropReason.QUEUED_AT_CLOSE))
                    .as("every refused S2C is counted").isEqualTo(o.refused());
            assertThat(stats.drops(DropReason.QUEUED_AT_CLOSE)).as("what was queued at the drop was answered").isPositive();

            // Accounting: accepted (not answered with S2CF) = received by the victim; none discarded silently.
            long written = o.victimPacketsOut() - 2; // minus AIP and HSK
            long drainedFrames = o.drainedBytes() / FRAME;
            assertThat(o.accepted()).as("every S2C not answered with S2CF reached the victim").isEqualTo(drainedFrames);
            assertThat(drainedFrames).isLessThanOrEqualTo(written);
            long heldAtClose = (o.accepted() - drainedFrames) * FRAME;
            assertThat(heldAtClose).as("bytes the server still held for the victim when it dropped it")
                    .isLessThanOrEqualTo(MAX_OUTBOUND + HIGH + 2L * FRAME);
            // The flood was far larger than what the server was allowed to hold.
            assertThat(o.floodSent() * FRAME).isGreaterThan(MAX_OUTBOUND + HIGH);
            assertThat(o.observerFedAtDrop()).as("S2C to the observer flowed during the flood").isPositive();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientUnwritableTooLongIsDroppedBySlowConsumerTimeout() throws Exception {
        // The hard limit is far above the flood, so only the timeout can drop the victim.
        ServerConfig cfg = config(tmp).limits(l -> l.outboundWaterMarks(LOW, HIGH).maxOutboundBytes(256 << 20)
                .slowConsumerTimeout(Duration.ofSeconds(2))).build();
        try (DospServer server = DospServer.start(cfg)) {
            Outcome o = flood(server, 16 << 10, false); // 16 MiB: more than the kernel buffers take

            assertThat(o.disconnect().reason()).isEqualTo("Too slow: not reading");
            assertThat(server.stats().drops(DropReason.SLOW_CONSUMER_TIMEOUT)).isEqualTo(1);
            assertThat(server.stats().drops(DropReason.OUTBOUND_LIMIT)).isZero();
            long written = o.victimPacketsOut() - 2;
            assertThat(o.accepted()).as("every S2C not answered with S2CF reached the victim").isEqualTo(o.drainedBytes() / FRAME);
            assertThat(o.drainedBytes() / FRAME).isLessThanOrEqualTo(written);
        }
    }

    /**
     * Connects flooder F (7.10.0.2), observer O (.3) and victim V (.4, tiny receive buffer, reads
     * only AIP and HSK); F floods V with up to {@code maxFlood} packets (stopping early at the first
     * ERR S2CF if {@code stopOnRefusal}) and sends O a numbered S2C every 64 flood packets, which
     * O echoes. Waits for V's drop, drains V and checks the exchange and the no-trace state.
     */
    private Outcome flood(DospServer server, int maxFlood, boolean stopOnRefusal) throws Exception {
        AtomicReference<Vip> victimVip = new AtomicReference<>();
        AtomicReference<Disconnect> victimGone = new AtomicReference<>();
        AtomicReference<ClientStats> victimStats = new AtomicReference<>();
        AtomicReference<Vip> observerVip = new AtomicReference<>();
        AtomicLong observerFedAtDrop = new AtomicLong(-1);
        server.addListener(new ServerListener() {
            @Override
            public void onDisconnect(ConnectedClient client, Disconnect d) {
                // The first disconnect of the victim's vIP (a later client may get the vIP again).
                if (client.vip().equals(victimVip.get()) && victimStats.compareAndSet(null, client.stats())) {
                    // Packets the server had queued to the observer beyond AIP and HSK.
                    observerFedAtDrop.set(server.client(observerVip.get()).orElseThrow().stats().packetsOut() - 2);
                    victimGone.set(d);
                }
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RawClient f = RawClient.connect(server.port());
             RawClient obs = RawClient.connect(server.port());
             Socket victim = new Socket()) {
            victim.setReceiveBufferSize(4096);
            victim.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            observerVip.set(obs.vip());
            victimVip.set(Frames.readGreeting(victim.getInputStream()));
            Vip v = victimVip.get();
            assertThat(v).isEqualTo(Vip.parse("7.10.0.4"));

            AtomicLong refused = new AtomicLong();
            AtomicInteger echoes = new AtomicInteger();
            AtomicInteger toObserver = new AtomicInteger(-1); // total sent to O, known once the flood ends
            Future<?> observer = pool.submit(() -> {
                for (int expect = 0; ; expect++) {
                    S2cPacket p = (S2cPacket) obs.receive(Duration.ofSeconds(60));
                    assertThat(p.src()).isEqualTo(f.vip());
                    if (p.dataText().equals("END")) {
                        return null;
                    }
                    assertThat(p.dataText()).isEqualTo("seq:" + expect);
                    obs.send(Packets.s2c(f.vip(), p.data()));
                }
            });
            Future<?> reader = pool.submit(() -> {
                boolean pinged = false;
                while (!pinged || echoes.get() != toObserver.get()) {
                    Packet p = f.receive(Duration.ofSeconds(60));
                    if (p instanceof S2cPacket s) {
                        assertThat(s.src()).isEqualTo(obs.vip());
                        assertThat(s.dataText()).isEqualTo("seq:" + echoes.getAndIncrement());
                    } else if (p.type() == PacketType.ERR) {
                        assertThat(ErrorReply.parse(((SimplePacket) p).body()).failedDst()).contains(v);
                        refused.incrementAndGet();
                    } else {
                        assertThat(p.type()).isEqualTo(PacketType.PING);
                        pinged = true;
                    }
                }
                return null;
            });

            byte[] data = new byte[DATA];
            int seq = 0;
            long sent = 0;
            while (sent < maxFlood && !(stopOnRefusal && refused.get() > 0)) {
                f.send(Packets.s2c(v, data));
                sent++;
                if (sent % 64 == 0) {
                    f.send(Packets.s2c(obs.vip(), ("seq:" + seq++).getBytes(StandardCharsets.UTF_8)));
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> victimGone.get() != null);
            for (int i = 0; i < AFTER; i++) {
                f.send(Packets.s2c(obs.vip(), ("seq:" + seq++).getBytes(StandardCharsets.UTF_8)));
            }
            f.send(Packets.s2c(obs.vip(), "END".getBytes(StandardCharsets.UTF_8)));
            toObserver.set(seq);
            f.send(Packets.ping("done".getBytes(StandardCharsets.UTF_8)));
            observer.get(60, TimeUnit.SECONDS);
            reader.get(60, TimeUnit.SECONDS);
            assertThat(echoes.get()).isEqualTo(seq);

            long drained = Frames.drainToEof(victim, Duration.ofSeconds(30));
            assertThat(drained).as("victim connection closed").isGreaterThanOrEqualTo(0);

            TestServers.awaitExactly(server, f.vip(), obs.vip());
            exchange(f, obs, "after-drop");
            try (RawClient fresh = RawClient.connect(server.port())) {
                assertThat(fresh.vip()).as("the victim's vIP is free again").isEqualTo(v);
            }
            await().atMost(AWAIT).until(() -> victimStats.get() != null);
            return new Outcome(sent, refused.get(), victimStats.get().packetsOut(), drained, victimGone.get(),
                    observerFedAtDrop.get(), seq);
        } finally {
            pool.shutdownNow();
        }
    }
}
