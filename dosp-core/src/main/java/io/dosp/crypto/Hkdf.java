package io.dosp.crypto;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869). Written here because JDK 17 has no HKDF API (it arrived
 * as {@code javax.crypto.KDF} much later); it is a few lines over {@code HmacSHA256}.
 *
 * <p>Stateless and thread-safe: every call uses its own {@link Mac}.
 */
public final class Hkdf {
    /** Output length of SHA-256, which is also the PRK length and the default salt length. */
    public static final int HASH_LENGTH = 32;
    /** The largest output RFC 5869 allows: 255 blocks. */
    public static final int MAX_OUTPUT_LENGTH = 255 * HASH_LENGTH;

    private static final String HMAC = "HmacSHA256";

    private Hkdf() {
    }

    /**
     * HKDF-Extract.
     *
     * @param salt the salt; {@code null} or empty means "not provided", which RFC 5869 defines
     *     as {@link #HASH_LENGTH} zero bytes
     * @param ikm the input keying material
     * @return the 32-byte pseudorandom key
     */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        Objects.requireNonNull(ikm, "ikm");
        // SecretKeySpec refuses an empty key, so the RFC's default salt is spelled out.
        // (HMAC zero-pads keys anyway, so empty and 32 zero bytes are the same key.)
        byte[] key = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        Mac mac = mac(key);
        return mac.doFinal(ikm);
    }

    /**
     * HKDF-Expand.
     *
     * @param prk a pseudorandom key of at least {@link #HASH_LENGTH} bytes (normally from
     *     {@link #extract(byte[], byte[])})
     * @param info context and application specific information; {@code null} means empty
     * @param length number of output bytes, 0 to {@link #MAX_OUTPUT_LENGTH}
     * @return {@code length} bytes of output keying material
     * @throws IllegalArgumentException if {@code length} is out of range or the PRK is too short
     */
    public static byte[] expand(byte[] prk, byte[] info, int length) {
        Objects.requireNonNull(prk, "prk");
        if (prk.length < HASH_LENGTH) {
            throw new IllegalArgumentException("PRK must be at least " + HASH_LENGTH + " bytes");
        }
        if (length < 0 || length > MAX_OUTPUT_LENGTH) {
            throw new IllegalArgumentException("HKDF output length out of range: " + length);
        }
        byte[] inf = info == null ? new byte[0] : info;
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        // T(i) = HMAC(PRK, T(i-1) | info | i), i from 1; the output is T(1) | T(2) | ... cut.
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(inf);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    /**
     * Extract then expand.
     *
     * @param salt the salt, {@code null} or empty for none (see {@link #extract})
     * @param ikm the input keying material
     * @param info context information, {@code null} for none
     * @param length number of output bytes, 0 to {@link #MAX_OUTPUT_LENGTH}
     * @return {@code length} bytes of output keying material
     */
    public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            // Every JDK ships HmacSHA256; reaching this means a broken runtime.
            throw new IllegalStateException(HMAC + " unavailable", e);
        }
    }
}
