package io.dosp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoder asks its meter before each compressed body, reports what each inflated to, and waits when told to. */
class InflateMeterTest {
    private static final int MAX = 64 << 10;

    /** Lets {@code allowance} bodies through, then says no until given more. */
    private static final class CountingMeter implements InflateMeter {
        int allowance;
        int asked;
        final List<Integer> inflated = new ArrayList<>();

        @Override
        public boolean mayInflate() {
            asked++;
            if (allowance > 0) {
                allowance--;
                return true;
            }
            return false;
        }

        @Override
        public void inflated(int bytes) {
            inflated.add(bytes);
        }
    }

    private static ByteBuf compressed(Packet p) {
        try (Zlib zlib = new Zlib(6)) {
            byte[] body = zlib.deflate(PacketCodec.encodeBody(p));
            return Unpooled.buffer().writeByte(p.typeCode()).writeInt(body.length).writeBytes(body);
        }
    }

    @Test
    void framesWaitWhileTheMeterSaysNoAndCarryOnWhenResumed() {
        DospCodec codec = DospCodec.forServer(MAX, true, 6);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        CountingMeter meter = new CountingMeter();
        meter.allowance = 2;
        codec.inflateMeter(meter);
        ByteBuf all = Unpooled.buffer();
        for (int i = 0; i < 5; i++) {
            all.writeBytes(compressed(Packets.msg("m" + i + "-" + "x".repeat(100))));
        }
        ch.writeInbound(all);
        assertThat(texts(ch)).containsExactly("m0", "m1");
        assertThat(meter.inflated).containsExactly(103, 103);

        meter.allowance = 2;
        codec.resumeDecoding();
        assertThat(texts(ch)).containsExactly("m2", "m3");
        meter.allowance = 10;
        codec.resumeDecoding();
        assertThat(texts(ch)).containsExactly("m4");
        assertThat(meter.inflated).hasSize(5);
        assertFalse(ch.finish());
    }

    @Test
    void aRefusedBombIsReportedAtWhatItProduced() {
        byte[] bomb;
        try (Zlib zlib = new Zlib(9)) {
            bomb = zlib.deflate(new byte[32 << 20]);
        }
        DospCodec codec = DospCodec.forServer(MAX, true, 6);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        CountingMeter meter = new CountingMeter();
        meter.allowance = 1;
        codec.inflateMeter(meter);
        ch.writeInbound(Unpooled.buffer().writeByte(0x01).writeInt(bomb.length).writeBytes(bomb));
        InvalidFrame f = ch.readInbound();
        assertThat(((MalformedPacketException) f.error()).reason())
                .isEqualTo(MalformedPacketException.Reason.DECOMPRESSED_TOO_LARGE);
        assertThat(f.error()).hasMessageContaining("inflates to more than the maximum frame size of " + MAX + " bytes");
        assertThat(meter.inflated).as("stopped one byte past the limit").containsExactly(MAX + 1);
        assertFalse(ch.finish());
    }

    @Test
    void uncompressedConnectionsNeverAskTheMeter() {
        DospCodec codec = DospCodec.forServer(MAX, false, 6);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        CountingMeter meter = new CountingMeter();
        codec.inflateMeter(meter);
        ch.writeInbound(Unpooled.wrappedBuffer(PacketCodec.encode(Packets.msg("plain"))));
        assertThat(((SimplePacket) ch.readInbound()).bodyText()).isEqualTo("plain");
        assertThat(meter.asked).isZero();
        assertFalse(ch.finish());
    }

    private static List<String> texts(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(((SimplePacket) o).bodyText().substring(0, 2));
        }
        return out;
    }
}
