package io.dosp.bench;

import io.dosp.codec.DospCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
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
 * Encode and decode of one S2C frame through the Netty {@link DospCodec}, as a server pipeline
 * runs it (pooled direct buffers), plain and compressed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NettyCodecBenchmark {

    /** DATA size of the S2C frame. */
    @Param({"64", "1024"})
    public int size;

    /** Whether the connection compresses (spec section 6). */
    @Param({"false", "true"})
    public boolean compressed;

    private S2cPacket packet;
    private byte[] wire;
    private EmbeddedChannel encoder;
    private EmbeddedChannel decoder;
    private ByteBuf inbound;

    /** Builds the frame and the two pipelines. */
    @Setup(Level.Trial)
    public void setup() {
        byte[] data = new byte[size];
        ThreadLocalRandom.current().nextBytes(data);
        packet = Packets.s2c(Vip.parse("7.10.0.3"), Vip.parse("7.10.0.2"), data);
        encoder = new EmbeddedChannel(DospCodec.forServer(1 << 20, compressed, 6));
        decoder = new EmbeddedChannel(DospCodec.forServer(1 << 20, compressed, 6));
        encoder.writeOutbound(packet);
        ByteBuf encoded = encoder.readOutbound();
        wire = new byte[encoded.readableBytes()];
        encoded.readBytes(wire);
        encoded.release();
        inbound = Unpooled.directBuffer(wire.length).writeBytes(wire);
    }

    /** Releases the pipelines. */
    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        inbound.release();
    }

    /** Netty encoder into a pooled buffer, as a server writes a frame. */
    @Benchmark
    public int nettyEncode() {
        encoder.writeOutbound(packet);
        ByteBuf out = encoder.readOutbound();
        int n = out.readableBytes();
        out.release();
        return n;
    }

    /** Netty decoder from a direct buffer, as a server reads a frame. */
    @Benchmark
    public Object nettyDecode() {
        decoder.writeInbound(inbound.retainedDuplicate());
        return decoder.readInbound();
    }
}
