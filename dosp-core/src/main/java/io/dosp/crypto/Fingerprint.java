package io.dosp.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * The fingerprint of a tunnel identity key, in the SSH style: {@code "SHA256:"} followed by the
 * base64 (standard alphabet, no padding) of SHA-256 over the raw 32-byte Ed25519 public key, for
 * example {@code SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU}. The server's vouch (the key a
 * user proved at login) uses the same formula, so the two compare as text.
 *
 * <p>Immutable value; equality is by text, compared in constant time.
 */
public final class Fingerprint {
    /** What every fingerprint starts with. */
    public static final String PREFIX = "SHA256:";
    /** Length of the base64 part (32 bytes without padding). */
    private static final int BASE64_LENGTH = 43;

    private final String text;

    private Fingerprint(String text) {
        this.text = text;
    }

    /**
     * The fingerprint of a raw Ed25519 public key.
     *
     * @param rawPublicKey the 32 bytes of the key as it travels on the wire
     * @return its fingerprint
     * @throws IllegalArgumentException if it is not 32 bytes
     */
    public static Fingerprint ofRawKey(byte[] rawPublicKey) {
        Objects.requireNonNull(rawPublicKey, "rawPublicKey");
        if (rawPublicKey.length != IdentityKey.LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key is " + IdentityKey.LENGTH + " bytes, got "
                    + rawPublicKey.length);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(rawPublicKey);
            return new Fingerprint(PREFIX + Base64.getEncoder().withoutPadding().encodeToString(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * Reads a fingerprint as printed by {@link #toString()} (and by {@code ssh-keygen -l}).
     *
     * @param text {@code SHA256:} and 43 base64 characters
     * @return the fingerprint
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static Fingerprint parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        if (!t.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a fingerprint starts with " + PREFIX + " (e.g. SHA256:47DEQpj8HBSa+/TI...),"
                    + " got '" + cut(t) + "'");
        }
        String b64 = t.substring(PREFIX.length());
        byte[] digest;
        try {
            digest = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the part after " + PREFIX + " is not base64: '" + cut(t) + "'");
        }
        if (b64.length() != BASE64_LENGTH || digest.length != 32) {
            throw new IllegalArgumentException("a fingerprint has " + BASE64_LENGTH + " base64 characters after " + PREFIX
                    + " (SHA-256, no padding), got " + b64.length() + ": '" + cut(t) + "'");
        }
        // Canonical form: re-encode, so "SHA256:...=" style variants cannot sneak past equality.
        return new Fingerprint(PREFIX + Base64.getEncoder().withoutPadding().encodeToString(digest));
    }

    private static String cut(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    /** Whether this is the fingerprint of {@code key}. */
    public boolean matches(IdentityKey key) {
        return equals(key.fingerprint());
    }

    /** The fingerprint text, {@code SHA256:...}. */
    @Override
    public String toString() {
        return text;
    }

    /** Equal when the texts are equal (compared in constant time). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint f && MessageDigest.isEqual(text.getBytes(StandardCharsets.US_ASCII),
                f.text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
