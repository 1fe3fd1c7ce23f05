package io.dosp.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tunnel identity's public key: Ed25519 (RFC 8032), carried on the wire as its raw 32 bytes.
 * Known to peers by its {@link Fingerprint}.
 *
 * <p>Immutable and thread-safe: the bytes are copied in and out, and {@link #verify} makes its own
 * {@link Signature} per call.
 */
public final class IdentityKey {
    /** Length of a raw Ed25519 public key. */
    public static final int LENGTH = 32;
    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_LENGTH = 64;
    static final String ALGORITHM = "Ed25519";
    /** DER of SubjectPublicKeyInfo for Ed25519 (RFC 8410) up to the raw key. */
    private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final byte[] raw;
    private final PublicKey key;
    private final Fingerprint fingerprint;

    private IdentityKey(byte[] raw, PublicKey key) {
        this.raw = raw;
        this.key = key;
        this.fingerprint = Fingerprint.ofRawKey(raw);
    }

    /**
     * A key from its raw 32 bytes (as a peer sent it).
     *
     * @param raw the raw key; copied
     * @return the key
     * @throws IllegalArgumentException if it is not 32 bytes or the JDK cannot decode it
     */
    public static IdentityKey of(byte[] raw) {
        Objects.requireNonNull(raw, "raw");
        if (raw.length != LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key is " + LENGTH + " bytes, got " + raw.length);
        }
        byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + LENGTH);
        System.arraycopy(raw, 0, der, SPKI_PREFIX.length, LENGTH);
        try {
            return new IdentityKey(raw.clone(), KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a usable Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /** The key of a JCA Ed25519 public key (its X.509 encoding ends with the raw key). */
    static IdentityKey of(PublicKey key) {
        byte[] der = key.getEncoded();
        if (der.length != SPKI_PREFIX.length + LENGTH
                || !Arrays.equals(Arrays.copyOf(der, SPKI_PREFIX.length), SPKI_PREFIX)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return new IdentityKey(Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length), key);
    }

    /** The JCA key (for {@link Identity}). */
    PublicKey publicKey() {
        return key;
    }

    /**
     * The raw key, as on the wire.
     *
     * @return a copy of the 32 bytes
     */
    public byte[] raw() {
        return raw.clone();
    }

    /** {@code SHA256:} + base64 of SHA-256 of the raw key. */
    public Fingerprint fingerprint() {
        return fingerprint;
    }

    /**
     * Whether {@code signature} is this key's Ed25519 signature of {@code message}. Never throws on
     * peer input: a malformed signature or an unusable key is {@code false}.
     *
     * @param message the signed bytes
     * @param signature 64 bytes
     * @return {@code true} only for a valid signature
     */
    public boolean verify(byte[] message, byte[] signature) {
        if (message == null || signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Equal when the raw keys are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof IdentityKey k && MessageDigest.isEqual(raw, k.raw);
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    /** {@code IdentityKey[SHA256:...]}. */
    @Override
    public String toString() {
        return "IdentityKey[" + fingerprint + "]";
    }
}
