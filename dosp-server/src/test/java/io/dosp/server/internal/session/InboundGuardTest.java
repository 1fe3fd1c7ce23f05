package io.dosp.server.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DropReason;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.FrameMemory;
import io.dosp.server.internal.MemoryBudget;
import io.dosp.server.internal.PeerLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The door's inbound guard on an EmbeddedChannel with the real codec and session: memory reserved
 * for unfinished frames and given back, the frame and first-packet deadlines on a frozen clock.
 */
class InboundGuardTest {
    private static final SessionSettings SETTINGS = new SessionSettings(false, 1 << 20, 256 << 10, 1 << 10, 2 << 10,
            Duration.ofSeconds(30), SlowConsumerPolicy.BACKPRESSURE, 0, 0);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final Counters counters = new Counters();
    private final MemoryBudget budget = new MemoryBudget(64 << 20);
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private ClientSession session;

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel guarded(FrameMemory memory, long firstPacketNanos, long frameNanos) {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(1 << 20, false, 6));
        channels.add(ch);
        ch.freezeTime();
        session = new ClientSession(ch, Vip.parse("7.10.0.2"), SETTINGS, counters, (s, p) -> { }, budget,
                (src, dst) -> { }, PeerLog.defaults());
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                session.onMessage(msg);
            }
        });
        InboundGuard.attach(session, ch, new InboundGuard.Settings(firstPacketNanos, frameNanos, memory, clock::get),
                counters);
        return ch;
    }

    private void advance(EmbeddedChannel ch, long nanos) {
        clock.addAndGet(nanos);
        ch.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    private static byte[] frame(int bodyBytes) {
        return PacketCodec.encode(Packets.ping(new byte[bodyBytes]));
    }

    private static void write(EmbeddedChannel ch, byte[] bytes, int from, int to) {
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, from, to)));
    }

    /** The EXIT text the server wrote, or null when it wrote none. */
    private static String exitText(EmbeddedChannel ch) {
        for (Object o; (o = ch.readOutbound()) != null;) {
            ByteBuf b = (ByteBuf) o;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            ByteBuffer all = ByteBuffer.wrap(bytes);
            while (all.remaining() >= PacketCodec.HEADER_BYTES) {
                int len = all.getInt(all.position() + 1);
                byte[] one = new byte[PacketCodec.HEADER_BYTES + len];
                all.get(one);
                Packet p = PacketCodec.decodeFrame(one);
                if (p.type() == PacketType.EXIT) {
                    return ((SimplePacket) p).bodyText();
                }
            }
        }
        return null;
    }

    @Test
    void anUnfinishedFrameIsReservedWhileItIsHeldAndGivenBackWhenItCompletes() {
        FrameMemory memory = new FrameMemory(budget, 1 << 20);
        EmbeddedChannel ch = guarded(memory, 0, 0);
        byte[] f = frame(10_000);
        write(ch, f, 0, 3_000);
        assertThat(memory.used()).isGreaterThanOrEqualTo(3_000);
        assertThat(budget.used()).as("counted in the memory budget too").isEqualTo(memory.used());
        write(ch, f, 3_000, 9_000);
        assertThat(memory.used()).isGreaterThanOrEqualTo(9_000);
        write(ch, f, 9_000, f.length);
        assertThat(memory.used()).isZero();
        assertThat(budget.used()).isZero();
        assertThat(memory.peak()).isGreaterThanOrEqualTo(9_000).isLessThanOrEqualTo(16_384);
        assertThat(session.stats().packetsIn()).isEqualTo(1);
        assertThat(exitText(ch)).isNull();
    }

    @Test
    void aConnectionThatCloseGivesBackWhatItsFrameHeld() {
        FrameMemory memory = new FrameMemory(budget, 1 << 20);
        EmbeddedChannel ch = guarded(memory, 0, 0);
        write(ch, frame(10_000), 0, 5_000);
        assertThat(memory.used()).isPositive();
        ch.close();
        assertThat(memory.used()).isZero();
        assertThat(budget.used()).isZero();
    }

    @Test
    void aFrameThatNeedsMoreThanIsLeftEndsItsConnectionWithExit() {
        FrameMemory memory = new FrameMemory(budget, 4_096);
        assertThat(memory.tryReserve(1_000)).isTrue(); // someone else's unfinished frame
        EmbeddedChannel ch = guarded(memory, 0, 0);
        write(ch, frame(60_000), 0, 5_000);
        assertThat(exitText(ch)).isEqualTo(ServerExitReason.FRAME_MEMORY.text());
        assertThat(counters.snapshot(0).drops(DropReason.FRAME_MEMORY)).isEqualTo(1);
        assertThat(memory.used()).as("nothing reserved for the refused frame").isEqualTo(1_000);
        assertThat(memory.peak()).isLessThanOrEqualTo(memory.limit());
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void whatAConnectionPausedByTheServerHadReadIsKeptPastTheLimitNotRefused() {
        FrameMemory memory = new FrameMemory(budget, 4_096);
        assertThat(memory.tryReserve(1_000)).isTrue(); // someone else's unfinished frame
        EmbeddedChannel ch = guarded(memory, 0, 0);
        session.readPause().pause(ReadPause.RATE_LIMIT); // the server stopped reading it (flow control alike)
        write(ch, frame(60_000), 0, 5_000);
        assertThat(exitText(ch)).as("not the peer's doing: kept").isNull();
        assertThat(ch.isActive()).isTrue();
        assertThat(memory.used()).as("counted all the same").isGreaterThan(memory.limit());
        assertThat(budget.used()).isEqualTo(memory.used());
        assertThat(counters.snapshot(0).drops(DropReason.FRAME_MEMORY)).isZero();
    }

    @Test
    void aFrameNotWholeWithinTheFrameTimeoutEndsItsConnection() {
        EmbeddedChannel ch = guarded(new FrameMemory(budget, 1 << 20), 0, 2 * SECOND);
        byte[] f = frame(1_000);
        write(ch, f, 0, 10);
        for (int i = 10; i < 19; i++) { // trickling bytes do not move the deadline
            advance(ch, SECOND / 5);
            write(ch, f, i, i + 1);
        }
        assertThat(exitText(ch)).isNull();
        advance(ch, SECOND / 5 + 1);
        assertThat(exitText(ch)).isEqualTo(ServerExitReason.FRAME_TIMEOUT.text());
        assertThat(counters.snapshot(0).drops(DropReason.FRAME_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void eachFrameHasItsOwnDeadline() {
        EmbeddedChannel ch = guarded(new FrameMemory(budget, 1 << 20), 0, 2 * SECOND);
        byte[] f = frame(100);
        write(ch, f, 0, 50);
        advance(ch, SECOND + SECOND / 2);
        // The first frame completes and the next one begins in the same read.
        byte[] rest = new byte[f.length - 50 + 20];
        System.arraycopy(f, 50, rest, 0, f.length - 50);
        System.arraycopy(f, 0, rest, f.length - 50, 20);
        ch.writeInbound(Unpooled.wrappedBuffer(rest));
        advance(ch, SECOND);
        assertThat(exitText(ch)).as("the second frame is 1 s old").isNull();
        advance(ch, SECOND);
        assertThat(exitText(ch)).isEqualTo(ServerExitReason.FRAME_TIMEOUT.text());
        assertThat(session.stats().packetsIn()).isEqualTo(1);
    }

    @Test
    void timeTheServerDoesNotReadDoesNotCount() {
        EmbeddedChannel ch = guarded(new FrameMemory(budget, 1 << 20), 0, 2 * SECOND);
        write(ch, frame(100), 0, 50);
        session.readPause().pause(ReadPause.RATE_LIMIT);
        advance(ch, 3 * SECOND);
        advance(ch, 3 * SECOND);
        assertThat(exitText(ch)).as("paused by the server: not late").isNull();
        session.readPause().resume(ReadPause.RATE_LIMIT);
        advance(ch, 3 * SECOND);
        assertThat(exitText(ch)).isEqualTo(ServerExitReason.FRAME_TIMEOUT.text());
    }

    @Test
    void aConnectionThatSendsNoPacketInTimeIsEnded() {
        EmbeddedChannel ch = guarded(new FrameMemory(budget, 1 << 20), SECOND, 0);
        advance(ch, SECOND - 1);
        assertThat(exitText(ch)).isNull();
        advance(ch, 1);
        assertThat(exitText(ch)).isEqualTo(ServerExitReason.FIRST_PACKET_TIMEOUT.text());
        assertThat(counters.snapshot(0).drops(DropReason.FIRST_PACKET_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void oneValidPacketMeetsTheFirstPacketDeadline() {
        EmbeddedChannel ch = guarded(new FrameMemory(budget, 1 << 20), SECOND, 0);
        ch.writeInbound(Unpooled.wrappedBuffer(PacketCodec.encode(Packets.clientInfo("ab".repeat(32)))));
        advance(ch, 5 * SECOND);
        assertThat(exitText(ch)).isNull();
        assertThat(ch.isActive()).isTrue();
        assertThat(counters.snapshot(0).drops(DropReason.FIRST_PACKET_TIMEOUT)).isZero();
    }
}
