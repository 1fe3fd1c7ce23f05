package io.dosp.server.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.codec.DospCodec;
import io.dosp.codec.Zlib;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DropReason;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A session's reply and inflate budgets on an {@link EmbeddedChannel}: what they let through, what they refuse, when reading pauses. */
class GuardBudgetsTest {

    private static SessionSettings settings(boolean compression, long inflateRate, int perRead, long replyRate) {
        return new SessionSettings(compression, 64 << 10, 1 << 20, 1 << 10, 1 << 16, Duration.ofSeconds(30),
                SlowConsumerPolicy.BACKPRESSURE, 0, 0, inflateRate, perRead, replyRate);
    }

    @Test
    void repliesAreSentWhileTheBucketHoldsThenRefusedFirstWithWhyThenBare() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Counters counters = new Counters();
        ReadPause pause = new ReadPause(ch, counters, MemoryBudget.unlimited());
        RateLimit limit = RateLimit.of(settings(false, 0, 1 << 20, 1000), pause, ch.eventLoop());
        ReplyBudget replies = new ReplyBudget("client", limit, counters, 1000, PeerLog.defaults().limiter("test"));
        Packet small = Packets.gsiReply("x".repeat(600));
        assertThat(replies.answer(PacketType.GSI, ErrCode.UKNP, true, () -> small)).isSameAs(small);
        assertThat(replies.answer(PacketType.GSI, ErrCode.UKNP, true, () -> small)).as("395 tokens left").isSameAs(small);
        Packet first = replies.answer(PacketType.GCL, ErrCode.GCLF, true, () -> { throw new AssertionError("not built"); });
        ErrorReply why = ErrorReply.parse(((SimplePacket) first).body());
        assertThat(why.code()).isEqualTo(ErrCode.GCLF);
        assertThat(why.text()).isEqualTo("GCL refused: replies larger than their request are limited to 1000 bytes/s per"
                + " client; ask again later");
        Packet bare = replies.answer(PacketType.GCL, ErrCode.GCLF, true, () -> small);
        assertThat(((SimplePacket) bare).body()).containsExactly(ErrCode.GCLF.code());
        Packet gsi = replies.answer(PacketType.GSI, ErrCode.UKNP, false, () -> small);
        assertThat(ErrorReply.parse(((SimplePacket) gsi).body()).text()).startsWith("GSI refused:");
        assertThat(counters.snapshot(0).guard().meteredReplies()).isEqualTo(2);
        assertThat(counters.snapshot(0).guard().meteredReplyBytes()).isEqualTo(2 * (5 + 600));
        assertThat(counters.snapshot(0).drops(DropReason.REPLY_RATE_LIMIT)).isEqualTo(3);
        assertThat(ch.config().isAutoRead()).as("not yet a second in debt").isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aClientMoreThanASecondInDebtIsNotReadFrom() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Counters counters = new Counters();
        ReadPause pause = new ReadPause(ch, counters, MemoryBudget.unlimited());
        RateLimit limit = RateLimit.of(settings(false, 0, 1 << 20, 1000), pause, ch.eventLoop());
        ReplyBudget replies = new ReplyBudget("client", limit, counters, 1000, PeerLog.defaults().limiter("test"));
        Packet big = Packets.gsiReply("x".repeat(2500));
        assertThat(replies.answer(PacketType.GSI, ErrCode.UKNP, false, () -> big)).isSameAs(big);
        assertThat(pause.has(ReadPause.RATE_LIMIT)).isTrue();
        assertThat(ch.config().isAutoRead()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aConnectionInflatesItsShareThenWaitsForTheNextLoopTurn() {
        DospCodec codec = DospCodec.forServer(64 << 10, true, 6);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        Counters counters = new Counters();
        ReadPause pause = new ReadPause(ch, counters, MemoryBudget.unlimited());
        SessionSettings s = settings(true, 0, 2048, 0);
        InflateBudget budget = new InflateBudget(codec, pause, RateLimit.of(s, pause, ch.eventLoop()), ch.eventLoop(),
                counters, 2048);
        codec.inflateMeter(budget);
        ByteBuf in = Unpooled.buffer();
        try (Zlib zlib = new Zlib(6)) {
            for (int i = 0; i < 6; i++) {
                byte[] body = zlib.deflate(new byte[1000]);
                in.writeByte(PacketType.MSG.code()).writeInt(body.length).writeBytes(body);
            }
        }
        ch.pipeline().fireChannelRead(in); // unlike writeInbound, runs no pending task: the loop has not turned yet
        assertThat(count(ch)).as("3 bodies reach the 2048-byte share").isEqualTo(3);
        assertThat(ch.config().isAutoRead()).as("not read from while it waits").isFalse();
        assertThat(counters.snapshot(0).guard().inflatedBytes()).isEqualTo(3000);
        assertThat(counters.snapshot(0).guard().inflateDeferrals()).isEqualTo(1);
        ch.runPendingTasks(); // the next turn of the loop
        assertThat(count(ch)).isEqualTo(3);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(counters.snapshot(0).guard().inflatedBytes()).isEqualTo(6000);
        ch.finishAndReleaseAll();
    }

    @Test
    void theInflateRateMakesTheDecoderWaitForTheBucket() {
        DospCodec codec = DospCodec.forServer(64 << 10, true, 6);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        Counters counters = new Counters();
        ReadPause pause = new ReadPause(ch, counters, MemoryBudget.unlimited());
        SessionSettings s = settings(true, 1024, 1 << 20, 0);
        InflateBudget budget = new InflateBudget(codec, pause, RateLimit.of(s, pause, ch.eventLoop()), ch.eventLoop(),
                counters, 1 << 20);
        codec.inflateMeter(budget);
        ByteBuf in = Unpooled.buffer();
        try (Zlib zlib = new Zlib(6)) {
            for (int i = 0; i < 3; i++) {
                byte[] body = zlib.deflate(new byte[4000]);
                in.writeByte(PacketType.MSG.code()).writeInt(body.length).writeBytes(body);
            }
        }
        ch.pipeline().fireChannelRead(in);
        assertThat(count(ch)).as("the first fits the burst; 4000 bytes put the bucket 3 s in debt").isEqualTo(1);
        assertThat(pause.has(ReadPause.INFLATE)).isTrue();
        ch.runPendingTasks(); // nothing due yet: the resume is scheduled seconds ahead
        assertThat(count(ch)).isZero();
        ch.finishAndReleaseAll();
    }

    private static int count(EmbeddedChannel ch) {
        int n = 0;
        for (Object o; (o = ch.readInbound()) != null; ) {
            n++;
        }
        return n;
    }
}
