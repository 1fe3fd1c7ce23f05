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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two raw clients that, on a thread of their own, exchange S2C both ways and PING the server, over
 * and over, while a test attacks the server: each answer must come (within 20 s), in order, with
 * the right data. {@link #awaitMore(int)} waits until they got through more rounds;
 * {@link #stop()} (or {@link #close()}) stops them and fails if any round failed.
 */
final class InnocentPair implements AutoCloseable {
    private static final Duration ANSWER = Duration.ofSeconds(20);

    private final RawClient a;
    private final RawClient b;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger rounds = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;

    InnocentPair(int port) {
        a = RawClient.connect(port);
        b = RawClient.connect(port);
        thread = new Thread(this::run, "innocent-pair");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running.get()) {
                round(rounds.get());
                rounds.incrementAndGet();
            }
        } catch (Throwable t) {
            if (running.get()) {
                failure.set(t);
            }
        }
    }

    private void round(int n) {
        byte[] text = ("innocent-" + n).getBytes(StandardCharsets.UTF_8);
        a.send(Packets.s2c(b.vip(), text));
        S2cPacket atB = (S2cPacket) b.receive(ANSWER);
        assertThat(atB.src()).isEqualTo(a.vip());
        assertThat(atB.data()).isEqualTo(text);
        b.send(Packets.s2c(a.vip(), atB.data()));
        S2cPacket atA = (S2cPacket) a.receive(ANSWER);
        assertThat(atA.src()).isEqualTo(b.vip());
        assertThat(atA.data()).isEqualTo(text);
        a.send(Packets.ping(text));
        Packet pong = a.receive(ANSWER);
        assertThat(pong.type()).isEqualTo(PacketType.PING);
        assertThat(((SimplePacket) pong).body()).isEqualTo(text);
    }

    /** Rounds completed so far. */
    int rounds() {
        return rounds.get();
    }

    /** Waits until {@code n} more rounds than now have completed (and none failed). */
    void awaitMore(int n) {
        int target = rounds.get() + n;
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(failure.get()).as("an innocent round failed").isNull();
            assertThat(rounds.get()).isGreaterThanOrEqualTo(target);
        });
    }

    /** Stops the rounds and closes both clients; fails if a round failed. Idempotent. */
    void stop() {
        running.set(false);
        try {
            thread.join(ANSWER.toMillis() * 3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        a.close();
        b.close();
        assertThat(failure.get()).as("an innocent round failed").isNull();
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
