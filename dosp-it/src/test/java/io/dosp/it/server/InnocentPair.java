package io.dosp.it.server;

import static io.dosp.testkit.TestServers.AWAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two well-behaved clients from another address than the attackers' ({@value #ADDRESS}; all of
 * 127/8 is local on Linux) that exchange S2C both ways and PING the server, one round after the
 * other, on a thread of their own, while a test attacks the server. Each answer must come within
 * 20 s; the first failure stops the pair and is reported by {@link #assertStillWorking()}.
 */
final class InnocentPair implements AutoCloseable {
    /** The innocent clients' local address. */
    static final String ADDRESS = "127.0.0.2";
    private static final Duration ANSWER = Duration.ofSeconds(20);

    private final RawClient a;
    private final RawClient b;
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger rounds = new AtomicInteger();
    private final Future<?> loop;

    private InnocentPair(int port) {
        a = RawClient.connect(port, ADDRESS);
        b = RawClient.connect(port, ADDRESS);
        // What every reference client sends at once (it meets the first-packet deadline).
        a.send(Packets.clientInfo(TestServers.hash('a')));
        b.send(Packets.clientInfo(TestServers.hash('b')));
        loop = thread.submit(() -> {
            while (running.get()) {
                round(rounds.get());
                rounds.incrementAndGet();
            }
            return null;
        });
    }

    /** Connects the pair to the server on {@code port} and starts exchanging. */
    static InnocentPair start(int port) {
        return new InnocentPair(port);
    }

    /** Rounds completed so far. */
    int rounds() {
        return rounds.get();
    }

    /** Waits until {@code more} further rounds are done (fails at once if the pair has failed). */
    void awaitMoreRounds(int more) {
        int target = rounds.get() + more;
        await().atMost(AWAIT).until(() -> {
            if (loop.isDone()) {
                loop.get(); // rethrows the pair's failure
                throw new AssertionError("the innocent pair stopped");
            }
            return rounds.get() >= target;
        });
    }

    /** Stops the pair and checks it never failed. */
    void assertStillWorking() throws Exception {
        awaitMoreRounds(1);
        running.set(false);
        loop.get(30, TimeUnit.SECONDS);
        assertThat(rounds.get()).isPositive();
    }

    /** Waits for {@code more} further rounds ({@link #awaitMoreRounds}). */
    void awaitMore(int more) {
        awaitMoreRounds(more);
    }

    /** Stops the rounds and closes both clients; fails if a round failed. */
    void stop() throws Exception {
        running.set(false);
        try {
            loop.get(30, TimeUnit.SECONDS);
        } finally {
            close();
        }
    }

    private void round(int n) {
        byte[] text = ("round-" + n).getBytes(StandardCharsets.UTF_8);
        a.send(Packets.s2c(b.vip(), text));
        S2cPacket atB = (S2cPacket) b.receive(ANSWER);
        assertThat(atB.dataText()).isEqualTo("round-" + n);
        b.send(Packets.s2c(a.vip(), atB.data()));
        S2cPacket atA = (S2cPacket) a.receive(ANSWER);
        assertThat(atA.dataText()).isEqualTo("round-" + n);
        for (RawClient c : new RawClient[] {a, b}) {
            c.send(Packets.ping(text));
            Packet pong = c.receive(ANSWER);
            assertThat(pong.type()).isEqualTo(PacketType.PING);
            assertThat(((SimplePacket) pong).bodyText()).isEqualTo("round-" + n);
        }
    }

    @Override
    public void close() {
        running.set(false);
        thread.shutdownNow();
        a.close();
        b.close();
    }
}
