package io.dosp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.ThreadMXBean;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.ExitReason;
import io.dosp.protocol.Handshake;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ProtocolException;
import io.dosp.protocol.RqipReply;
import io.dosp.testkit.Vectors;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakDetector;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated frames through the decoder: the only outcomes allowed are packets and
 * {@link InvalidFrame}s carrying the codec's typed errors; no input may make the decoder allocate
 * more than a small multiple of the frame limit (measured, not assumed); nothing hangs.
 */
class DecoderFuzzTest {
    private static final int MAX = 64 << 10;
    private static final int ITERATIONS = 120_000;
    /** Inflate may grow its buffer up to max+1 by doubling, then trim: at most ~3x max, plus the channel itself. */
    private static final long ALLOCATION_BOUND = 4L * MAX + (256 << 10);

    private static final ThreadMXBean THREADS =
            (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void randomAndMutatedFramesYieldOnlyTypedOutcomes() {
        // Paranoid leak detection records a stack trace per buffer access, which would be counted as
        // the decoder's allocation; buffer leaks are checked by the other codec tests.
        ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            fuzzFrames();
        } finally {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    private void fuzzFrames() {
        long seed = Long.getLong("dosp.fuzz.seed", System.nanoTime());
        Random rnd = new Random(seed);
        List<byte[]> corpus = corpus();
        long worstAllocation = 0;
        int packets = 0;
        int invalid = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = (i % 4 == 0) ? randomBytes(rnd) : mutate(rnd, corpus);
            boolean compressed = rnd.nextBoolean();
            long splitSeed = rnd.nextLong();
            int[] counts = new int[2];
            long allocated;
            try {
                allocated = decode(input, compressed, new Random(splitSeed), counts);
                if (allocated > ALLOCATION_BOUND) {
                    // The first use of a path also initialises classes; a real per-input allocation repeats.
                    allocated = decode(input, compressed, new Random(splitSeed), new int[2]);
                }
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("seed " + seed + ", iteration " + i + ", input "
                        + Vectors.toHex(Arrays.copyOf(input, Math.min(input.length, 64))), e);
            }
            packets += counts[0];
            invalid += counts[1];
            worstAllocation = Math.max(worstAllocation, allocated);
            if (allocated > ALLOCATION_BOUND) {
                fail("seed " + seed + ", iteration " + i + ": decoding " + input.length + " bytes allocated " + allocated
                        + " bytes (bound " + ALLOCATION_BOUND + ")");
            }
        }
        assertThat(packets).as("fuzzing should also produce valid packets").isPositive();
        assertThat(invalid).as("fuzzing should also produce invalid frames").isPositive();
        assertThat(worstAllocation).isLessThanOrEqualTo(ALLOCATION_BOUND);
    }

    /** Feeds {@code input} in random pieces to a fresh channel; returns the bytes this thread allocated. */
    private static long decode(byte[] input, boolean compressed, Random split, int[] counts) {
        long tid = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(tid);
        EmbeddedChannel ch = new EmbeddedChannel(DospCodec.forServer(MAX, compressed, 6));
        int pos = 0;
        while (pos < input.length) {
            int n = 1 + split.nextInt(Math.min(input.length - pos, 64));
            ch.writeInbound(Unpooled.wrappedBuffer(input, pos, n));
            pos += n;
        }
        Object o;
        while ((o = ch.readInbound()) != null) {
            if (o instanceof Packet) {
                counts[0]++;
            } else if (o instanceof InvalidFrame f) {
                assertThat(f.error()).isInstanceOf(ProtocolException.class);
                counts[1]++;
            } else {
                fail("unexpected output " + o.getClass());
            }
        }
        ch.finishAndReleaseAll();
        return THREADS.getThreadAllocatedBytes(tid) - before;
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void bodyParsersThrowOnlyProtocolExceptions() {
        long seed = Long.getLong("dosp.fuzz.seed", System.nanoTime());
        Random rnd = new Random(seed);
        List<byte[]> corpus = corpus();
        for (int i = 0; i < 100_000; i++) {
            byte[] in = i % 2 == 0 ? randomBytes(rnd) : mutate(rnd, corpus);
            byte[] body = in.length > 5 ? Arrays.copyOfRange(in, 5, in.length) : in;
            try {
                tryParse(() -> PacketCodec.decodeFrame(in));
                tryParse(() -> Handshake.parse(body));
                tryParse(() -> Packets.parseAip(body));
                tryParse(() -> Packets.parseVipList(body));
                tryParse(() -> RqipReply.parse(body));
                ErrorReply.parse(body);
                ExitReason.parse(body);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", iteration " + i + ": " + Vectors.toHex(in), e);
            }
        }
    }

    private static void tryParse(Runnable r) {
        try {
            r.run();
        } catch (ProtocolException expected) {
            // typed: fine
        }
    }

    static List<byte[]> corpus() {
        List<byte[]> out = new ArrayList<>();
        for (String section : List.of("frames_uncompressed", "frames_compressed")) {
            for (JsonNode n : Vectors.section(section)) {
                out.add(Vectors.hex(n, "wire"));
            }
        }
        JsonNode t = Vectors.section("tunnel_frames").get("frames");
        for (JsonNode n : t) {
            out.add(Vectors.hex(n, "wire"));
        }
        out.add(Vectors.hex(Vectors.section("sd_advertisement"), "wire"));
        out.add(Vectors.hex(Vectors.section("dh_handshake"), "initiator_hello_wire"));
        return out;
    }

    static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(300)];
        rnd.nextBytes(b);
        if (b.length >= 5 && rnd.nextInt(3) == 0) {
            // Keep the LENGTH plausible sometimes so bodies get parsed, not only rejected.
            int len = rnd.nextInt(b.length - 4);
            b[1] = 0;
            b[2] = 0;
            b[3] = (byte) (len >>> 8);
            b[4] = (byte) len;
        }
        return b;
    }

    static byte[] mutate(Random rnd, List<byte[]> corpus) {
        byte[] base = corpus.get(rnd.nextInt(corpus.size()));
        int copies = 1 + rnd.nextInt(3);
        byte[] b = new byte[base.length * copies];
        for (int c = 0; c < copies; c++) {
            byte[] frame = corpus.get(rnd.nextInt(corpus.size()));
            System.arraycopy(frame, 0, b, c * base.length, Math.min(frame.length, base.length));
        }
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (rnd.nextInt(6)) {
                case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                case 3 -> {
                    if (b.length >= 5) {
                        int huge = rnd.nextBoolean() ? rnd.nextInt() : MAX + rnd.nextInt(3) - 1;
                        b[1] = (byte) (huge >>> 24);
                        b[2] = (byte) (huge >>> 16);
                        b[3] = (byte) (huge >>> 8);
                        b[4] = (byte) huge;
                    }
                }
                case 4 -> {
                    if (b.length > 0) {
                        b[0] = (byte) (rnd.nextBoolean() ? 0x1A : 0x03);
                    }
                }
                default -> {
                    byte[] extra = new byte[rnd.nextInt(16)];
                    rnd.nextBytes(extra);
                    byte[] c = Arrays.copyOf(b, b.length + extra.length);
                    System.arraycopy(extra, 0, c, b.length, extra.length);
                    b = c;
                }
            }
            if (b.length == 0) {
                break;
            }
        }
        return b;
    }
}
