package io.dosp.crypto;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.testkit.Vectors;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class TunnelCipherTest {
    private static final JsonNode V = Vectors.section("tunnel_frames");
    private static final TunnelKeys KEYS = new TunnelKeys(hex(V, "encryption_key"), hex(V, "mac_key"), new byte[32]);

    private static JsonNode frame(int i) {
        return V.get("frames").get(i);
    }

    private static TunnelException.Reason failure(ThrowingCallable c) {
        Throwable t = catchThrowable(c);
        assertThat(t).isInstanceOf(TunnelException.class);
        return ((TunnelException) t).reason();
    }

    @Test
    void vectorKeysAreTheDhHandshakeKeys() {
        JsonNode dh = Vectors.section("dh_handshake");
        assertThat(KEYS.encryptionKey()).isEqualTo(hex(dh, "encryption_key"));
        assertThat(KEYS.macKey()).isEqualTo(hex(dh, "mac_key"));
    }

    @Test
    void sealingWithTheVectorNoncesReproducesTheReferenceFrames() {
        TunnelCipher c = new TunnelCipher(KEYS);
        for (int i = 0; i < 3; i++) {
            JsonNode f = frame(i);
            assertThat(c.nextSendSequence()).isEqualTo(f.get("sequence").asLong());
            byte[] sealed = c.seal(hex(f, "plaintext"), hex(f, "nonce"));
            assertThat(toHex(sealed)).isEqualTo(f.get("s2c_data").asText());
            assertThat(f.get("wire").asText()).endsWith(toHex(sealed));
        }
        assertThat(c.nextSendSequence()).isEqualTo(4);
        assertThat(c.expectedReceiveSequence()).as("directions are independent").isEqualTo(1);
    }

    @Test
    void openingTheReferenceFramesYieldsThePlaintexts() {
        TunnelCipher c = new TunnelCipher(KEYS);
        for (int i = 0; i < 3; i++) {
            JsonNode f = frame(i);
            assertThat(c.open(hex(f, "s2c_data"))).isEqualTo(hex(f, "plaintext"));
            assertThat(c.expectedReceiveSequence()).isEqualTo(i + 2);
        }
        assertThat(c.nextSendSequence()).isEqualTo(1);
    }

    @Test
    void everyFlippedBitFailsWithoutAdvancingTheCounter() {
        TunnelCipher c = new TunnelCipher(KEYS);
        for (int i = 0; i < 3; i++) {
            byte[] good = hex(frame(i), "s2c_data");
            long expected = c.expectedReceiveSequence();
            for (int pos = 0; pos < good.length; pos++) {
                // Every bit of the first frame, one bit per byte of the others (the long frame is 400 bytes).
                for (int bit = 0; bit < 8; bit += i == 0 ? 1 : 8) {
                    byte[] bad = good.clone();
                    bad[pos] ^= (byte) (1 << ((bit + pos) & 7));
                    // The HMAC covers every byte, itself included, so it is the first check to fail.
                    assertThat(failure(() -> c.open(bad))).as("byte %d bit %d", pos, bit)
                            .isEqualTo(TunnelException.Reason.BAD_MAC);
                    assertThat(c.expectedReceiveSequence()).isEqualTo(expected);
                }
            }
            assertThat(c.open(good)).isEqualTo(hex(frame(i), "plaintext"));
        }
    }

    @Test
    void truncatedAndExtendedFramesFail() {
        TunnelCipher c = new TunnelCipher(KEYS);
        byte[] good = hex(frame(0), "s2c_data");
        assertThat(failure(() -> c.open(Arrays.copyOf(good, good.length - 1)))).isEqualTo(TunnelException.Reason.BAD_MAC);
        assertThat(failure(() -> c.open(Arrays.copyOf(good, good.length + 1)))).isEqualTo(TunnelException.Reason.BAD_MAC);
        assertThat(c.expectedReceiveSequence()).isEqualTo(1);
        assertThat(c.open(good)).isEqualTo(hex(frame(0), "plaintext"));
    }

    @Test
    void replayedFrameFails() {
        TunnelCipher c = new TunnelCipher(KEYS);
        byte[] first = hex(frame(0), "s2c_data");
        c.open(first);
        assertThat(failure(() -> c.open(first))).isEqualTo(TunnelException.Reason.BAD_MAC);
        assertThat(c.expectedReceiveSequence()).isEqualTo(2);
        assertThat(c.open(hex(frame(1), "s2c_data"))).isEmpty();
    }

    @Test
    void skippedSequenceFailsWithoutAdvancing() {
        TunnelCipher c = new TunnelCipher(KEYS);
        assertThat(failure(() -> c.open(hex(frame(1), "s2c_data")))).isEqualTo(TunnelException.Reason.BAD_MAC);
        assertThat(c.expectedReceiveSequence()).isEqualTo(1);
        assertThat(c.open(hex(frame(0), "s2c_data"))).isEqualTo(hex(frame(0), "plaintext"));
        assertThat(c.open(hex(frame(1), "s2c_data"))).isEqualTo(hex(frame(1), "plaintext"));
    }

    @Test
    void ourOwnFrameSentBackIsRefusedAsReflectedWhileThePeerOpensIt() {
        TunnelCipher a = new TunnelCipher(KEYS);
        TunnelCipher b = new TunnelCipher(KEYS);
        byte[] first = a.seal(new byte[] {1});
        assertThat(failure(() -> a.open(first))).isEqualTo(TunnelException.Reason.REFLECTED);
        assertThat(a.expectedReceiveSequence()).as("a refused frame moves no counter").isEqualTo(1);
        assertThat(b.open(first)).containsExactly(1);
        // The peer's own frame 1 (another nonce) still opens on our side.
        assertThat(a.open(b.seal(new byte[] {2}))).containsExactly(2);
        // Many frames ahead: the one at the sequence we expect next is still recognised.
        byte[][] sent = new byte[TunnelCipher.REFLECTION_WINDOW + 10][];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = a.seal(new byte[] {(byte) i});
        }
        // sent[0] carries sequence 2, the one a expects from b next.
        assertThat(failure(() -> a.open(sent[0]))).isEqualTo(TunnelException.Reason.REFLECTED);
        assertThat(a.open(b.seal(new byte[] {3}))).containsExactly(3);
        assertThat(failure(() -> a.open(sent[1]))).isEqualTo(TunnelException.Reason.REFLECTED);
    }

    @Test
    void wrongKeysFail() {
        byte[] good = hex(frame(0), "s2c_data");
        byte[] otherKey = new byte[32];
        Arrays.fill(otherKey, (byte) 7);
        TunnelCipher wrongMac = new TunnelCipher(new TunnelKeys(KEYS.encryptionKey(), otherKey, new byte[32]));
        assertThat(failure(() -> wrongMac.open(good))).isEqualTo(TunnelException.Reason.BAD_MAC);
        // Same MAC key, different AES key: the HMAC passes and GCM refuses the tag.
        TunnelCipher wrongEnc = new TunnelCipher(new TunnelKeys(otherKey, KEYS.macKey(), new byte[32]));
        assertThat(failure(() -> wrongEnc.open(good))).isEqualTo(TunnelException.Reason.DECRYPT_FAILED);
        assertThat(wrongEnc.expectedReceiveSequence()).isEqualTo(1);
    }

    @Test
    void tooShortFramesFailBeforeAnyCrypto() {
        TunnelCipher c = new TunnelCipher(KEYS);
        for (int n : new int[] {0, 1, 12, 59}) {
            assertThat(failure(() -> c.open(new byte[n]))).isEqualTo(TunnelException.Reason.TOO_SHORT);
        }
        assertThat(failure(() -> c.open(new byte[60]))).isEqualTo(TunnelException.Reason.BAD_MAC);
        assertThat(c.expectedReceiveSequence()).isEqualTo(1);
    }

    @Test
    void authenticFrameWithTheWrongInnerSequenceFails() throws Exception {
        // A peer holding the keys MACs sequence 1 but encrypts sequence 2 inside.
        byte[] inner = ByteBuffer.allocate(8 + 3).putLong(2).put(new byte[] {1, 2, 3}).array();
        byte[] frame = craft(inner, 1);
        TunnelCipher c = new TunnelCipher(KEYS);
        assertThat(failure(() -> c.open(frame))).isEqualTo(TunnelException.Reason.SEQUENCE_MISMATCH);
        assertThat(c.expectedReceiveSequence()).isEqualTo(1);
        assertThat(c.open(craft(ByteBuffer.allocate(8).putLong(1).array(), 1))).isEmpty();
    }

    @Test
    void authenticFrameWithoutRoomForASequenceFails() throws Exception {
        byte[] frame = craft(new byte[5], 1);
        TunnelCipher c = new TunnelCipher(KEYS);
        assertThat(failure(() -> c.open(frame))).isEqualTo(TunnelException.Reason.MALFORMED_FRAME);
        assertThat(failure(() -> c.open(craft(new byte[0], 1)))).isEqualTo(TunnelException.Reason.MALFORMED_FRAME);
        assertThat(c.expectedReceiveSequence()).isEqualTo(1);
    }

    /** Builds a frame by hand, so the checks after the HMAC can be reached. */
    private static byte[] craft(byte[] inner, long macSequence) throws Exception {
        byte[] nonce = new byte[12];
        new Random(inner.length).nextBytes(nonce);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEYS.encryptionKey(), "AES"), new GCMParameterSpec(128, nonce));
        byte[] sealed = gcm.doFinal(inner);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEYS.macKey(), "HmacSHA256"));
        mac.update(ByteBuffer.allocate(8).putLong(macSequence).array());
        mac.update(nonce);
        mac.update(sealed);
        return ByteBuffer.allocate(12 + sealed.length + 32).put(nonce).put(sealed).put(mac.doFinal()).array();
    }

    @Test
    void randomNoncesDifferAndFramesHaveTheDocumentedOverhead() {
        TunnelCipher c = new TunnelCipher(KEYS);
        byte[] a = c.seal(new byte[10]);
        byte[] b = c.seal(new byte[10]);
        assertThat(a).hasSize(10 + TunnelCipher.OVERHEAD);
        assertThat(Arrays.copyOf(a, 12)).isNotEqualTo(Arrays.copyOf(b, 12));
        assertThat(c.nextSendSequence()).isEqualTo(3);
    }

    @Test
    void sameExplicitNonceTwiceInARowStillSeals() {
        // The JDK refuses to re-init GCM encryption with the previous key and IV; the cipher
        // must recover rather than fail the tunnel (only the test path can ask for this).
        TunnelCipher sender = new TunnelCipher(KEYS);
        TunnelCipher receiver = new TunnelCipher(KEYS);
        byte[] nonce = hex(frame(0), "nonce");
        byte[] first = sender.seal(hex("01"), nonce);
        byte[] second = sender.seal(hex("02"), nonce);
        assertThat(receiver.open(first)).isEqualTo(hex("01"));
        assertThat(receiver.open(second)).isEqualTo(hex("02"));
    }

    @Test
    void toStringShowsCountersOnly() {
        TunnelCipher c = new TunnelCipher(KEYS);
        assertThat(c.toString()).contains("nextSend=1").doesNotContain(toHex(KEYS.encryptionKey()).substring(0, 8));
    }

    @Test
    void thousandRandomMessagesEachWay() {
        TunnelCipher alice = new TunnelCipher(KEYS);
        TunnelCipher bob = new TunnelCipher(KEYS);
        Random rnd = new Random(42);
        for (int i = 0; i < 1000; i++) {
            byte[] ab = new byte[rnd.nextInt(2000)];
            rnd.nextBytes(ab);
            byte[] ba = new byte[rnd.nextInt(2000)];
            rnd.nextBytes(ba);
            assertThat(bob.open(alice.seal(ab))).isEqualTo(ab);
            assertThat(alice.open(bob.seal(ba))).isEqualTo(ba);
        }
        assertThat(alice.nextSendSequence()).isEqualTo(1001);
        assertThat(alice.expectedReceiveSequence()).isEqualTo(1001);
        assertThat(bob.nextSendSequence()).isEqualTo(1001);
        assertThat(bob.expectedReceiveSequence()).isEqualTo(1001);
    }

    @Test
    void sendAndReceiveDirectionsWorkConcurrently() throws Exception {
        TunnelCipher alice = new TunnelCipher(KEYS);
        TunnelCipher bob = new TunnelCipher(KEYS);
        Random rnd = new Random(7);
        List<byte[]> fromBob = new ArrayList<>();
        List<byte[]> bobPlain = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            byte[] p = new byte[rnd.nextInt(300)];
            rnd.nextBytes(p);
            bobPlain.add(p);
            fromBob.add(bob.seal(p));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // Alice's sender thread and Alice's I/O thread use her cipher at the same time.
            Future<List<byte[]>> sent = pool.submit(() -> {
                List<byte[]> out = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    out.add(alice.seal(ByteBuffer.allocate(4).putInt(i).array()));
                }
                return out;
            });
            Future<List<byte[]>> received = pool.submit(() -> {
                List<byte[]> out = new ArrayList<>();
                for (byte[] f : fromBob) {
                    out.add(alice.open(f));
                }
                return out;
            });
            List<byte[]> aliceFrames = sent.get(60, TimeUnit.SECONDS);
            List<byte[]> opened = received.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 1000; i++) {
                assertThat(opened.get(i)).isEqualTo(bobPlain.get(i));
                assertThat(bob.open(aliceFrames.get(i))).isEqualTo(ByteBuffer.allocate(4).putInt(i).array());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sealedFramesNeverStartWithTheHandshakeMarker() {
        // A random nonce would start with 0x15 once in 256 frames; every implementation would read
        // that frame as a tunnel handshake (spec 8.3).
        byte[] material = new byte[96];
        new Random(1).nextBytes(material);
        TunnelCipher sender = new TunnelCipher(TunnelKeys.fromKeyMaterial(material));
        TunnelCipher receiver = new TunnelCipher(TunnelKeys.fromKeyMaterial(material));
        for (int i = 0; i < 20_000; i++) {
            byte[] frame = sender.seal(new byte[] {(byte) i});
            Assertions.assertThat(frame[0]).isNotEqualTo((byte) 0x15);
            Assertions.assertThat(receiver.open(frame)).containsExactly((byte) i);
        }
    }
}
