package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameReaderTest {
    private final List<String> frames = new ArrayList<>();
    private final FrameReader reader = new FrameReader(1024, (type, buf, body, length) -> {
        byte[] b = new byte[length];
        buf.getBytes(body, b);
        frames.add(type + ":" + new String(b, StandardCharsets.US_ASCII));
    });

    private static byte[] stream() {
        ByteBuf b = Unpooled.buffer();
        Wire.writeFrame(b, 1, "hello".getBytes(StandardCharsets.US_ASCII));
        Wire.writeFrame(b, 2, new byte[0]);
        Wire.writeFrame(b, 3, "a longer third frame".getBytes(StandardCharsets.US_ASCII));
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    @Test
    void framesCoalescedInOneRead() {
        assertThat(reader.read(ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(stream()))).isTrue();
        assertThat(frames).containsExactly("1:hello", "2:", "3:a longer third frame");
    }

    @Test
    void streamSplitAtEveryByte() {
        for (byte b : stream()) {
            assertThat(reader.read(ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(new byte[] {b}))).isTrue();
        }
        assertThat(frames).containsExactly("1:hello", "2:", "3:a longer third frame");
        reader.release();
    }

    @Test
    void streamSplitAtEveryPosition() {
        byte[] all = stream();
        for (int cut = 1; cut < all.length; cut++) {
            frames.clear();
            ByteBuf first = Unpooled.wrappedBuffer(all, 0, cut);
            ByteBuf second = Unpooled.wrappedBuffer(all, cut, all.length - cut);
            assertThat(reader.read(ByteBufAllocator.DEFAULT, first)).isTrue();
            assertThat(reader.read(ByteBufAllocator.DEFAULT, second)).isTrue();
            assertThat(frames).as("cut at %d", cut).containsExactly("1:hello", "2:", "3:a longer third frame");
        }
    }

    @Test
    void aFrameOverTheLimitStopsTheStream() {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(3).writeInt(1025);
        assertThat(reader.read(ByteBufAllocator.DEFAULT, b)).isFalse();
        assertThat(b.refCnt()).isZero();
    }
}
