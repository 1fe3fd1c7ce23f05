package io.dosp.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.Login;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256 math against RFC 7677's example, the verifier's text form, and proofs bound to one exchange. */
class ScramTest {
    // RFC 7677 section 3: user "user", password "pencil".
    private static final String CLIENT_FIRST_BARE = "n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL_WITHOUT_PROOF = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    private static final byte[] AUTH_MESSAGE = (CLIENT_FIRST_BARE + "," + SERVER_FIRST + "," + CLIENT_FINAL_WITHOUT_PROOF)
            .getBytes(StandardCharsets.US_ASCII);
    private static final String PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @Test
    void rfc7677Vector() {
        byte[] salted = Scram.saltedPassword("pencil".toCharArray(), SALT, 4096);
        assertThat(Base64.getEncoder().encodeToString(Scram.clientProof(salted, AUTH_MESSAGE))).isEqualTo(PROOF);
        assertThat(Base64.getEncoder().encodeToString(Scram.serverSignature(salted, AUTH_MESSAGE)))
                .isEqualTo(SERVER_SIGNATURE);
        Scram.Verifier v = Scram.verifier("pencil".toCharArray(), SALT, 4096);
        assertThat(v.verifyProof(AUTH_MESSAGE, Base64.getDecoder().decode(PROOF))).isTrue();
        assertThat(Base64.getEncoder().encodeToString(v.serverSignature(AUTH_MESSAGE))).isEqualTo(SERVER_SIGNATURE);
        assertThat(Scram.verifyServerSignature(salted, AUTH_MESSAGE, Base64.getDecoder().decode(SERVER_SIGNATURE))).isTrue();
    }

    @Test
    void wrongPasswordOrTamperedProofIsRefused() {
        Scram.Verifier v = Scram.verifier("pencil".toCharArray(), SALT, 4096);
        byte[] wrong = Scram.clientProof(Scram.saltedPassword("pencel".toCharArray(), SALT, 4096), AUTH_MESSAGE);
        assertThat(v.verifyProof(AUTH_MESSAGE, wrong)).isFalse();
        byte[] tampered = Base64.getDecoder().decode(PROOF);
        tampered[0] ^= 1;
        assertThat(v.verifyProof(AUTH_MESSAGE, tampered)).isFalse();
        assertThat(v.verifyProof(AUTH_MESSAGE, new byte[31])).isFalse();
    }

    @Test
    void verifierTextRoundTripsAndHoldsNoPassword() {
        Scram.Verifier v = Scram.verifier("pencil".toCharArray(), SALT, 4096);
        String text = v.encode();
        assertThat(text).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$").doesNotContain("pencil");
        assertThat(Scram.Verifier.parse(text)).isEqualTo(v);
        assertThat(Scram.Verifier.parse(text).encode()).isEqualTo(text);
        assertThat(v.toString()).doesNotContain(Base64.getEncoder().encodeToString(v.storedKey()));
        Scram.Verifier fresh = Scram.newVerifier("pencil".toCharArray());
        assertThat(fresh.iterations()).isEqualTo(Scram.DEFAULT_ITERATIONS);
        assertThat(fresh.salt()).hasSize(Scram.SALT_LENGTH).isNotEqualTo(SALT);
    }

    @Test
    void badVerifierTextsAreRefusedWithAReason() {
        assertThatThrownBy(() -> Scram.Verifier.parse("pencil")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SCRAM-SHA-256$ITERATIONS:SALT$STOREDKEY:SERVERKEY");
        assertThatThrownBy(() -> Scram.Verifier.parse("SCRAM-SHA-256$100:AAAA$" + b64(32) + ":" + b64(32)))
                .hasMessageContaining("iterations");
        assertThatThrownBy(() -> Scram.Verifier.parse("SCRAM-SHA-256$4096:AAAA$" + b64(31) + ":" + b64(32)))
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> Scram.Verifier.parse("SCRAM-SHA-256$4096:!!$" + b64(32) + ":" + b64(32)))
                .hasMessageContaining("verifier");
    }

    @Test
    void aProofIsBoundToItsConnectionsNoncesAndVip() {
        byte[] salt = SALT;
        Scram.Verifier v = Scram.verifier("pencil".toCharArray(), salt, 4096);
        byte[] salted = Scram.saltedPassword("pencil".toCharArray(), salt, 4096);
        byte[] cn = "client-nonce-0123456789".getBytes(StandardCharsets.US_ASCII);
        byte[] sn = "server-nonce-0123456789".getBytes(StandardCharsets.US_ASCII);
        Vip vip = Vip.parse("7.10.0.2");
        byte[] am = Login.authMessage("user", cn, sn, salt, 4096, vip);
        byte[] proof = Scram.clientProof(salted, am);
        assertThat(v.verifyProof(am, proof)).isTrue();
        // The same proof replayed on another connection: another server nonce, another client nonce, another vIP.
        byte[] otherServerNonce = "server-nonce-9876543210".getBytes(StandardCharsets.US_ASCII);
        assertThat(v.verifyProof(Login.authMessage("user", cn, otherServerNonce, salt, 4096, vip), proof)).isFalse();
        byte[] otherClientNonce = "client-nonce-9876543210".getBytes(StandardCharsets.US_ASCII);
        assertThat(v.verifyProof(Login.authMessage("user", otherClientNonce, sn, salt, 4096, vip), proof)).isFalse();
        assertThat(v.verifyProof(Login.authMessage("user", cn, sn, salt, 4096, Vip.parse("7.10.0.3")), proof)).isFalse();
        assertThat(v.verifyProof(Login.authMessage("usr", cn, sn, salt, 4096, vip), proof)).isFalse();
    }

    private static String b64(int n) {
        return Base64.getEncoder().encodeToString(new byte[n]);
    }
}
