package io.dosp.crypto;

import static io.dosp.testkit.Vectors.hex;
import static io.dosp.testkit.Vectors.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.crypto.TunnelHandshake.Kind;
import io.dosp.testkit.Vectors;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

class TunnelHandshakeTest {
    private static final byte[] INITIATOR_SID = hex("0102030405060708");
    private static final byte[] RESPONDER_SID = hex("a1a2a3a4a5a6a7a8");
    private static final long VECTOR_TIMESTAMP = 0x6922fa60L;

    private static TunnelException.Reason failure(ThrowableAssert.ThrowingCallable c) {
        Throwable t = catchThrowable(c);
        assertThat(t).isInstanceOf(TunnelException.class);
        return ((TunnelException) t).reason();
    }

    @Test
    void dhHelloPayloadsMatchTheVectorAndParseBack() {
        JsonNode v = Vectors.section("dh_handshake");
        X25519KeyPair a = X25519KeyPair.fromPrivate(hex(v, "initiator_private"));
        X25519KeyPair b = X25519KeyPair.fromPrivate(hex(v, "responder_private"));

        TunnelHello ha = TunnelHello.of(INITIATOR_SID, VECTOR_TIMESTAMP, a.publicKey());
        TunnelHello hb = TunnelHello.of(RESPONDER_SID, VECTOR_TIMESTAMP, b.publicKey());
        assertThat(ha.encode()).isEqualTo(hex(v, "initiator_hello_payload")).hasSize(TunnelHandshake.HELLO_LENGTH);
        assertThat(hb.encode()).isEqualTo(hex(v, "responder_hello_payload"));
        // The payload is the DATA at the end of the S2C wire frame.
        assertThat(v.get("initiator_hello_wire").asText()).endsWith(toHex(ha.encode()));

        TunnelHello pa = TunnelHello.parse(hex(v, "initiator_hello_payload"));
        TunnelHello pb = TunnelHello.parse(hex(v, "responder_hello_payload"));
        assertThat(pa).isEqualTo(ha).hasSameHashCodeAs(ha);
        assertThat(pb).isEqualTo(hb);
        assertThat(pa.sessionId()).isEqualTo(INITIATOR_SID);
        assertThat(pa.timestampSeconds()).isEqualTo(VECTOR_TIMESTAMP);
        assertThat(pa.publicKey()).isEqualTo(hex(v, "initiator_public"));
        assertThat(TunnelHandshake.classify(hex(v, "responder_hello_payload"))).isEqualTo(Kind.DH_HELLO);
    }

