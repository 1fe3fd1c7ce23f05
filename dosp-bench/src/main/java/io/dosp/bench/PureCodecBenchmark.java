package io.dosp.bench;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.Warmup;

/** Encode and decode of one uncompressed S2C frame with the I/O-free {@link PacketCodec}. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PureCodecBenchmark {

    /** DATA size of the S2C frame. */
    @Param({"64", "1024"})
    public int size;

    private S2cPacket packet;
    private byte[] wire;
    private ByteBuffer scratch;

    /** Builds the frame. */
    @Setup(Level.Trial)
    public void setup() {
        byte[] data = new byte[size];
        ThreadLocalRandom.current().nextBytes(data);
        packet = Packets.s2c(Vip.parse("7.10.0.3"), Vip.parse("7.10.0.2"), data);
        wire = PacketCodec.encode(packet);
        scratch = ByteBuffer.allocate(wire.length);
    }

    /** Packet to bytes in a reused buffer. */
    @Benchmark
    public ByteBuffer encode() {
        scratch.clear();
        PacketCodec.writeFrame(packet, scratch);
        return scratch;
    }

    /** Bytes to packet. */
    @Benchmark
    public Packet decode() {
        return PacketCodec.decodeFrame(wire);
    }
}
