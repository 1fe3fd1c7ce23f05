package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.GuardStats;
import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStats;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Many stalled large frames, from the hardening issue: each connection sends most of a large frame
 * and stops. The decoder used to hold ~2x the frame per connection, outside any budget (a wide
 * template ran out of memory). Now what the decoders hold for unfinished frames is reserved from
 * the memory budget, at most {@link Limits#partialFrameMemory()} together: a frame that needs more
 * gets EXIT at once, the ones held end at the frame deadline, the server never runs out of memory,
 * and an innocent pair keeps exchanging S2C and PING throughout.
 */
class StalledFramesIT {
    static final int MAX_FRAME = 256 << 10;
    static final long BUDGET = 8 << 20;
    static final int ATTACKERS = 48;
    /** Each attacker sends all of a maximum-size frame but its last 8 KiB. */
    static final int SENT = 5 + MAX_FRAME - (8 << 10);
    static final String[] ADDRESSES = {"127.0.0.3", "127.0.0.4", "127.0.0.5"};
    static final String GUARD_LOGGER = "io.dosp.server.internal.session.InboundGuard";
    static final Pattern HELD_BACK = Pattern.compile("\\((\\d+) more closed for this reason since the last line\\)$");

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void stalledFramesHoldNoMoreThanTheirShareOfTheBudget() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        Logger guardLog = (Logger) LoggerFactory.getLogger(GUARD_LOGGER);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        guardLog.setLevel(Level.INFO); // its close lines are INFO (timeouts) and WARN (memory)
        ServerConfig cfg = config(tmp).limits(l -> l.maxFrameSize(MAX_FRAME).memoryBudget(BUDGET)
                .frameTimeout(Duration.ofSeconds(3))).build();
        long share = cfg.limits().partialFrameMemory();
        assertThat(share).as("a quarter of the budget").isEqualTo(BUDGET / 4);
        byte[] frame = PacketCodec.encode(Packets.ping(new byte[MAX_FRAME]));
        List<RawClient> attackers = new ArrayList<>();
        try (DospServer server = DospServer.start(cfg); InnocentPair pair = InnocentPair.start(server.port())) {
            for (int i = 0; i < ATTACKERS; i++) {
                RawClient c = RawClient.connect(server.port(), ADDRESSES[i % ADDRESSES.length]);
                attackers.add(c);
                c.send(Packets.clientInfo(TestServers.hash('e')));
                assertPingRoundTrip(c);
            }
            for (RawClient c : attackers) {
                // Refused while still writing: the server lingers after its EXIT (reads and discards), so the write
                // completes and the EXIT is read below instead of a connection reset.
                c.sendRaw(Arrays.copyOfRange(frame, 0, SENT));
            }
            pair.awaitMoreRounds(10);
            int refused = 0;
            int timedOut = 0;
            for (RawClient c : attackers) {
                String exit = c.expectExit();
                assertThat(exit).isIn(ServerExitReason.FRAME_MEMORY.text(), ServerExitReason.FRAME_TIMEOUT.text());
                if (exit.equals(ServerExitReason.FRAME_MEMORY.text())) {
                    refused++;
                } else {
                    timedOut++;
                }
                assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
            }
            // A held frame needs at least a buffer of SENT bytes, rounded up to a power of two: 256 KiB.
            long perHolder = Long.highestOneBit(SENT - 1) << 1;
            assertThat(timedOut).as("frames held to their deadline").isPositive().isLessThanOrEqualTo((int) (share / perHolder));
            assertThat(refused).as("frames refused at once").isGreaterThanOrEqualTo(ATTACKERS - (int) (share / perHolder));
            await().atMost(AWAIT).until(() -> server.stats().drops(DropReason.FRAME_MEMORY)
                    + server.stats().drops(DropReason.FRAME_TIMEOUT) == ATTACKERS);
            pair.assertStillWorking();

            ServerStats stats = server.stats();
            assertThat(stats.drops(DropReason.FRAME_MEMORY)).as("refused")
                    .isEqualTo(refused);
            assertThat(stats.drops(DropReason.FRAME_TIMEOUT)).isEqualTo(timedOut);
            assertThat(stats.drops(DropReason.OUT_OF_MEMORY)).isZero();
            GuardStats guard = stats.guard();
            assertThat(guard.partialFrameLimit()).isEqualTo(share);
            assertThat(guard.partialFramePeak()).as("never more than the share for unfinished frames")
                    .isLessThanOrEqualTo(share).isGreaterThanOrEqualTo(timedOut * perHolder);
            assertThat(stats.flow().memoryPeak()).as("within the budget").isLessThanOrEqualTo(BUDGET);
            await().atMost(AWAIT).until(() -> server.stats().guard().partialFrameBytes() == 0);
            await().atMost(AWAIT).until(() -> server.stats().flow().memoryInUse() == 0);

            List<ILoggingEvent> events = List.copyOf(log.list);
            assertThat(events).as("no allocation failure, no error").noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)
                    || e.getFormattedMessage().contains("OutOfMemory"));
            List<String> closeLines = events.stream().filter(e -> e.getLoggerName().equals(GUARD_LOGGER))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            long heldBack = 0;
            for (String line : closeLines) {
                Matcher m = HELD_BACK.matcher(line);
                assertThat(m.find()).as("'%s' says how many lines it stands for", line).isTrue();
                heldBack += Long.parseLong(m.group(1));
            }
            assertThat(closeLines).as("close lines are rate-limited (one a second per reason)").isNotEmpty()
                    .hasSizeLessThan(ATTACKERS);
            assertThat(closeLines.size() + heldBack).as("each line counts the closes it stands for")
                    .isLessThanOrEqualTo(ATTACKERS);
        } finally {
            attackers.forEach(RawClient::close);
            root.detachAppender(log);
            guardLog.setLevel(null);
        }
    }
}
