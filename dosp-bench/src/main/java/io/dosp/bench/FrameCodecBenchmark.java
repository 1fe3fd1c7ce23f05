package io.dosp.bench;

import io.dosp.codec.Compression;
import io.dosp.codec.DospFrameDecoder;
import io.dosp.codec.DospFrameEncoder;
import io.dosp.codec.Zlib;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The frame encoder and decoder called directly on pooled direct buffers, without a pipeline:
 * the codec's own cost per S2C frame. (In package {@code io.dosp.codec} to reach the protected
 * {@code encode}/{@code decode}; neither uses its context argument.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {

    /** DATA size of the S2C frame. */
    @Param({"64", "1024"})
    public int size;

    /** Whether the connection compresses. */
    @Param({"false", "true"})
    public boolean compressed;

    private S2cPacket packet;
    private DospFrameEncoder encoder;
    private DospFrameDecoder decoder;
    private ByteBuf out;
    private ByteBuf wire;
    private final List<Object> decoded = new ArrayList<>(1);

    /** Builds the frame, the codec and the buffers. */
    @Setup(Level.Trial)
    public void setup() {
        byte[] data = new byte[size];
        ThreadLocalRandom.current().nextBytes(data);
        packet = Packets.s2c(Vip.parse("7.10.0.3"), Vip.parse("7.10.0.2"), data);
        Compression c = Compression.fixed(compressed, Zlib.DEFAULT_LEVEL);
        encoder = new DospFrameEncoder(1 << 20, c);
        decoder = new DospFrameDecoder(1 << 20, c);
        out = PooledByteBufAllocator.DEFAULT.directBuffer(2 * size + 64);
        encoder.encode(packet, out);
        wire = PooledByteBufAllocator.DEFAULT.directBuffer(out.readableBytes()).writeBytes(out);
    }

    /** Frees the buffers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        out.release();
        wire.release();
    }

    /** Packet to frame bytes. */
    @Benchmark
    public int encode() {
        out.clear();
        encoder.encode(packet, out);
        return out.readableBytes();
    }

    /** Frame bytes to packet. */
    @Benchmark
    public Object decode() {
        decoded.clear();
        wire.readerIndex(0);
        decoder.decode(wire, decoded);
        return decoded.get(0);
    }
}
