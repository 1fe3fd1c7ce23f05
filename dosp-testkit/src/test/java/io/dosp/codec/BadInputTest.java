package io.dosp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import io.dosp.testkit.Vectors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** Limits and malformed input: typed outcomes, nothing buffered beyond the limit, the stream goes on where it can. */
class BadInputTest {
    private static final int MAX = 4096;

    @Test
    void oversizedLengthIsRejectedFromTheHeaderAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, false, 6));
        // Only the header of a 2^31-1 byte frame arrives: the decoder must answer now, not wait for the body.
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x03, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        InvalidFrame f = ch.readInbound();
        assertThat(f.fatal()).isTrue();
        assertThat(f.error()).isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("2147483647").hasMessageContaining(String.valueOf(MAX));
        assertThat(((FrameTooLargeException) f.error()).length()).isEqualTo(Integer.MAX_VALUE);
        // Everything after is discarded, not buffered.
        ch.writeInbound(Unpooled.wrappedBuffer(PacketCodec.encode(Packets.ping())));
        assertThat((Object) ch.readInbound()).isNull();
        assertFalse(ch.finish());
    }

    @Test
    void lengthAtTheLimitIsAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, false, 6));
        ch.writeInbound(Unpooled.wrappedBuffer(PacketCodec.encode(Packets.msg(new byte[MAX]))));
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.msg(new byte[MAX]));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x01, 0, 0, 0x10, 0x01}));
        assertThat(((InvalidFrame) ch.readInbound()).fatal()).isTrue();
        assertFalse(ch.finish());
    }

    @Test
    void invalidZlibIsTypedAndTheNextFrameStillDecodes() {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, true, 6));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x01, 0, 0, 0, 4, 1, 2, 3, 4}));
        InvalidFrame f = ch.readInbound();
        assertThat(f.fatal()).isFalse();
        assertThat(((MalformedPacketException) f.error()).reason()).isEqualTo(MalformedPacketException.Reason.INVALID_COMPRESSION);
        ch.writeOutbound(Packets.msg("after"));
        ByteBuf good = ch.readOutbound();
        ch.writeInbound(good);
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.msg("after"));
        assertFalse(ch.finish());
    }

    @Test
    void truncatedZlibAndTrailingBytesAreInvalid() {
        byte[] z;
        try (Zlib zlib = new Zlib(6)) {
            z = zlib.deflate("hello hello hello".getBytes());
        }
        try (Zlib zlib = new Zlib(6)) {
            Assertions.assertThatThrownBy(() -> zlib.inflate(ByteBuffer.wrap(z, 0, z.length - 3), MAX, 1))
                    .isInstanceOf(MalformedPacketException.class).hasMessageContaining("truncated");
            byte[] trailing = Arrays.copyOf(z, z.length + 2);
            Assertions.assertThatThrownBy(() -> zlib.inflate(ByteBuffer.wrap(trailing), MAX, 1))
                    .isInstanceOf(MalformedPacketException.class).hasMessageContaining("after the end");
            assertThat(zlib.inflate(ByteBuffer.wrap(z), MAX, 1)).isEqualTo("hello hello hello".getBytes());
        }
    }

    @Test
    void zipBombStopsAtTheLimit() {
        byte[] bomb;
        try (Zlib zlib = new Zlib(9)) {
            bomb = zlib.deflate(new byte[32 << 20]);
        }
        int max = 64 << 10;
        assertThat(bomb.length).isLessThan(max);
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(max, true, 6));
        ByteBuf frame = Unpooled.buffer();
        frame.writeByte(0x01).writeInt(bomb.length).writeBytes(bomb);
        ch.writeInbound(frame);
        InvalidFrame f = ch.readInbound();
        assertThat(((MalformedPacketException) f.error()).reason())
                .isEqualTo(MalformedPacketException.Reason.DECOMPRESSED_TOO_LARGE);
        assertThat(f.fatal()).isFalse();
        assertFalse(ch.finish());
    }

    @Test
    void mpakWithNestedAndTruncatedSubFramesKeepsTheGoodOnes() {
        byte[] inner = PacketCodec.encode(Packets.mpak(List.of(Packets.ping())));
        byte[] one = PacketCodec.encode(Packets.msg("one"));
        byte[] two = PacketCodec.encode(Packets.msg("two"));
        byte[] truncated = {0x01, 0, 0, 0, 9, 'x'};
        ByteBuf body = Unpooled.buffer().writeBytes(one).writeBytes(inner).writeBytes(two).writeBytes(truncated);
        byte[] b = new byte[body.readableBytes()];
        body.readBytes(b);
        MpakPacket m = (MpakPacket) PacketCodec.decodeBody(0x1A, b, 0, b.length);
        assertThat(m.packets()).containsExactly(Packets.msg("one"), Packets.msg("two"));
        assertThat(m.errors()).extracting(e -> ((MalformedPacketException) e).reason()).containsExactly(
                MalformedPacketException.Reason.NESTED_MPAK, MalformedPacketException.Reason.TRUNCATED_SUBFRAME);
        List<String> order = new ArrayList<>();
        m.forEachInOrder(sub -> order.add(sub.toString()), e -> order.add(((MalformedPacketException) e).reason().name()));
        assertThat(order).containsExactly("MSG[3 bytes]", "NESTED_MPAK", "MSG[3 bytes]", "TRUNCATED_SUBFRAME");
        Assertions.assertThatThrownBy(() -> Packets.mpak(List.of(Packets.mpak(List.of()))))
                .hasMessageContaining("MPAK inside MPAK");
    }

    @Test
    void shortS2cIsMalformedNotFatal() {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, false, 6));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x03, 0, 0, 0, 3, 7, 10, 0, 0x02, 0, 0, 0, 0}));
        InvalidFrame f = ch.readInbound();
        assertThat(((MalformedPacketException) f.error()).reason()).isEqualTo(MalformedPacketException.Reason.BODY_TOO_SHORT);
        assertThat((Object) ch.readInbound()).isEqualTo(Packets.ping());
        assertFalse(ch.finish());
    }

    @Test
    void encoderRefusesBodiesOverTheLimitAndWritesNothing() {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, false, 6));
        Packet big = Packets.s2c(Vip.parse("7.10.0.3"), new byte[MAX]);
        Assertions.assertThatThrownBy(() -> ch.writeOutbound(big)).isInstanceOf(EncoderException.class)
                .hasCauseInstanceOf(FrameTooLargeException.class);
        assertThat((Object) ch.readOutbound()).isNull();
        assertFalse(ch.finish());
    }

    @Test
    void aipAndHskAreNeverCompressed() {
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, true, 6));
        ch.writeOutbound(Packets.aip(Vip.parse("7.10.0.2")), Packets.hsk(Handshake.standard(true)),
                Packets.ping());
        assertThat(bytes(ch.readOutbound())).isEqualTo(PacketCodec.encode(Packets.aip(Vip.parse("7.10.0.2"))));
        assertThat(bytes(ch.readOutbound())).isEqualTo(Vectors.hex("1400000007015b322c20305d"));
        byte[] ping = bytes(ch.readOutbound());
        assertThat(ping[5]).isEqualTo((byte) 0x78);
        assertFalse(ch.finish());
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }
}
