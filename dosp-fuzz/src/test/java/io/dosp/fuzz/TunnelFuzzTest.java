package io.dosp.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dosp.crypto.IdentityBlock;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.TunnelKeys;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Vip;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * Tunnel open on hostile input (spec 8): the handshake payloads a peer sends as S2C DATA, and
 * tunnel frames arriving on an established tunnel.
 *
 * <p>{@link #handshake}: classify, then parse as the kind says ({@link TunnelHello#parse},
 * {@link TunnelHandshake#parseErrorReason}, {@link TunnelHandshake#legacyKeyHalf}) and answer a
 * hello as the responder does ({@link TunnelHandshake#deriveKeys}). Only {@link TunnelException}
 * escapes; a parsed hello re-encodes to the first 49 bytes of its payload; a hello we answer gives
 * both sides the same keys (a frame we seal opens on the initiator's side).
 *
 * <p>{@link #open}: frames built from hostile bytes, or a genuine frame with fuzzed mutations
 * (bit flips, truncation, extension, replays), opened by a cipher that has valid frames waiting.
 * Only {@link TunnelException} escapes; a frame is accepted only when it is byte for byte the
 * genuine next frame; a rejected frame never moves the receive counter, so the genuine frames
 * still open afterwards, in order.
 */
class TunnelFuzzTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    private static final X25519KeyPair INITIATOR = X25519KeyPair.fromPrivate(seq(1));
    private static final X25519KeyPair RESPONDER = X25519KeyPair.fromPrivate(seq(2));
    private static final TunnelKeys KEYS = new TunnelKeys(seq(3), seq(4), seq(5));

    private static byte[] seq(int seed) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    @FuzzTest(maxDuration = "10s")
    void handshake(byte[] payload) {
        TunnelHandshake.Kind kind = TunnelHandshake.classify(payload);
        try {
            switch (kind) {
                case ERROR -> assertThat(TunnelHandshake.parseErrorReason(payload)).isNotNull();
                case LEGACY -> assertThat(TunnelHandshake.legacyKeyHalf(payload)).hasSize(TunnelHandshake.LEGACY_KEY_HALF_LENGTH);
                case DH_HELLO -> answer(payload);
                default -> {
                    try {
                        TunnelHello.parse(payload);
                        fail("a payload classified " + kind + " parsed as a hello");
                    } catch (TunnelException expected) {
                        assertThat(expected.reason()).isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
                    }
                }
            }
        } catch (TunnelException e) {
            assertThat(kind).as("only a hello can fail, and only on its key").isEqualTo(TunnelHandshake.Kind.DH_HELLO);
            assertThat(e.reason()).isEqualTo(TunnelException.Reason.INVALID_PUBLIC_KEY);
        }
    }

    private static void answer(byte[] payload) {
        TunnelHello theirs = TunnelHello.parse(payload);
        assertThat(theirs.encode()).isEqualTo(Arrays.copyOf(payload, TunnelHandshake.HELLO_LENGTH));
        assertThat(TunnelHello.parse(theirs.encode())).isEqualTo(theirs);
        theirs.isSkewed(CLOCK); // must not throw for any timestamp
        try {
            // an identity block from a peer: read and checked without throwing, whatever its bytes
            IdentityBlock.read(payload).ifPresent(b -> b.verifies(IdentityBlock.initiatorTranscript(theirs,
                    Vip.parse("7.10.0.2"), Vip.parse("7.10.0.3"))));
        } catch (TunnelException e) {
            assertThat(e.reason()).as("a bad block is malformed, nothing else").isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
        }
        TunnelHello mine = TunnelHello.create(RESPONDER, CLOCK, new SecureRandom());
        TunnelKeys keys = TunnelHandshake.deriveKeys(RESPONDER, theirs, mine, false);
        if (Arrays.equals(theirs.publicKey(), INITIATOR.publicKey())) {
            TunnelKeys initiatorKeys = TunnelHandshake.deriveKeys(INITIATOR, theirs, mine, true);
            byte[] frame = new TunnelCipher(keys).seal(new byte[] {1, 2, 3});
            assertThat(new TunnelCipher(initiatorKeys).open(frame)).containsExactly(1, 2, 3);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void open(FuzzedDataProvider data) {
        TunnelCipher sender = new TunnelCipher(KEYS, new SecureRandom());
        TunnelCipher receiver = new TunnelCipher(KEYS);
        byte[][] genuine = {sender.seal(new byte[] {10}), sender.seal(new byte[] {20}), sender.seal(new byte[0])};
        int next = 0;
        int rounds = data.consumeInt(1, 8);
        for (int r = 0; r < rounds && data.remainingBytes() > 0; r++) {
            byte[] frame = hostileFrame(data, genuine);
            long before = receiver.expectedReceiveSequence();
            byte[] plain;
            try {
                plain = receiver.open(frame);
            } catch (TunnelException e) {
                assertThat(receiver.expectedReceiveSequence()).as("a rejected frame moved the counter").isEqualTo(before);
                continue;
            }
            assertThat(next).as("accepted more frames than were sealed").isLessThan(genuine.length);
            assertThat(frame).as("accepted a frame that is not the genuine next one").isEqualTo(genuine[next]);
            assertThat(plain).isEqualTo(next == 0 ? new byte[] {10} : next == 1 ? new byte[] {20} : new byte[0]);
            next++;
        }
        for (int i = next; i < genuine.length; i++) {
            receiver.open(genuine[i]); // the hostile frames must not have broken the tunnel
        }
    }

    private static byte[] hostileFrame(FuzzedDataProvider data, byte[][] genuine) {
        int how = data.consumeInt(0, 3);
        if (how == 0) {
            return data.consumeBytes(data.consumeInt(0, 200));
        }
        byte[] base = genuine[data.consumeInt(0, genuine.length - 1)].clone();
        switch (how) {
            case 1 -> {
                int flips = data.consumeInt(1, 4);
                for (int i = 0; i < flips; i++) {
                    base[data.consumeInt(0, base.length - 1)] ^= (byte) data.consumeInt(1, 255);
                }
                return base;
            }
            case 2 -> {
                return Arrays.copyOf(base, data.consumeInt(0, base.length + 16));
            }
            default -> {
                return base; // a replay, or the genuine frame out of order
            }
        }
    }
}
