package io.dosp.crypto;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.testkit.Vectors;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class X25519KeyPairTest {

    /** X25519(k, u) as RFC 7748 defines it, through our API. */
    private static byte[] x25519(byte[] k, byte[] u) {
        return X25519KeyPair.fromPrivate(k).agree(u);
    }

    @Test
    void rfc7748Section5_2FirstVector() {
        byte[] out = x25519(hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
        assertThat(toHex(out)).isEqualTo("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    }

    @Test
    void rfc7748Section5_2SecondVectorMasksTheTopBitOfU() {
        // The last byte of u is 0x93: its top bit must be ignored, not rejected.
        byte[] out = x25519(hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
        assertThat(toHex(out)).isEqualTo("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
    }

    @Test
    void rfc7748Section5_2IteratedOnceAndAThousandTimes() {
        byte[] k = new byte[32];
        k[0] = 9;
        byte[] u = k.clone();
        for (int i = 1; i <= 1000; i++) {
            byte[] next = x25519(k, u);
            u = k;
            k = next;
            if (i == 1) {
                assertThat(toHex(k)).isEqualTo("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
            }
        }
        assertThat(toHex(k)).isEqualTo("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
    }

    @Test
    void rfc7748Section6_1AliceAndBobAsInTheDhHandshakeVector() {
        JsonNode v = Vectors.section("dh_handshake");
        X25519KeyPair alice = X25519KeyPair.fromPrivate(hex(v, "initiator_private"));
        X25519KeyPair bob = X25519KeyPair.fromPrivate(hex(v, "responder_private"));

        assertThat(alice.publicKey()).isEqualTo(hex(v, "initiator_public"));
        assertThat(bob.publicKey()).isEqualTo(hex(v, "responder_public"));
        assertThat(alice.agree(bob.publicKey())).isEqualTo(hex(v, "shared_secret"));
        assertThat(bob.agree(alice.publicKey())).isEqualTo(hex(v, "shared_secret"));
        // RFC 7748 6.1 literally, so the vector and the RFC cannot drift apart unnoticed.
        assertThat(toHex(alice.publicKey()))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(toHex(alice.agree(bob.publicKey())))
                .isEqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    }

    @Test
    void nonCanonicalUIsReducedModP() {
        // p + 9 = 2^255 - 10 encodes the base point non-canonically; RFC 7748 says accept it.
        byte[] pPlus9 = hex("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        X25519KeyPair alice = X25519KeyPair.fromPrivate(
                hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        assertThat(alice.agree(pPlus9)).isEqualTo(alice.publicKey());
    }

    @Test
    void generatedPairsAgree() {
        for (int i = 0; i < 20; i++) {
            X25519KeyPair a = X25519KeyPair.generate();
            X25519KeyPair b = X25519KeyPair.generate();
            assertThat(a.publicKey()).hasSize(32).isNotEqualTo(b.publicKey());
            assertThat(a.publicKey()[31] & 0x80).as("canonical u has the top bit clear").isZero();
            assertThat(a.agree(b.publicKey())).hasSize(32).isEqualTo(b.agree(a.publicKey()));
        }
    }

    @Test
    void encodeUIsAlwaysThirtyTwoLittleEndianBytes() {
        assertThat(toHex(X25519KeyPair.encodeU(BigInteger.valueOf(9))))
                .isEqualTo("0900000000000000000000000000000000000000000000000000000000000000");
        byte[] top = hex("00000000000000000000000000000000000000000000000000000000000000ff");
        // Top bit masked on decode; re-encoding gives the 255-bit value back.
        assertThat(toHex(X25519KeyPair.encodeU(X25519KeyPair.decodeU(top))))
                .isEqualTo("000000000000000000000000000000000000000000000000000000000000007f");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0000000000000000000000000000000000000000000000000000000000000000", // 0
        "0100000000000000000000000000000000000000000000000000000000000000", // 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (= 1)
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
    })
    void lowOrderPointsAreRefused(String u) {
        X25519KeyPair k = X25519KeyPair.generate();
        Throwable t = catchThrowable(() -> k.agree(hex(u)));
        assertThat(t).isInstanceOf(TunnelException.class);
        assertThat(((TunnelException) t).reason()).isEqualTo(TunnelException.Reason.INVALID_PUBLIC_KEY);
    }

    @Test
    void wrongLengthPublicKeyIsRefused() {
        X25519KeyPair k = X25519KeyPair.generate();
        for (byte[] bad : new byte[][] {null, new byte[0], new byte[31], new byte[33]}) {
            Throwable t = catchThrowable(() -> k.agree(bad));
            assertThat(t).isInstanceOf(TunnelException.class);
            assertThat(((TunnelException) t).reason()).isEqualTo(TunnelException.Reason.INVALID_PUBLIC_KEY);
        }
    }

    @Test
    void wrongLengthPrivateScalarIsAProgrammingError() {
        assertThatThrownBy(() -> X25519KeyPair.fromPrivate(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void publicKeyIsADefensiveCopyAndToStringHidesIt() {
        X25519KeyPair k = X25519KeyPair.generate();
        byte[] pub = k.publicKey();
        pub[0] ^= 1;
        assertThat(k.publicKey()).isNotEqualTo(pub);
        assertThat(k.toString()).doesNotContain(toHex(k.publicKey()));
    }
}
