package io.dosp.it.server;

import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextErr;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.GuardStats;
import io.dosp.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * FN starvation: one client floods calls to a slow function. Each client may have
 * {@value #CAP} calls in flight (the rest are answered ERR FF at once), the {@value #THREADS}
 * function threads serve the clients in turn, and a call that overruns the call timeout is answered
 * ERR FF and interrupted. An innocent client's call is answered while the attacker floods, and an
 * innocent pair exchanges S2C and PING throughout.
 */
class FunctionStarvationIT {
    static final int THREADS = 2;
    static final int CAP = 8;
    static final int FLOOD = 3_000;

    @TempDir
    Path tmp;

    /** Reads the attacker's answers on a thread of its own and counts them by kind. */
    static final class Answers implements AutoCloseable {
        final AtomicLong sa = new AtomicLong();
        final AtomicLong overCap = new AtomicLong();
        final AtomicLong timedOut = new AtomicLong();
        final AtomicLong other = new AtomicLong();
        final AtomicInteger lastTextLength = new AtomicInteger();
        private final RawClient client;
        private final Thread reader;
        private volatile boolean closed;

        Answers(RawClient client) {
            this.client = client;
            this.reader = new Thread(this::read, "attacker-answers");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            while (!closed) {
                Packet p;
                try {
                    p = client.receive(Duration.ofSeconds(60));
                } catch (AssertionError | UncheckedIOException e) {
                    return;
                }
                if (p.type() == PacketType.SA) {
                    sa.incrementAndGet();
                } else if (p.type() == PacketType.ERR) {
                    ErrorReply e = ErrorReply.parse(((SimplePacket) p).body());
                    lastTextLength.set(e.text().length());
                    if (e.code() == ErrCode.FF && e.text().startsWith("Too many FN calls in flight: at most " + CAP
                            + " per client")) {
                        overCap.incrementAndGet();
                    } else if (e.code() == ErrCode.FF && e.text().contains("timed out after")) {
                        timedOut.incrementAndGet();
                    } else {
                        other.incrementAndGet();
                    }
                } else {
                    other.incrementAndGet();
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            client.close();
        }
    }

    private static byte[] calls(String name, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] one = PacketCodec.encode(Packets.fn(name));
        for (int i = 0; i < n; i++) {
            out.writeBytes(one);
        }
        return out.toByteArray();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFloodOfSlowCallsDelaysOnlyTheAttacker() throws Exception {
        Semaphore gate = new Semaphore(0);
        AtomicInteger running = new AtomicInteger();
        try (DospServer server = start(tmp, b -> b.functions(f -> f.threads(THREADS).queue(64).maxCallsPerClient(CAP)));
             InnocentPair pair = InnocentPair.start(server.port());
             RawClient innocent = RawClient.connect(server.port());
             Answers attacker = new Answers(RawClient.connect(server.port()))) {
            server.registerFunction("hold", c -> {
                running.incrementAndGet();
                try {
                    gate.acquire();
                    return "released";
                } finally {
                    running.decrementAndGet();
                }
            });
            server.registerFunction("fast", c -> "ok");
            pair.awaitMore(3);

            // 3,000 calls in one write: the first CAP are admitted, every other one is answered ERR FF at once.
            attacker.client.sendRaw(calls("hold", FLOOD));
            await().atMost(AWAIT).untilAsserted(() -> assertThat(attacker.overCap).hasValue(FLOOD - CAP));
            assertThat(attacker.lastTextLength.get()).isLessThan(100);
            GuardStats g = server.stats().guard();
            assertThat(g.functionCallsAdmitted()).isEqualTo(CAP);
            assertThat(g.functionCallsInFlight()).isEqualTo(CAP);
            assertThat(server.stats().drops(DropReason.FUNCTION_CLIENT_LIMIT)).isEqualTo(FLOOD - CAP);
            assertThat(running).as("every function thread runs one of the attacker's calls").hasValue(THREADS);
            pair.awaitMore(3);

            // The innocent client's call waits in a queue of its own. Clients take turns: the attacker was first in line,
            // so the first thread to come free takes its next call, and the second takes the innocent's. (One queue in
            // arrival order would put it behind all the attacker's CAP - THREADS waiting calls.)
            innocent.send(Packets.fn("fast"));
            await().atMost(AWAIT).until(() -> server.stats().guard().functionCallsAdmitted() == CAP + 1);
            gate.release(); // one attacker call returns; its thread takes the attacker's next call
            await().atMost(AWAIT).untilAsserted(() -> assertThat(attacker.sa).hasValue(1));
            // The attacker keeps flooding: its freed slot is taken again, the other 99 refused.
            attacker.client.sendRaw(calls("hold", 100));
            await().atMost(AWAIT).untilAsserted(() -> assertThat(attacker.overCap).hasValue(FLOOD - CAP + 99));
            pair.awaitMore(1);
            gate.release(); // another returns; its thread takes the innocent's call
            await().atMost(AWAIT).untilAsserted(() -> assertThat(attacker.sa).hasValue(2));
            assertThat(next(innocent, PacketType.SA).bodyText()).as("answered while the attacker still floods")
                    .isEqualTo("ok");
            assertThat(server.stats().guard().functionCallsInFlight()).as("the attacker's calls: two answered, one more taken")
                    .isEqualTo(CAP - 1);
            long admittedAttacker = CAP + 1;
            pair.awaitMore(3);

            // Everything admitted is answered once released; nothing is left in flight.
            gate.release(1_000);
            long want = admittedAttacker;
            await().atMost(AWAIT).untilAsserted(() -> {
                assertThat(attacker.sa).hasValue(want);
                assertThat(server.stats().guard().functionCallsInFlight()).isZero();
            });
            assertThat(attacker.other).hasValue(0);
            assertThat(attacker.sa.get() + attacker.overCap.get()).as("every call answered once").isEqualTo(FLOOD + 100L);
            assertThat(server.stats().guard().functionCallsAdmitted()).isEqualTo(admittedAttacker + 1);
            assertThat(server.stats().drops(DropReason.FUNCTION_CLIENT_LIMIT)).isEqualTo(attacker.overCap.get());
            // The attacker's connection is still served: it gets answers like anybody.
            attacker.client.send(Packets.fn("fast"));
            await().atMost(AWAIT).untilAsserted(() -> assertThat(attacker.sa).hasValue(want + 1));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aCallThatOverrunsItsTimeoutIsAnsweredAndInterrupted() throws Exception {
        AtomicInteger interrupted = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        try (DospServer server = start(tmp, b -> b.functions(f -> f.threads(1).maxCallsPerClient(CAP)
                .callTimeout(Duration.ofMillis(300))));
             InnocentPair pair = InnocentPair.start(server.port());
             RawClient attacker = RawClient.connect(server.port());
             RawClient innocent = RawClient.connect(server.port())) {
            server.registerFunction("stuck", c -> {
                try {
                    never.await();
                    return "never";
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                }
            });
            server.registerFunction("fast", c -> "ok");
            attacker.sendRaw(calls("stuck", 3));
            for (int i = 0; i < 3; i++) {
                ErrorReply e = nextErr(attacker, ErrCode.FF);
                assertThat(e.text()).isEqualTo("Function 'stuck' timed out after 300 ms");
            }
            await().atMost(AWAIT).untilAsserted(() -> {
                assertThat(interrupted).as("each overrunning call's thread was interrupted").hasValue(3);
                assertThat(server.stats().drops(DropReason.FUNCTION_TIMEOUT)).isEqualTo(3);
                assertThat(server.stats().guard().functionCallsInFlight()).isZero();
            });
            // What the interrupted function threw is not sent: the call was answered once. The thread is free again.
            innocent.send(Packets.fn("fast"));
            assertThat(next(innocent, PacketType.SA).bodyText()).isEqualTo("ok");
            attacker.send(Packets.ping(new byte[] {1}));
            assertThat(next(attacker, PacketType.PING).body()).containsExactly(1);
            pair.awaitMore(3);
        }
    }
}
