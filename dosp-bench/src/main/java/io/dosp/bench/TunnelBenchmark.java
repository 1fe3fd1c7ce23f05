package io.dosp.bench;

import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelKeys;
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

/**
 * Tunnel frame seal, and seal followed by open on the peer's cipher (spec 8.2). A frame can be
 * opened only once (the receive counter moves on), so open alone is the difference of the two.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TunnelBenchmark {

    /** Plaintext size. */
    @Param({"64", "1024"})
    public int size;

    private byte[] plaintext;
    private TunnelCipher sealer;
    private TunnelCipher sender;
    private TunnelCipher receiver;

    /** Fresh keys and ciphers per trial. */
    @Setup(Level.Trial)
    public void setup() {
        byte[] material = new byte[96];
        ThreadLocalRandom.current().nextBytes(material);
        TunnelKeys keys = TunnelKeys.fromKeyMaterial(material);
        plaintext = new byte[size];
        ThreadLocalRandom.current().nextBytes(plaintext);
        sealer = new TunnelCipher(keys);
        sender = new TunnelCipher(keys);
        receiver = new TunnelCipher(keys);
    }

    /** Seal one frame (random nonce, AES-256-GCM, HMAC-SHA256). */
    @Benchmark
    public byte[] seal() {
        return sealer.seal(plaintext);
    }

    /** Seal one frame and open it on the other side. */
    @Benchmark
    public byte[] sealThenOpen() {
        return receiver.open(sender.seal(plaintext));
    }
}
