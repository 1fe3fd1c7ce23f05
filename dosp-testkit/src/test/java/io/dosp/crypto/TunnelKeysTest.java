package io.dosp.crypto;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.testkit.Vectors;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TunnelKeysTest {

    @Test
    void dhHandshakeVectorInfoAndKeys() {
        JsonNode v = Vectors.section("dh_handshake");
        byte[] initiatorSid = hex("0102030405060708");
        byte[] responderSid = hex("a1a2a3a4a5a6a7a8");
        assertThat(TunnelKeys.dhInfo(initiatorSid, responderSid)).isEqualTo(hex(v, "hkdf_info"));

        TunnelKeys keys = TunnelKeys.deriveDh(hex(v, "shared_secret"), initiatorSid, responderSid);
        assertThat(keys.encryptionKey()).isEqualTo(hex(v, "encryption_key"));
        assertThat(keys.macKey()).isEqualTo(hex(v, "mac_key"));
        assertThat(keys.ivMaterial()).isEqualTo(hex(v, "iv_material"));
    }

    @Test
    void sessionIdOrderMatters() {
        byte[] secret = new byte[32];
        TunnelKeys ab = TunnelKeys.deriveDh(secret, hex("0102030405060708"), hex("a1a2a3a4a5a6a7a8"));
        TunnelKeys ba = TunnelKeys.deriveDh(secret, hex("a1a2a3a4a5a6a7a8"), hex("0102030405060708"));
        assertThat(ab.encryptionKey()).isNotEqualTo(ba.encryptionKey());
    }

    @Test
    void hkdfVectorsThroughTheLegacyAndDhDerivations() {
        JsonNode legacy = Vectors.section("hkdf").get(0);
        assertThat(new String(hex(legacy, "info"), StandardCharsets.US_ASCII)).isEqualTo(TunnelKeys.LEGACY_INFO);
        TunnelKeys lk = TunnelKeys.deriveLegacy(hex(legacy, "shared_secret"));
        assertThat(lk.encryptionKey()).isEqualTo(hex(legacy, "encryption"));
        assertThat(lk.macKey()).isEqualTo(hex(legacy, "mac"));
        assertThat(lk.ivMaterial()).isEqualTo(hex(legacy, "iv_material"));

        JsonNode dh = Vectors.section("hkdf").get(1);
        byte[] info = hex(dh, "info");
        assertThat(info).isEqualTo(TunnelKeys.dhInfo(hex("0102030405060708"), hex("a1a2a3a4a5a6a7a8")));
        TunnelKeys dk = TunnelKeys.deriveDh(hex(dh, "shared_secret"), hex("0102030405060708"), hex("a1a2a3a4a5a6a7a8"));
        assertThat(dk.encryptionKey()).isEqualTo(hex(dh, "encryption"));
        assertThat(dk.macKey()).isEqualTo(hex(dh, "mac"));
        assertThat(dk.ivMaterial()).isEqualTo(hex(dh, "iv_material"));
    }

    @Test
    void defensiveCopiesBothWays() {
        byte[] enc = new byte[32];
        TunnelKeys keys = new TunnelKeys(enc, new byte[32], new byte[32]);
        enc[0] = 1;
        assertThat(keys.encryptionKey()[0]).isZero();
        keys.encryptionKey()[0] = 2;
        keys.macKey()[0] = 2;
        keys.ivMaterial()[0] = 2;
        assertThat(keys.encryptionKey()[0]).isZero();
        assertThat(keys.macKey()[0]).isZero();
        assertThat(keys.ivMaterial()[0]).isZero();
    }

    @Test
    void toStringPrintsNoKeyBytes() {
        JsonNode v = Vectors.section("dh_handshake");
        TunnelKeys keys = TunnelKeys.deriveDh(hex(v, "shared_secret"), hex("0102030405060708"), hex("a1a2a3a4a5a6a7a8"));
        String s = keys.toString();
        assertThat(s).doesNotContain(toHex(keys.encryptionKey()).substring(0, 8))
                .doesNotContain(toHex(keys.macKey()).substring(0, 8))
                .doesNotContain(toHex(keys.ivMaterial()).substring(0, 8));
    }

    @Test
    void wrongLengthsAreProgrammingErrors() {
        assertThatThrownBy(() -> new TunnelKeys(new byte[31], new byte[32], new byte[32]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunnelKeys.fromKeyMaterial(new byte[95])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunnelKeys.dhInfo(new byte[7], new byte[8])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunnelKeys.deriveLegacy(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }
}
