package io.dosp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the decoder reports about an unfinished frame: held bytes after each read, and when a new one began. */
class PartialFrameListenerTest {
    private record Report(int bytes, boolean newFrame) {
    }

    private final List<Report> reports = new ArrayList<>();

    private EmbeddedChannel channel() {
        DospCodec codec = DospCodec.forServer(4096, false, 6);
        codec.decoder().partialFrameListener((bytes, newFrame) -> reports.add(new Report(bytes, newFrame)));
        return new EmbeddedChannel(codec);
    }

    @Test
    void aFrameSplitAcrossReadsIsReportedOnceBegunAndOnceDone() {
        EmbeddedChannel ch = channel();
        byte[] ping = PacketCodec.encode(Packets.ping(new byte[100]));
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(ping, 0, 3)));
        assertThat(reports).hasSize(1);
        assertThat(reports.get(0).newFrame()).isTrue();
        assertThat(reports.get(0).bytes()).isGreaterThanOrEqualTo(3);
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(ping, 3, 50)));
        // Still the same frame: reported again only if the buffer grew, never as a new frame.
        assertThat(reports).allMatch(r -> r == reports.get(0) || !r.newFrame());
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(ping, 50, ping.length)));
        assertThat(reports.get(reports.size() - 1)).isEqualTo(new Report(0, false));
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping(new byte[100]));
        assertFalse(ch.finish());
    }

    @Test
    void aFrameCompletedAndAnotherBegunInOneReadIsANewFrame() {
        EmbeddedChannel ch = channel();
        byte[] one = PacketCodec.encode(Packets.ping(new byte[10]));
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(one, 0, 8)));
        int first = reports.size();
        byte[] rest = new byte[one.length - 8 + 4];
        System.arraycopy(one, 8, rest, 0, one.length - 8);
        System.arraycopy(one, 0, rest, one.length - 8, 4); // the next frame's first 4 bytes
        ch.writeInbound(Unpooled.wrappedBuffer(rest));
        assertThat(reports).hasSizeGreaterThan(first);
        assertThat(reports.get(reports.size() - 1).newFrame()).as("the frame held now began in this read").isTrue();
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping(new byte[10]));
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(one, 4, one.length)));
        assertThat(reports.get(reports.size() - 1)).isEqualTo(new Report(0, false));
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping(new byte[10]));
        assertFalse(ch.finish());
    }

    @Test
    void wholeFramesAreNeverReported() {
        EmbeddedChannel ch = channel();
        for (int i = 0; i < 10; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(PacketCodec.encode(Packets.ping(new byte[i]))));
            assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping(new byte[i]));
        }
        assertThat(reports).isEmpty();
        assertFalse(ch.finish());
    }

    @Test
    void aRefusedFrameHoldsNothing() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x01, 0, 0}));
        assertThat(reports).hasSize(1);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x7f, (byte) 0xff, 5, 6, 7}));
        assertThat(((InvalidFrame) ch.readInbound()).fatal()).isTrue();
        assertThat(reports.get(reports.size() - 1)).isEqualTo(new Report(0, false));
        assertFalse(ch.finish());
    }
}