    @Test
    void bothRolesDeriveTheVectorKeys() {
        JsonNode v = Vectors.section("dh_handshake");
        X25519KeyPair a = X25519KeyPair.fromPrivate(hex(v, "initiator_private"));
        X25519KeyPair b = X25519KeyPair.fromPrivate(hex(v, "responder_private"));
        TunnelHello ha = TunnelHello.parse(hex(v, "initiator_hello_payload"));
        TunnelHello hb = TunnelHello.parse(hex(v, "responder_hello_payload"));

        for (TunnelKeys k : new TunnelKeys[] {
            TunnelHandshake.deriveKeys(a, ha, hb, true), TunnelHandshake.deriveKeys(b, ha, hb, false)}) {
            assertThat(k.encryptionKey()).isEqualTo(hex(v, "encryption_key"));
            assertThat(k.macKey()).isEqualTo(hex(v, "mac_key"));
            assertThat(k.ivMaterial()).isEqualTo(hex(v, "iv_material"));
        }
        assertThatThrownBy(() -> TunnelHandshake.deriveKeys(a, ha, hb, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void helloIgnoresTrailingBytesLikeTheReference() {
        byte[] payload = hex(Vectors.section("dh_handshake"), "initiator_hello_payload");
        byte[] longer = Arrays.copyOf(payload, payload.length + 5);
        assertThat(TunnelHandshake.classify(longer)).isEqualTo(Kind.DH_HELLO);
        assertThat(TunnelHello.parse(longer)).isEqualTo(TunnelHello.parse(payload));
    }

    @Test
    void createdHelloRoundTrips() {
        X25519KeyPair k = X25519KeyPair.generate();
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_763_900_000L), ZoneOffset.UTC);
        TunnelHello h = TunnelHello.create(k, clock, new SecureRandom());
        assertThat(h.timestampSeconds()).isEqualTo(1_763_900_000L);
        assertThat(h.publicKey()).isEqualTo(k.publicKey());
        assertThat(h.sessionId()[0] & 0xFF).isNotEqualTo(0xFF);
        assertThat(TunnelHello.parse(h.encode())).isEqualTo(h);
        assertThat(h.isSkewed(clock)).isFalse();
    }

    @Test
    void errorPayloadVector() {
        JsonNode v = Vectors.section("hc2c_error_payload");
        String reason = v.get("reason").asText();
        assertThat(reason).isEqualTo(TunnelHandshake.TUNNEL_EXISTS_REASON);
        assertThat(TunnelHandshake.errorPayload(reason)).isEqualTo(hex(v, "payload"));
        assertThat(TunnelHandshake.classify(hex(v, "payload"))).isEqualTo(Kind.ERROR);
        assertThat(TunnelHandshake.parseErrorReason(hex(v, "payload"))).isEqualTo(reason);
        assertThat(TunnelHandshake.parseErrorReason(TunnelHandshake.errorPayload("déjà vu ✓"))).isEqualTo("déjà vu ✓");
        assertThat(TunnelHandshake.parseErrorReason(hex("15ff"))).isEmpty();
    }

    @Test
    void legacyHandshakeIsDetectedAndRefusedLikeTheReference() {
        JsonNode v = Vectors.section("legacy_handshake");
        byte[] payload = hex(v, "initiator_payload_example");
        assertThat(TunnelHandshake.classify(payload)).isEqualTo(Kind.LEGACY);
        assertThat(TunnelHandshake.legacyKeyHalf(payload)).isEqualTo(hex("000102030405060708090a0b0c0d0e0f"));
        assertThat(TunnelHandshake.legacyRefusal()).isEqualTo(hex(v, "reference_responder_reply"));
    }

    @Test
    void classifyFollowsTheReferenceOrder() {
        byte[] hello = hex(Vectors.section("dh_handshake"), "initiator_hello_payload");
        byte[] helloWithFfSession = hello.clone();
        helloWithFfSession[1] = (byte) 0xFF;
        assertThat(TunnelHandshake.classify(helloWithFfSession)).as("error is checked before hello").isEqualTo(Kind.ERROR);
        byte[] legacyWithFf = new byte[17];
        legacyWithFf[0] = 0x15;
        legacyWithFf[1] = (byte) 0xFF;
        assertThat(TunnelHandshake.classify(legacyWithFf)).isEqualTo(Kind.ERROR);

        assertThat(TunnelHandshake.classify(Arrays.copyOf(hello, 48))).isEqualTo(Kind.MALFORMED);
        assertThat(TunnelHandshake.classify(Arrays.copyOf(hello, 18))).isEqualTo(Kind.MALFORMED);
        assertThat(TunnelHandshake.classify(Arrays.copyOf(hello, 17))).isEqualTo(Kind.LEGACY);
        assertThat(TunnelHandshake.classify(Arrays.copyOf(hello, 16))).isEqualTo(Kind.MALFORMED);
        assertThat(TunnelHandshake.classify(hex("15"))).isEqualTo(Kind.MALFORMED);

        assertThat(TunnelHandshake.classify(null)).isEqualTo(Kind.NOT_HANDSHAKE);
        assertThat(TunnelHandshake.classify(new byte[0])).isEqualTo(Kind.NOT_HANDSHAKE);
        assertThat(TunnelHandshake.classify(hex("14ff"))).isEqualTo(Kind.NOT_HANDSHAKE);
        byte[] notHello = hello.clone();
        notHello[0] = 0x16;
        assertThat(TunnelHandshake.classify(notHello)).isEqualTo(Kind.NOT_HANDSHAKE);
    }

    @Test
    void parsersRefuseOtherKinds() {
        byte[] error = TunnelHandshake.errorPayload("x");
        byte[] legacy = hex(Vectors.section("legacy_handshake"), "initiator_payload_example");
        assertThat(failure(() -> TunnelHello.parse(error))).isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
        assertThat(failure(() -> TunnelHello.parse(legacy))).isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
        assertThat(failure(() -> TunnelHello.parse(new byte[49]))).isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
        assertThat(failure(() -> TunnelHandshake.parseErrorReason(legacy)))
                .isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
        assertThat(failure(() -> TunnelHandshake.legacyKeyHalf(error)))
                .isEqualTo(TunnelException.Reason.MALFORMED_HANDSHAKE);
    }

    @Test
    void helloRefusesASessionIdThatPeersWouldReadAsAnError() {
        byte[] sid = hex("ff02030405060708");
        assertThatThrownBy(() -> TunnelHello.of(sid, 0, new byte[32])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunnelHello.of(new byte[7], 0, new byte[32])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunnelHello.of(new byte[8], 0, new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generatedSessionIdsNeverStartWithFf() {
        SecureRandom random = new SecureRandom();
        int[] firstBytes = new int[256];
        for (int i = 0; i < 100_000; i++) {
            byte[] id = TunnelHandshake.newSessionId(random);
            assertThat(id).hasSize(8);
            firstBytes[id[0] & 0xFF]++;
        }
        assertThat(firstBytes[0xFF]).isZero();
        // Still spread over the other values (expected ~392 each; a broken generator is far off).
        assertThat(Arrays.stream(firstBytes, 0, 255).min().getAsInt()).isGreaterThan(250);
        assertThat(TunnelHandshake.newSessionId()[0] & 0xFF).isNotEqualTo(0xFF);
    }

    @Test
    void sessionIdIsRedrawnWhenTheRandomSourceStartsWithFf() {
        SecureRandom rigged = new SecureRandom() {
            private int calls;

            @Override
            public void nextBytes(byte[] bytes) {
                Arrays.fill(bytes, calls++ < 3 ? (byte) 0xFF : (byte) 0x42);
            }
        };
        assertThat(TunnelHandshake.newSessionId(rigged)).isEqualTo(hex("4242424242424242"));
    }

    @Test
    void skewIsMoreThanThreeHundredSecondsEitherWay() {
        Instant now = Instant.ofEpochSecond(1_763_900_000L);
        long t = now.getEpochSecond();
        assertThat(TunnelHandshake.isSkewed(t, now)).isFalse();
        assertThat(TunnelHandshake.isSkewed(t - 300, now)).isFalse();
        assertThat(TunnelHandshake.isSkewed(t + 300, now)).isFalse();
        assertThat(TunnelHandshake.isSkewed(t - 301, now)).isTrue();
        assertThat(TunnelHandshake.isSkewed(t + 301, now)).isTrue();
        assertThat(TunnelHandshake.isSkewed(-1, now)).isTrue();
        assertThat(TunnelHandshake.isSkewed(Long.MAX_VALUE, now)).isTrue();
        assertThat(TunnelHandshake.isSkewed(t + 301, Clock.fixed(now, ZoneOffset.UTC))).isTrue();
        TunnelHello h = TunnelHello.of(INITIATOR_SID, VECTOR_TIMESTAMP, new byte[32]);
        assertThat(h.isSkewed(Instant.ofEpochSecond(VECTOR_TIMESTAMP + 301))).isTrue();
        assertThat(h.isSkewed(Instant.ofEpochSecond(VECTOR_TIMESTAMP - 299))).isFalse();
    }
}
