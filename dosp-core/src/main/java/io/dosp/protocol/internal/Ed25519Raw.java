package io.dosp.protocol.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys as the 32 raw bytes the login and vouch frames carry, over JCA ({@code Signature "Ed25519"}): a raw
 * key is turned into a {@link PublicKey} through its X.509 encoding, the fixed 12-byte prefix
 * {@code 302a300506032b6570032100} followed by the key. Fingerprints are {@code "SHA256:"} + unpadded base64 of
 * SHA-256 of the raw key. Stateless and thread-safe.
 */
public final class Ed25519Raw {
    private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** Length of a raw public key. */
    public static final int KEY_LENGTH = 32;

    private Ed25519Raw() {
    }

    /** The raw 32 bytes of an Ed25519 public key. */
    public static byte[] raw(PublicKey key) {
        byte[] enc = key.getEncoded();
        if (!"Ed25519".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())
                || enc.length != X509_PREFIX.length + KEY_LENGTH
                || !Arrays.equals(enc, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key (" + key.getAlgorithm() + ")");
        }
        return Arrays.copyOfRange(enc, X509_PREFIX.length, enc.length);
    }

    /** The public key for 32 raw bytes. */
    public static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        if (raw.length != KEY_LENGTH) {
            throw new GeneralSecurityException("an Ed25519 public key is " + KEY_LENGTH + " bytes, got " + raw.length);
        }
        byte[] enc = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_LENGTH);
        System.arraycopy(raw, 0, enc, X509_PREFIX.length, KEY_LENGTH);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(enc));
    }

    /** Signs {@code data} with {@code key}. */
    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    /** Whether {@code signature} is {@code rawKey}'s Ed25519 signature of {@code data}; false for a bad key too. */
    public static boolean verify(byte[] rawKey, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicKey(rawKey));
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** {@code "SHA256:"} + unpadded base64 of SHA-256 of the raw key. */
    public static String fingerprint(byte[] rawKey) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(rawKey);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
