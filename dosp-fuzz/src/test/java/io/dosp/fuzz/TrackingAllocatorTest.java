package io.dosp.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.codec.Compression;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The frame decoder target's leak check is not vacuous: a split frame makes the decoder allocate, and release. */
class TrackingAllocatorTest {
    @Test
    void theDecodersCumulationIsAllocatedThroughTheChannelAndReleased() {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new DospFrameDecoder(4096, Compression.fixed(false, 6)));
        byte[] frame = PacketCodec.encode(Packets.msg("split one byte at a time"));
        for (byte b : frame) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat((Object) channel.readInbound()).isEqualTo(Packets.msg("split one byte at a time"));
        assertThat(alloc.handedOut()).as("cumulation buffers").isPositive();
        channel.finish();
        assertThat(alloc.unreleased()).isZero();
    }
}
