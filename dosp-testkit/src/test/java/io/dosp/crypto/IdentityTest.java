package io.dosp.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity keys, fingerprints, key files and the signed tunnel hello transcript. */
class IdentityTest {
    private static final Vip A = Vip.parse("7.10.0.2");
    private static final Vip B = Vip.parse("7.10.0.3");

    @TempDir
    Path tmp;

    @Test
    void aFingerprintIsSha256OfTheRawKeyInUnpaddedBase64() throws Exception {
        Identity id = Identity.generate();
        byte[] raw = id.publicKey().raw();
        assertThat(raw).hasSize(32);
        String expected = "SHA256:" + Base64.getEncoder().withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(raw));
        assertThat(id.fingerprint().toString()).isEqualTo(expected).hasSize(7 + 43).doesNotEndWith("=");
        assertThat(Fingerprint.parse(expected)).isEqualTo(id.fingerprint()).hasSameHashCodeAs(id.fingerprint());
        assertThat(Fingerprint.parse("  " + expected + "\n")).isEqualTo(id.fingerprint());
        assertThat(id.fingerprint().matches(id.publicKey())).isTrue();
        assertThat(id.fingerprint()).isNotEqualTo(Identity.generate().fingerprint());
    }

    @Test
    void theZeroKeyHasTheKnownFingerprint() {
        // sha256 of 32 zero bytes: 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925
        assertThat(Fingerprint.ofRawKey(new byte[32]).toString())
                .isEqualTo("SHA256:Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU");
    }

    @Test
    void badFingerprintsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Fingerprint.parse("MD5:ab:cd")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("starts with SHA256:");
        assertThatThrownBy(() -> Fingerprint.parse("SHA256:abc")).hasMessageContaining("43 base64 characters");
        assertThatThrownBy(() -> Fingerprint.parse("SHA256:" + "!".repeat(43))).hasMessageContaining("not base64");
        assertThatThrownBy(() -> Fingerprint.ofRawKey(new byte[31])).hasMessageContaining("32 bytes");
    }

    @Test
    void signaturesVerifyOnlyForTheSignedBytesAndKey() {
        Identity id = Identity.generate();
        byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = id.sign(msg);
        assertThat(sig).hasSize(64);
        assertThat(id.publicKey().verify(msg, sig)).isTrue();
        assertThat(IdentityKey.of(id.publicKey().raw()).verify(msg, sig)).as("from the raw bytes").isTrue();
        assertThat(id.publicKey().verify("hellp".getBytes(StandardCharsets.US_ASCII), sig)).isFalse();
        assertThat(Identity.generate().publicKey().verify(msg, sig)).isFalse();
        assertThat(id.publicKey().verify(msg, new byte[10])).isFalse();
        assertThat(id.toString()).doesNotContain(Base64.getEncoder().encodeToString(id.publicKey().raw()))
                .contains(id.fingerprint().toString());
    }

    @Test
    void aKeyFileRoundTripsAndIsOwnerOnly() throws Exception {
        Path file = tmp.resolve("sub/dir/identity");
        Identity created = Identity.loadOrCreate(file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(file.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        String pem = Files.readString(file);
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").contains("-----BEGIN PUBLIC KEY-----");
        Identity loaded = Identity.loadOrCreate(file);
        assertThat(loaded.publicKey()).isEqualTo(created.publicKey());
        byte[] msg = {1, 2, 3};
        assertThat(created.publicKey().verify(msg, loaded.sign(msg))).as("the private key came back").isTrue();
        assertThat(Identity.fromPem(created.toPem()).fingerprint()).isEqualTo(created.fingerprint());
        assertThat(Files.list(file.getParent())).as("no temp file left").containsExactly(file);
        assertThatThrownBy(() -> created.save(file)).isInstanceOf(IdentityFileException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void aKeyFileOthersCanReadIsRefused() throws Exception {
        Path file = tmp.resolve("identity");
        Identity.generate().save(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Identity.load(file)).isInstanceOf(IdentityFileException.class)
                .hasMessageContaining("accessible by others").hasMessageContaining("chmod 600");
    }

    @Test
    void brokenKeyFilesAreRefusedClearly() throws Exception {
        Path missing = tmp.resolve("none");
        assertThatThrownBy(() -> Identity.load(missing)).isInstanceOf(IdentityFileException.class)
                .hasMessageContaining("does not exist");
        Path garbage = tmp.resolve("garbage");
        Files.writeString(garbage, "not a key");
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> Identity.load(garbage)).isInstanceOf(IdentityFileException.class)
                .hasMessageContaining("PRIVATE KEY");
        // the private key of one identity with the public key of another
        String one = Identity.generate().toPem();
        String two = Identity.generate().toPem();
        String mixed = one.substring(0, one.indexOf("-----BEGIN PUBLIC KEY")) + two.substring(two.indexOf("-----BEGIN PUBLIC KEY"));
        assertThatThrownBy(() -> Identity.fromPem(mixed)).hasMessageContaining("does not belong");
    }

    private static TunnelHello hello() {
        return TunnelHello.create(X25519KeyPair.generate(), Clock.systemUTC(), new SecureRandom());
    }

    @Test
    void theInitiatorBlockVerifiesAndAnyTamperedFieldFailsIt() {
        Identity id = Identity.generate();
        TunnelHello h = hello();
        byte[] wire = IdentityBlock.sign(id, IdentityBlock.initiatorTranscript(h, A, B)).appendTo(h, 1);
        assertThat(wire).hasSize(IdentityBlock.HELLO_WITH_IDENTITY_LENGTH).hasSize(147);
        assertThat(TunnelHello.parse(wire)).as("the first 49 bytes are the plain hello").isEqualTo(h);
        assertThat(wire[49]).isEqualTo((byte) 1);
        IdentityBlock block = IdentityBlock.read(wire).orElseThrow();
        assertThat(block.key()).isEqualTo(id.publicKey());
        assertThat(block.verifies(IdentityBlock.initiatorTranscript(TunnelHello.parse(wire), A, B))).isTrue();
        assertThat(IdentityBlock.initiatorTranscript(h, A, B)).hasSize(74)
                .startsWith("dosp-tunnel-id-v1".getBytes(StandardCharsets.US_ASCII));

        // every byte of the hello (session id, timestamp, X25519 key) and of the signature counts
        for (int i = 1; i < wire.length; i++) {
            if (i == 49 || i == 50 || (i >= 51 && i < 83)) {
                continue; // role and version bytes are not signed on their own; a changed key is another identity (below)
            }
            byte[] t = wire.clone();
            t[i] ^= (i == 1 && (t[1] & 0xff) == 0xfe) ? 0x02 : 0x01; // a session id never starts with 0xFF
            TunnelHello th = TunnelHello.parse(t);
            IdentityBlock tb = IdentityBlock.read(t).orElseThrow();
            assertThat(tb.verifies(IdentityBlock.initiatorTranscript(th, A, B))).as("byte %d tampered", i).isFalse();
        }
        // a swapped identity key: another key, and the signature is not its own
        byte[] t = wire.clone();
        System.arraycopy(Identity.generate().publicKey().raw(), 0, t, 51, 32);
        assertThat(IdentityBlock.read(t).orElseThrow().verifies(IdentityBlock.initiatorTranscript(h, A, B))).isFalse();
        // both vIPs count, and in order
        assertThat(block.verifies(IdentityBlock.initiatorTranscript(h, A, Vip.parse("7.10.0.4")))).isFalse();
        assertThat(block.verifies(IdentityBlock.initiatorTranscript(h, Vip.parse("7.10.0.9"), B))).isFalse();
        assertThat(block.verifies(IdentityBlock.initiatorTranscript(h, B, A))).isFalse();
        // and the role: an initiator's signature is no responder's
        assertThat(block.verifies(IdentityBlock.responderTranscript(h, h, A, B))).isFalse();
    }

    @Test
    void theResponderSignsBothHellosAndAnySwapFailsIt() {
        Identity id = Identity.generate();
        TunnelHello init = hello();
        TunnelHello resp = hello();
        byte[] transcript = IdentityBlock.responderTranscript(init, resp, A, B);
        assertThat(transcript).hasSize(114);
        IdentityBlock block = IdentityBlock.sign(id, transcript);
        assertThat(block.verifies(transcript)).isTrue();
        TunnelHello other = hello();
        assertThat(block.verifies(IdentityBlock.responderTranscript(other, resp, A, B))).as("initiator key swapped")
                .isFalse();
        assertThat(block.verifies(IdentityBlock.responderTranscript(init, other, A, B))).as("responder key swapped")
                .isFalse();
        assertThat(block.verifies(IdentityBlock.responderTranscript(init, resp, B, A))).isFalse();
        for (int i = 0; i < transcript.length; i++) {
            byte[] t = transcript.clone();
            t[i] ^= (byte) 0x80;
            assertThat(block.verifies(t)).as("transcript byte %d", i).isFalse();
        }
        byte[] sig = block.signature();
        sig[63] ^= 1;
        assertThat(IdentityBlock.of(id.publicKey(), sig).verifies(transcript)).isFalse();
    }

    @Test
    void hellosWithoutABlockOrOfALaterVersionCarryNone() {
        TunnelHello h = hello();
        byte[] reference = h.encode();
        assertThat(IdentityBlock.read(reference)).isEmpty();
        byte[] ourOld = java.util.Arrays.copyOf(reference, 50);
        ourOld[49] = 1;
        assertThat(IdentityBlock.read(ourOld)).isEmpty();
        byte[] later = java.util.Arrays.copyOf(reference, 200);
        later[50] = 2;
        assertThat(IdentityBlock.read(later)).isEqualTo(Optional.empty());
        assertThat(IdentityBlock.hasUnknownVersion(later)).isTrue();
        byte[] shortV1 = java.util.Arrays.copyOf(reference, 100);
        shortV1[50] = 1;
        assertThatThrownBy(() -> IdentityBlock.read(shortV1)).isInstanceOf(TunnelException.class)
                .hasMessageContaining("identity block of 50 bytes");
    }
}
