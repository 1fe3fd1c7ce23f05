package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        Limits l = Limits.defaults();
        assertThat(l.maxFrameSize()).isEqualTo(Limits.DEFAULT_MAX_FRAME_SIZE).isEqualTo(1 << 20);
        assertThat(l.maxClients()).isEqualTo(Limits.DEFAULT_MAX_CLIENTS).isEqualTo(100_000);
        assertThat(l.idleTimeout()).isEqualTo(Limits.DEFAULT_IDLE_TIMEOUT).isEqualTo(Duration.ofMinutes(5));
        assertThat(l.outboundLowWaterMark()).isEqualTo(Limits.DEFAULT_OUTBOUND_LOW_WATER_MARK).isEqualTo(256 << 10);
        assertThat(l.outboundHighWaterMark()).isEqualTo(Limits.DEFAULT_OUTBOUND_HIGH_WATER_MARK).isEqualTo(1 << 20);
        assertThat(l.maxOutboundBytes()).isEqualTo(Limits.DEFAULT_MAX_OUTBOUND_BYTES).isEqualTo(8 << 20);
        assertThat(l.slowConsumerTimeout()).isEqualTo(Limits.DEFAULT_SLOW_CONSUMER_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(l.packetRateLimit()).isEqualTo(Limits.DEFAULT_PACKET_RATE_LIMIT).isZero();
        assertThat(l.byteRateLimit()).isEqualTo(Limits.DEFAULT_BYTE_RATE_LIMIT).isZero();
        assertThat(l.maxAuthFailures()).isEqualTo(Limits.DEFAULT_MAX_AUTH_FAILURES).isEqualTo(5);
        assertThat(l.maxAcceptRate()).isEqualTo(Limits.DEFAULT_MAX_ACCEPT_RATE).isEqualTo(20_000);
    }

    @Test
    void flowControlDefaultsAndRules() {
        Limits l = Limits.defaults();
        assertThat(l.slowConsumerPolicy()).isEqualTo(Limits.DEFAULT_SLOW_CONSUMER_POLICY).isEqualTo(SlowConsumerPolicy.BACKPRESSURE);
        assertThat(l.memoryBudget()).as("derived from the JVM").isEqualTo(Limits.derivedMemoryBudget())
                .isGreaterThanOrEqualTo(Limits.MIN_MEMORY_BUDGET);
        Limits set = Limits.builder().slowConsumerPolicy(SlowConsumerPolicy.DROP).memoryBudget(64L << 20).build();
        assertThat(set.toBuilder().build().slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DROP);
        assertThat(set.toBuilder().build().memoryBudget()).isEqualTo(64L << 20);
        assertThat(fieldOf(() -> Limits.builder().slowConsumerPolicy(null).build())).isEqualTo("limits.slowConsumerPolicy");
        assertThat(fieldOf(() -> Limits.builder().memoryBudget(1000).build())).isEqualTo("limits.memoryBudget");
        assertThat(fieldOf(() -> Limits.builder().memoryBudget(-1).build())).isEqualTo("limits.memoryBudget");
    }

    @Test
    void everyRuleNamesItsField() {
        assertThat(fieldOf(() -> Limits.builder().maxFrameSize(1023).build())).isEqualTo("limits.maxFrameSize");
        assertThat(fieldOf(() -> Limits.builder().maxClients(0).build())).isEqualTo("limits.maxClients");
        assertThat(fieldOf(() -> Limits.builder().idleTimeout(Duration.ofSeconds(-1)).build())).isEqualTo("limits.idleTimeout");
        assertThat(fieldOf(() -> Limits.builder().idleTimeout(null).build())).isEqualTo("limits.idleTimeout");
        assertThat(fieldOf(() -> Limits.builder().outboundWaterMarks(0, 10).build())).isEqualTo("limits.outboundWaterMarks");
        assertThat(fieldOf(() -> Limits.builder().outboundWaterMarks(11, 10).build())).isEqualTo("limits.outboundWaterMarks");
        assertThat(fieldOf(() -> Limits.builder().outboundHighWaterMark(1000).build())).isEqualTo("limits.outboundWaterMarks");
        assertThat(fieldOf(() -> Limits.builder().maxOutboundBytes((1 << 20) - 1).build())).isEqualTo("limits.maxOutboundBytes");
        assertThat(fieldOf(() -> Limits.builder().slowConsumerTimeout(Duration.ZERO).build()))
                .isEqualTo("limits.slowConsumerTimeout");
        assertThat(fieldOf(() -> Limits.builder().packetRateLimit(-1).build())).isEqualTo("limits.packetRateLimit");
        assertThat(fieldOf(() -> Limits.builder().byteRateLimit(-1).build())).isEqualTo("limits.byteRateLimit");
        assertThat(fieldOf(() -> Limits.builder().byteRateLimit(1 << 20).build())).isEqualTo("limits.byteRateLimit");
        assertThat(fieldOf(() -> Limits.builder().maxAuthFailures(0).build())).isEqualTo("limits.maxAuthFailures");
        assertThat(fieldOf(() -> Limits.builder().maxAcceptRate(-1).build())).isEqualTo("limits.maxAcceptRate");
    }

    @Test
    void boundaryValuesAreAccepted() {
        Limits l = Limits.builder().maxFrameSize(1024).maxClients(1).idleTimeout(Duration.ZERO).outboundWaterMarks(10, 10)
                .maxOutboundBytes(10).byteRateLimit(1029).packetRateLimit(0).maxAuthFailures(1).maxAcceptRate(0).build();
        assertThat(l.byteRateLimit()).isEqualTo(1029);
        assertThat(l.outboundLowWaterMark()).isEqualTo(l.outboundHighWaterMark()).isEqualTo(10);
    }

    @Test
    void toBuilderRoundTrips() {
        Limits l = Limits.builder().maxFrameSize(4096).maxClients(3).idleTimeout(Duration.ofSeconds(9))
                .outboundWaterMarks(100, 200).maxOutboundBytes(300).slowConsumerTimeout(Duration.ofSeconds(2))
                .packetRateLimit(7).byteRateLimit(5000).maxAuthFailures(2).maxAcceptRate(11).build();
        assertThat(l.toBuilder().build()).usingRecursiveComparison().isEqualTo(l);
        assertThat(l.toBuilder().maxClients(4).build().maxClients()).isEqualTo(4);
        assertThat(l.maxClients()).isEqualTo(3);
    }

    @Test
    void doorDefaultsAreTheDocumentedConstants() {
        Limits l = Limits.defaults();
        assertThat(l.maxConnectionsPerAddress()).isEqualTo(Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS).isEqualTo(16);
        assertThat(l.firstPacketTimeout()).isEqualTo(Limits.DEFAULT_FIRST_PACKET_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
        assertThat(l.frameTimeout()).isEqualTo(Limits.DEFAULT_FRAME_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(l.maxAuthFailuresPerAddress()).isEqualTo(Limits.DEFAULT_MAX_AUTH_FAILURES_PER_ADDRESS).isEqualTo(10);
        assertThat(l.authBackoff()).isEqualTo(Limits.DEFAULT_AUTH_BACKOFF).isEqualTo(Duration.ofSeconds(1));
        assertThat(l.authBan()).isEqualTo(Limits.DEFAULT_AUTH_BAN).isEqualTo(Duration.ofMinutes(15));
        assertThat(Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS).as("one address cannot fill the default template")
                .isLessThan(253);
    }

    @Test
    void doorRulesNameTheirFields() {
        assertThat(fieldOf(() -> Limits.builder().maxConnectionsPerAddress(-1).build()))
                .isEqualTo("limits.maxConnectionsPerAddress");
        assertThat(fieldOf(() -> Limits.builder().firstPacketTimeout(null).build())).isEqualTo("limits.firstPacketTimeout");
        assertThat(fieldOf(() -> Limits.builder().firstPacketTimeout(Duration.ofMillis(-1)).build()))
                .isEqualTo("limits.firstPacketTimeout");
        assertThat(fieldOf(() -> Limits.builder().frameTimeout(null).build())).isEqualTo("limits.frameTimeout");
        assertThat(fieldOf(() -> Limits.builder().frameTimeout(Duration.ofSeconds(-5)).build())).isEqualTo("limits.frameTimeout");
        assertThat(fieldOf(() -> Limits.builder().maxAuthFailuresPerAddress(-1).build()))
                .isEqualTo("limits.maxAuthFailuresPerAddress");
        assertThat(fieldOf(() -> Limits.builder().authBackoff(null).build())).isEqualTo("limits.authBackoff");
        assertThat(fieldOf(() -> Limits.builder().authBackoff(Duration.ofSeconds(-1)).build())).isEqualTo("limits.authBackoff");
        assertThat(fieldOf(() -> Limits.builder().authBan(Duration.ZERO).build())).isEqualTo("limits.authBan");
        assertThat(fieldOf(() -> Limits.builder().authBan(null).build())).isEqualTo("limits.authBan");
    }

    @Test
    void doorOffValuesAreAcceptedAndRoundTrip() {
        Limits l = Limits.builder().maxConnectionsPerAddress(0).firstPacketTimeout(Duration.ZERO).frameTimeout(Duration.ZERO)
                .maxAuthFailuresPerAddress(0).authBackoff(Duration.ZERO).authBan(Duration.ofMillis(1)).build();
        assertThat(l.maxConnectionsPerAddress()).isZero();
        assertThat(l.firstPacketTimeout()).isZero();
        assertThat(l.frameTimeout()).isZero();
        assertThat(l.toBuilder().build()).usingRecursiveComparison().isEqualTo(l);
        Limits set = Limits.builder().maxConnectionsPerAddress(500).firstPacketTimeout(Duration.ofSeconds(3))
                .frameTimeout(Duration.ofSeconds(7)).maxAuthFailuresPerAddress(3).authBackoff(Duration.ofMillis(250))
                .authBan(Duration.ofHours(1)).build();
        assertThat(set.toBuilder().build()).usingRecursiveComparison().isEqualTo(set);
    }

    @Test
    void unfinishedFramesGetAQuarterOfTheBudgetButAlwaysRoomForTwoLargestFrames() {
        assertThat(Limits.frameBufferCapacity(1 << 20)).as("1 MiB + header rounds up to 2 MiB").isEqualTo(2L << 20);
        assertThat(Limits.frameBufferCapacity((1 << 20) - 5)).isEqualTo(1L << 20);
        assertThat(Limits.builder().memoryBudget(64L << 20).build().partialFrameMemory()).isEqualTo(16L << 20);
        assertThat(Limits.builder().memoryBudget(8L << 20).build().partialFrameMemory()).as("two 2 MiB buffers")
                .isEqualTo(4L << 20);
        assertThat(Limits.builder().memoryBudget(8L << 20).maxFrameSize(64 << 10).build().partialFrameMemory())
                .isEqualTo(2L << 20);
        assertThat(Limits.builder().memoryBudget(1L << 20).build().partialFrameMemory()).as("never past the budget")
                .isEqualTo(1L << 20);
    }

    @Test
    void singleWaterMarkSettersSetOneSide() {
        Limits l = Limits.builder().outboundHighWaterMark(2 << 20).outboundLowWaterMark(1 << 20).build();
        assertThat(l.outboundLowWaterMark()).isEqualTo(1 << 20);
        assertThat(l.outboundHighWaterMark()).isEqualTo(2 << 20);
    }
}
