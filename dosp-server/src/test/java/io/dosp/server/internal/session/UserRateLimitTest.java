package io.dosp.server.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A user's own rate limit (client admission) paces its session like the server's: reading pauses, nothing is dropped. */
class UserRateLimitTest {

    @Test
    void aUsersPacketLimitPausesReadingAndHandsEveryPacketOn() {
        EmbeddedChannel ch = new EmbeddedChannel();
        SessionSettings settings = new SessionSettings(false, 64 << 10, 1 << 20, 1 << 10, 1 << 16, Duration.ofSeconds(30),
                SlowConsumerPolicy.BACKPRESSURE, 0, 0, 0, 1 << 20, 0);
        AtomicInteger handled = new AtomicInteger();
        ClientSession s = new ClientSession(ch, Vip.parse("7.10.0.2"), settings, new Counters(),
                (session, packet) -> handled.incrementAndGet(), new MemoryBudget(1 << 24), (src, dst) -> { },
                PeerLog.defaults());
        try {
            assertThat(s.sendsFastPath()).isTrue();
            s.onMessage(Packets.ping());
            assertThat(s.readPaused()).as("no limit of its own yet").isFalse();
            s.userRateLimit(2, 0);
            assertThat(s.sendsFastPath()).as("a rate-limited sender takes the packet path").isFalse();
            for (int i = 0; i < 5; i++) {
                s.onMessage(Packets.ping());
            }
            assertThat(s.readPaused()).as("past 2 packets/s with a burst of one second").isTrue();
            assertThat(handled).hasValue(6);
            // The pause ends when the bucket has refilled (the resume task runs on the session's loop).
            ch.advanceTimeBy(5, java.util.concurrent.TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            assertThat(s.readPaused()).isFalse();
            s.userRateLimit(0, 0);
            assertThat(s.sendsFastPath()).as("limit lifted: the fast path may take its S2C again").isTrue();
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
