package io.dosp.server.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.RouteResult;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pause bookkeeping without TCP: senders and destinations on EmbeddedChannels. A destination's
 * frames wait in its batch until its flush task runs ({@code runPendingTasks}), so "behind" and
 * "drained" are steps of the test, not timing.
 */
class FlowControlTest {
    private static final int LOW = 1 << 10;
    private static final int HIGH = 2 << 10;
    private static final SessionSettings SETTINGS = new SessionSettings(false, 1 << 20, 256 << 10, LOW, HIGH,
            Duration.ofSeconds(30), SlowConsumerPolicy.BACKPRESSURE, 0, 0);
    private static final Vip SENDER = Vip.parse("7.10.0.2");

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<String> undelivered = new ArrayList<>();
    private final Counters counters = new Counters();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        return ch;
    }

    /** A destination's outbound queue over {@code budget}. */
    private OutboundQueue destination(EmbeddedChannel ch, MemoryBudget budget) {
        OutboundFlow.Owner owner = new OutboundFlow.Owner() {
            @Override
            public Vip vip() {
                return Vip.parse("7.10.0.9");
            }

            @Override
            public SocketAddress remoteAddress() {
                return ch.remoteAddress();
            }

            @Override
            public boolean isClosing() {
                return !ch.isActive();
            }

            @Override
            public void dropSlowConsumer(ServerExitReason reason) {
                ch.close();
            }
        };
        return new OutboundQueue(owner, ch, SETTINGS, counters, budget,
                (src, dst) -> undelivered.add(new Vip(src) + "->" + new Vip(dst)));
    }

    private static S2cPacket s2c(String dst, int dataBytes) {
        return S2cPacket.of(Vip.parse(dst), SENDER, new byte[dataBytes]);
    }

    @Test
    void aSenderBlockedBySeveralDestinationsResumesWhenTheLastClears() {
        EmbeddedChannel s = channel();
        ReadPause sender = new ReadPause(s, counters, MemoryBudget.unlimited());
        EmbeddedChannel ch1 = channel();
        EmbeddedChannel ch2 = channel();
        OutboundQueue d1 = destination(ch1, MemoryBudget.unlimited());
        OutboundQueue d2 = destination(ch2, MemoryBudget.unlimited());

        assertThat(d1.deliver(s2c("7.10.0.3", 100), sender)).isEqualTo(RouteResult.DELIVERED);
        assertThat(reading(s)).as("under the high water mark: still read").isTrue();
        assertThat(d1.deliver(s2c("7.10.0.3", HIGH), sender)).isEqualTo(RouteResult.DELIVERED);
        assertThat(d2.deliver(s2c("7.10.0.4", HIGH), sender)).as("queued all the same (overshoot)")
                .isEqualTo(RouteResult.DELIVERED);
        assertThat(reading(s)).as("two destinations over their high water mark").isFalse();
        assertThat(counters.snapshot(0).flow().sendersPaused()).isEqualTo(1);

        ch1.runPendingTasks(); // d1 flushes: drained under its low water mark
        assertThat(reading(s)).as("d2 still blocks it").isFalse();
        ch2.runPendingTasks();
        assertThat(reading(s)).as("no destination blocks it").isTrue();
        assertThat(counters.snapshot(0).flow().sendersPaused()).isZero();
        assertThat(counters.snapshot(0).flow().pauses()).isEqualTo(1);
    }

    @Test
    void aRateLimitPauseAndADestinationPauseLiftOnlyTogether() {
        EmbeddedChannel s = channel();
        ReadPause sender = new ReadPause(s, counters, MemoryBudget.unlimited());
        EmbeddedChannel ch = channel();
        OutboundQueue d = destination(ch, MemoryBudget.unlimited());

        sender.pause(ReadPause.RATE_LIMIT);
        d.deliver(s2c("7.10.0.3", HIGH), sender);
        assertThat(counters.snapshot(0).flow().sendersPaused()).as("counted once it waits for a destination").isEqualTo(1);
        sender.resume(ReadPause.RATE_LIMIT);
        assertThat(reading(s)).as("the destination still blocks it").isFalse();
        sender.pause(ReadPause.RATE_LIMIT);
        ch.runPendingTasks();
        assertThat(reading(s)).as("the rate limit still holds it").isFalse();
        assertThat(counters.snapshot(0).flow().sendersPaused()).as("rate-limit pauses are not flow pauses").isZero();
        sender.resume(ReadPause.RATE_LIMIT);
        assertThat(reading(s)).isTrue();
    }

    @Test
    void theMemoryBudgetPausesSendersToHeavyDestinationsUntilItIsBackUnder90Percent() {
        MemoryBudget budget = new MemoryBudget(32 << 10);
        EmbeddedChannel s = channel();
        ReadPause sender = new ReadPause(s, counters, budget);
        EmbeddedChannel ch = channel();
        OutboundQueue d = destination(ch, budget);

        d.deliver(s2c("7.10.0.3", 34 << 10), sender);
        assertThat(budget.used()).as("charged in steps").isGreaterThanOrEqualTo(34 << 10);
        assertThat(sender.has(ReadPause.MEMORY)).isTrue();
        assertThat(d.deliver(s2c("7.10.0.3", 10), null)).as("under the hard limit even unpausable S2C are queued")
                .isEqualTo(RouteResult.DELIVERED);
        d.deliver(s2c("7.10.0.3", 17 << 10), sender);
        assertThat(budget.overHardLimit()).isTrue();
        assertThat(d.deliver(s2c("7.10.0.3", 10), null)).as("over the hard limit an S2C that cannot pause its sender")
                .isEqualTo(RouteResult.OVER_BUDGET);

        ch.runPendingTasks(); // written: the budget is given back
        assertThat(budget.used()).isZero();
        assertThat(budget.peak()).isGreaterThanOrEqualTo(51 << 10);
        assertThat(sender.paused()).isFalse();
        assertThat(reading(s)).isTrue();
    }

    @Test
    void aClosedDestinationAnswersWhatWasQueuedAndReleasesItsWaiters() {
        EmbeddedChannel s = channel();
        ReadPause sender = new ReadPause(s, counters, MemoryBudget.unlimited());
        EmbeddedChannel ch = channel();
        OutboundQueue d = destination(ch, MemoryBudget.unlimited());
        d.deliver(s2c("7.10.0.3", 10), sender);
        d.deliver(s2c("7.10.0.4", HIGH), sender);
        assertThat(reading(s)).isFalse();

        // Closed before the flush task ran (a write on a real socket would fail the same way: the
        // IT SlowConsumerIT covers frames already in Netty's buffer).
        ch.unsafe().close(ch.voidPromise());
        d.onInactive();

        assertThat(undelivered).containsExactlyInAnyOrder("7.10.0.2->7.10.0.3", "7.10.0.2->7.10.0.4");
        assertThat(counters.snapshot(0).drops(DropReason.QUEUED_AT_CLOSE)).isEqualTo(2);
        assertThat(reading(s)).as("its waiters resume").isTrue();
        assertThat(d.deliver(s2c("7.10.0.3", 10), sender)).isEqualTo(RouteResult.NO_ROUTE);
    }

    @Test
    void aClosedSenderLeavesTheWaiterSetsAndTheGauge() {
        EmbeddedChannel s = channel();
        ReadPause sender = new ReadPause(s, counters, MemoryBudget.unlimited());
        EmbeddedChannel ch = channel();
        OutboundQueue d = destination(ch, MemoryBudget.unlimited());
        d.deliver(s2c("7.10.0.3", HIGH), sender);
        assertThat(counters.snapshot(0).flow().sendersPaused()).isEqualTo(1);

        sender.close();
        assertThat(counters.snapshot(0).flow().sendersPaused()).isZero();
        ch.runPendingTasks();
        assertThat(reading(s)).as("a closed sender is not touched again").isFalse();
    }

    /** Whether {@code sender} reads, once its pending tasks ran (a resumed sender reads again in a task of its own). */
    private static boolean reading(EmbeddedChannel sender) {
        sender.runPendingTasks();
        return sender.config().isAutoRead();
    }
}
