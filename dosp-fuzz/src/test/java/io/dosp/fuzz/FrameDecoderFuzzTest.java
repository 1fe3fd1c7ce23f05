package io.dosp.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dosp.codec.Compression;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.codec.InvalidFrame;
import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.MpakPacket;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The frame decoder on hostile byte streams, through a real pipeline ({@link EmbeddedChannel}):
 * server side with compression off or on, and client side (compression switched on by an HSK in
 * the stream), fed in chunks of a fuzzed size.
 *
 * <p>Asserts: the decoder never throws into the pipeline; it emits only packets and
 * {@link InvalidFrame}s whose error is a {@link FrameTooLargeException} or a
 * {@link MalformedPacketException}; nothing follows a fatal one; no body exceeds the limit (also
 * after inflating); every decoded packet re-encodes to a frame that decodes to an equal packet
 * (an MPAK to its valid sub-packets, without errors); every buffer written in, and every buffer the
 * pipeline allocated (the decoder's cumulation, through a {@link TrackingAllocator}), is released
 * when the channel closes (refCnt 0; the build also runs with Netty's PARANOID leak detector).
 */
class FrameDecoderFuzzTest {
    private static final int MAX = 4096;

    @FuzzTest(maxDuration = "10s")
    void decode(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 2);
        int chunk = data.consumeInt(1, 256);
        byte[] stream = data.consumeRemainingAsBytes();
        Compression compression = switch (mode) {
            case 0 -> Compression.fixed(false, 6);
            case 1 -> Compression.fixed(true, 6);
            default -> Compression.followHandshake();
        };
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new DospFrameDecoder(MAX, compression));
        List<ByteBuf> written = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (int off = 0; off < stream.length; off += chunk) {
            ByteBuf b = Unpooled.buffer(chunk).writeBytes(stream, off, Math.min(chunk, stream.length - off));
            written.add(b);
            channel.writeInbound(b);
            drain(channel, out);
        }
        channel.checkException();
        channel.finish();
        drain(channel, out);
        boolean fatalSeen = false;
        for (Object o : out) {
            assertThat(fatalSeen).as("nothing may follow a fatal InvalidFrame").isFalse();
            if (o instanceof InvalidFrame f) {
                assertThat(f.error()).isInstanceOfAny(FrameTooLargeException.class, MalformedPacketException.class);
                fatalSeen = f.fatal();
            } else {
                checkPacket((Packet) o);
            }
        }
        for (ByteBuf b : written) {
            assertThat(b.refCnt()).as("an inbound buffer was not released").isZero();
        }
        assertThat(alloc.unreleased()).as("the pipeline kept buffers it allocated (of %d)", alloc.handedOut()).isZero();
    }

    private static void drain(EmbeddedChannel channel, List<Object> out) {
        for (Object o = channel.readInbound(); o != null; o = channel.readInbound()) {
            assertThat(o).isInstanceOfAny(Packet.class, InvalidFrame.class);
            out.add(o);
        }
    }

    static void checkPacket(Packet p) {
        assertThat(p.bodyLength()).isBetween(0, MAX);
        Packet again = PacketCodec.decodeFrame(PacketCodec.encode(p));
        if (p instanceof MpakPacket m) {
            MpakPacket back = (MpakPacket) again;
            assertThat(back.packets()).isEqualTo(m.packets());
            assertThat(back.errors()).isEmpty();
        } else {
            assertThat(again).isEqualTo(p);
        }
    }
}
