package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.client.ReadPause;
import io.dosp.codec.DospCodec;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** Read pauses: one reason per handle, reading only when none holds it back, frames held undecoded meanwhile. */
class ReadPausesTest {
    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(DospCodec.forClient(4096));
    }

    private static byte[] pings(int n) {
        byte[] one = PacketCodec.encode(Packets.ping(new byte[8]));
        byte[] all = new byte[one.length * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return all;
    }

    @Test
    void readingResumesOnlyWhenTheLastReasonIsGone() {
        ReadPauses pauses = new ReadPauses();
        EmbeddedChannel ch = channel();
        pauses.attach(ch);
        ReadPause inbox = pauses.handle("inbox");
        ReadPause streams = pauses.handle("streams");
        assertThat(ch.config().isAutoRead()).isTrue();

        inbox.pause();
        inbox.pause(); // idempotent: one reason, counted once
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(inbox.isPaused()).isTrue();
        assertThat(inbox.pauses()).isEqualTo(1);
        streams.pause();
        assertThat(pauses.pausedBy()).containsExactly("inbox", "streams");

        inbox.resume();
        assertThat(ch.config().isAutoRead()).as("streams still holds it back").isFalse();
        assertThat(pauses.pausedBy()).containsExactly("streams");
        streams.resume();
        streams.resume();
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(pauses.paused()).isFalse();
        assertThat(pauses.pausedBy()).isEmpty();

        inbox.pause();
        inbox.resume();
        assertThat(inbox.pauses()).isEqualTo(2);
        assertThat(streams.pauses()).isEqualTo(1);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void whatWasReadWaitsUndecodedWhilePausedAndIsDecodedInOrderOnResume() {
        ReadPauses pauses = new ReadPauses();
        EmbeddedChannel ch = channel();
        pauses.attach(ch);
        ReadPause p = pauses.handle("test");
        ch.writeInbound(Unpooled.wrappedBuffer(pings(1)));
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping(new byte[8]));

        p.pause();
        ch.writeInbound(Unpooled.wrappedBuffer(pings(3)));
        assertThat((Object) ch.readInbound()).as("nothing decoded while paused").isNull();

        p.resume();
        for (int i = 0; i < 3; i++) {
            assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping(new byte[8]));
        }
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aPauseFromTheDecodingItselfStopsTheFramesAfterIt() {
        ReadPauses pauses = new ReadPauses();
        ReadPause p = pauses.handle("interceptor");
        int[] seen = {0};
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forClient(4096),
                new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        seen[0]++;
                        p.pause(); // as an interceptor on the I/O thread does past its high water mark
                    }
                });
        pauses.attach(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(pings(5)));
        assertThat(seen[0]).as("the frame that paused is the last one decoded").isEqualTo(1);
        p.resume(); // decodes the next, which pauses again
        assertThat(seen[0]).isEqualTo(2);
        assertThat(ch.config().isAutoRead()).isFalse();
        for (int i = 0; i < 3; i++) {
            p.resume();
        }
        assertThat(seen[0]).isEqualTo(5);
        p.resume();
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finish();
    }

    @Test
    void aNewConnectionOfAPausedClientIsPausedToo() {
        ReadPauses pauses = new ReadPauses();
        ReadPause p = pauses.handle("inbox");
        p.pause(); // before any connection
        EmbeddedChannel first = channel();
        pauses.attach(first);
        assertThat(first.config().isAutoRead()).isFalse();
        EmbeddedChannel second = channel(); // the reconnect
        pauses.attach(second);
        assertThat(second.config().isAutoRead()).isFalse();
        p.resume();
        assertThat(second.config().isAutoRead()).isTrue();
        first.finish();
        second.finish();
    }
}
