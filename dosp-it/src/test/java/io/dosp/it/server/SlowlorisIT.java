package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.GuardStats;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris, from the hardening issue: connections that begin a frame and then trickle one byte at
 * a time into it used to count as active forever. Now trickling is not activity: the whole-frame
 * deadline ends such a connection, and with that deadline off the idle timeout does (it counts
 * complete frames only). An innocent pair keeps exchanging S2C and PING throughout; what the
 * trickling connections make the server hold is counted and bounded.
 */
class SlowlorisIT {
    static final int ATTACKERS = 20;
    /** A 1000-byte PING whose header and first bytes arrive, and then one byte every {@link #TRICKLE}. */
    static final byte[] FRAME = PacketCodec.encode(Packets.ping(new byte[1000]));
    static final Duration TRICKLE = Duration.ofMillis(50);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFrameThatTricklesInIsEndedByTheFrameDeadline() throws Exception {
        ServerConfig cfg = config(tmp).limits(l -> l.frameTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(30)))
                .build();
        GuardStats guard = attack(cfg, ServerExitReason.FRAME_TIMEOUT, DropReason.FRAME_TIMEOUT);
        assertThat(guard.partialFramePeak()).as("held for the trickling frames").isPositive()
                .isLessThanOrEqualTo(ATTACKERS * (64L << 10));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void bytesTricklingIntoAFrameDoNotResetTheIdleTimeout() throws Exception {
        ServerConfig cfg = config(tmp).limits(l -> l.frameTimeout(Duration.ZERO).idleTimeout(Duration.ofSeconds(1))).build();
        attack(cfg, ServerExitReason.IDLE_TIMEOUT, DropReason.IDLE_TIMEOUT);
    }

    /** {@link #ATTACKERS} trickling connections from two addresses while the innocent pair works; each must get {@code exit}. */
    private GuardStats attack(ServerConfig cfg, ServerExitReason exit, DropReason drop) throws Exception {
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        List<RawClient> attackers = new ArrayList<>();
        AtomicLong trickled = new AtomicLong();
        try (DospServer server = DospServer.start(cfg); InnocentPair pair = InnocentPair.start(server.port())) {
            List<ScheduledFuture<?>> tasks = new ArrayList<>();
            for (int i = 0; i < ATTACKERS; i++) {
                RawClient c = RawClient.connect(server.port(), i % 2 == 0 ? "127.0.0.3" : "127.0.0.4");
                attackers.add(c);
                c.send(Packets.clientInfo(TestServers.hash('d'))); // a valid first packet: the deadline for it is met
                assertPingRoundTrip(c);
                c.sendRaw(Arrays.copyOfRange(FRAME, 0, 10));
                int[] next = {10};
                tasks.add(trickler.scheduleAtFixedRate(() -> {
                    if (next[0] < FRAME.length - 1) { // never the last byte: the frame is never complete
                        try {
                            c.sendRaw(new byte[] {FRAME[next[0]++]});
                            trickled.incrementAndGet();
                        } catch (UncheckedIOException e) {
                            next[0] = FRAME.length; // closed by the server: stop
                        }
                    }
                }, TRICKLE.toMillis(), TRICKLE.toMillis(), TimeUnit.MILLISECONDS));
            }
            pair.awaitMoreRounds(10);
            for (RawClient c : attackers) {
                assertThat(c.expectExit()).isEqualTo(exit.text());
                assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
            }
            tasks.forEach(t -> t.cancel(false));
            assertThat(trickled.get()).as("bytes trickled in before the connections were ended").isPositive();
            await().atMost(AWAIT).until(() -> server.stats().drops(drop) == ATTACKERS);
            await().atMost(AWAIT).until(() -> server.clients().size() == 2);
            pair.assertStillWorking();
            assertThat(server.stats().drops(drop)).as("only the attackers were ended").isEqualTo(ATTACKERS);
            await().atMost(AWAIT).until(() -> server.stats().guard().partialFrameBytes() == 0);
            await().atMost(AWAIT).until(() -> server.stats().flow().memoryInUse() == 0);
            return server.stats().guard();
        } finally {
            trickler.shutdownNow();
            attackers.forEach(RawClient::close);
        }
    }
}
