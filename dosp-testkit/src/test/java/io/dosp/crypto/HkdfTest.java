package io.dosp.crypto;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.testkit.Vectors;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HkdfTest {

    private static byte[] range(int from, int toExclusive) {
        byte[] b = new byte[toExclusive - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static byte[] repeat(int value, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void rfc5869TestCase1() {
        byte[] prk = Hkdf.extract(hex("000102030405060708090a0b0c"), repeat(0x0b, 22));
        assertThat(toHex(prk)).isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertThat(toHex(Hkdf.expand(prk, hex("f0f1f2f3f4f5f6f7f8f9"), 42))).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void rfc5869TestCase2LongInputs() {
        byte[] prk = Hkdf.extract(range(0x60, 0xb0), range(0x00, 0x50));
        assertThat(toHex(prk)).isEqualTo("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
        assertThat(toHex(Hkdf.expand(prk, range(0xb0, 0x100), 82))).isEqualTo(
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                        + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                        + "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    }

    @Test
    void rfc5869TestCase3NoSaltNoInfo() {
        byte[] ikm = repeat(0x0b, 22);
        String prk = "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04";
        String okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8";
        assertThat(toHex(Hkdf.extract(null, ikm))).isEqualTo(prk);
        assertThat(toHex(Hkdf.extract(new byte[0], ikm))).isEqualTo(prk);
        assertThat(toHex(Hkdf.extract(new byte[32], ikm))).isEqualTo(prk);
        assertThat(toHex(Hkdf.derive(null, ikm, null, 42))).isEqualTo(okm);
        assertThat(toHex(Hkdf.derive(new byte[0], ikm, new byte[0], 42))).isEqualTo(okm);
    }

    @Test
    void referenceVectors() {
        JsonNode all = Vectors.section("hkdf");
        assertThat(all.size()).isEqualTo(2);
        for (JsonNode v : all) {
            byte[] okm = Hkdf.derive(null, hex(v, "shared_secret"), hex(v, "info"), 96);
            assertThat(toHex(okm)).isEqualTo(
                    v.get("encryption").asText() + v.get("mac").asText() + v.get("iv_material").asText());
        }
    }

    @Test
    void outputIsAPrefixWhateverTheLength() {
        byte[] prk = Hkdf.extract(null, repeat(1, 32));
        byte[] full = Hkdf.expand(prk, null, 100);
        for (int n : new int[] {0, 1, 31, 32, 33, 64, 99}) {
            assertThat(Hkdf.expand(prk, null, n)).isEqualTo(Arrays.copyOf(full, n));
        }
        assertThat(Hkdf.expand(prk, null, Hkdf.MAX_OUTPUT_LENGTH)).hasSize(255 * 32);
    }

    @Test
    void rejectsOutOfRangeLengthsAndShortPrk() {
        byte[] prk = new byte[32];
        assertThatThrownBy(() -> Hkdf.expand(prk, null, Hkdf.MAX_OUTPUT_LENGTH + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hkdf.expand(prk, null, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hkdf.expand(new byte[16], null, 32)).isInstanceOf(IllegalArgumentException.class);
    }
}
