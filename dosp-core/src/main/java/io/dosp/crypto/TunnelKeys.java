package io.dosp.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The key set of one tunnel: AES-256-GCM key, HMAC-SHA256 key, and the unused "iv material"
 * that the reference derives too (kept so all 96 derived bytes can be checked against vectors).
 * Both directions of a tunnel use the same key set (spec 8.1).
 *
 * <p>Immutable and thread-safe: arrays are copied in and out, so no caller can change the keys
 * of a running tunnel. {@link #toString()} never prints key bytes.
 */
public final class TunnelKeys {
    /** Length of each of the three parts. */
    public static final int PART_LENGTH = 32;
    /** Total HKDF output: encryption key, MAC key, iv material. */
    public static final int KEY_MATERIAL_LENGTH = 3 * PART_LENGTH;
    /** Prefix of the HKDF info for the DH handshake; the two session ids follow it. */
    public static final String DH_INFO_PREFIX = "dosp-c2c-dh-v1";
    /** HKDF info of the legacy handshake (which we never initiate). */
    public static final String LEGACY_INFO = "dosp-c2c-v1";

    private final byte[] encryptionKey;
    private final byte[] macKey;
    private final byte[] ivMaterial;

    /**
     * A key set from its parts.
     *
     * @param encryptionKey 32-byte AES-256 key; copied
     * @param macKey 32-byte HMAC-SHA256 key; copied
     * @param ivMaterial 32 bytes, unused by the frame format; copied
     * @throws IllegalArgumentException if a part is not 32 bytes
     */
    public TunnelKeys(byte[] encryptionKey, byte[] macKey, byte[] ivMaterial) {
        this.encryptionKey = checked(encryptionKey, "encryption key");
        this.macKey = checked(macKey, "MAC key");
        this.ivMaterial = checked(ivMaterial, "iv material");
    }

    /**
     * Splits 96 bytes of HKDF output as the reference does: {@code [0,32)} encryption,
     * {@code [32,64)} MAC, {@code [64,96)} iv material.
     *
     * @param keyMaterial exactly {@link #KEY_MATERIAL_LENGTH} bytes
     * @return the key set
     */
    public static TunnelKeys fromKeyMaterial(byte[] keyMaterial) {
        Objects.requireNonNull(keyMaterial, "keyMaterial");
        if (keyMaterial.length != KEY_MATERIAL_LENGTH) {
            throw new IllegalArgumentException("key material must be " + KEY_MATERIAL_LENGTH + " bytes");
        }
        return new TunnelKeys(
                Arrays.copyOfRange(keyMaterial, 0, PART_LENGTH),
                Arrays.copyOfRange(keyMaterial, PART_LENGTH, 2 * PART_LENGTH),
                Arrays.copyOfRange(keyMaterial, 2 * PART_LENGTH, KEY_MATERIAL_LENGTH));
    }

    /**
     * The HKDF info of the DH handshake: {@code "dosp-c2c-dh-v1"} + initiator session id +
     * responder session id. The order is by role, not by who computes it, so both sides agree.
     *
     * @param initiatorSessionId the session id from the initiator's hello (8 bytes)
     * @param responderSessionId the session id from the responder's hello (8 bytes)
     * @return the info bytes
     */
    public static byte[] dhInfo(byte[] initiatorSessionId, byte[] responderSessionId) {
        checkSessionId(initiatorSessionId, "initiator session id");
        checkSessionId(responderSessionId, "responder session id");
        byte[] prefix = DH_INFO_PREFIX.getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[prefix.length + 2 * TunnelHandshake.SESSION_ID_LENGTH];
        System.arraycopy(prefix, 0, info, 0, prefix.length);
        System.arraycopy(initiatorSessionId, 0, info, prefix.length, TunnelHandshake.SESSION_ID_LENGTH);
        System.arraycopy(responderSessionId, 0, info, prefix.length + TunnelHandshake.SESSION_ID_LENGTH,
                TunnelHandshake.SESSION_ID_LENGTH);
        return info;
    }

    /**
     * The keys of a DH tunnel: HKDF-SHA256 without salt over the X25519 shared secret, with
     * {@link #dhInfo(byte[], byte[])}.
     *
     * @param sharedSecret the 32-byte X25519 shared secret
     * @param initiatorSessionId the initiator's session id (8 bytes)
     * @param responderSessionId the responder's session id (8 bytes)
     * @return the key set
     */
    public static TunnelKeys deriveDh(byte[] sharedSecret, byte[] initiatorSessionId, byte[] responderSessionId) {
        Objects.requireNonNull(sharedSecret, "sharedSecret");
        byte[] okm = Hkdf.derive(null, sharedSecret, dhInfo(initiatorSessionId, responderSessionId),
                KEY_MATERIAL_LENGTH);
        try {
            return fromKeyMaterial(okm);
        } finally {
            Arrays.fill(okm, (byte) 0);
        }
    }

    /**
     * The keys of the legacy handshake: HKDF-SHA256 without salt over the 32 bytes of the two
     * concatenated 16-byte key halves, info {@code "dosp-c2c-v1"}. Only for checking vectors and
     * diagnostics: we never initiate legacy mode and refuse it when offered (spec 8.3).
     *
     * @param combinedKeyHalves the 32 bytes of both halves, as the reference concatenates them
     * @return the key set
     */
    public static TunnelKeys deriveLegacy(byte[] combinedKeyHalves) {
        Objects.requireNonNull(combinedKeyHalves, "combinedKeyHalves");
        if (combinedKeyHalves.length != 2 * TunnelHandshake.LEGACY_KEY_HALF_LENGTH) {
            throw new IllegalArgumentException("legacy key material must be 32 bytes");
        }
        byte[] okm = Hkdf.derive(null, combinedKeyHalves, LEGACY_INFO.getBytes(StandardCharsets.US_ASCII),
                KEY_MATERIAL_LENGTH);
        try {
            return fromKeyMaterial(okm);
        } finally {
            Arrays.fill(okm, (byte) 0);
        }
    }

    /**
     * The AES-256-GCM key.
     *
     * @return a copy of the 32-byte key
     */
    public byte[] encryptionKey() {
        return encryptionKey.clone();
    }

    /**
     * The HMAC-SHA256 key.
     *
     * @return a copy of the 32-byte key
     */
    public byte[] macKey() {
        return macKey.clone();
    }

    /**
     * The third derived part, unused by the frame format (nonces are random).
     *
     * @return a copy of the 32 bytes
     */
    public byte[] ivMaterial() {
        return ivMaterial.clone();
    }

    /** Never prints key bytes, so a key set can be logged by accident without harm. */
    @Override
    public String toString() {
        return "TunnelKeys[redacted]";
    }

    private static byte[] checked(byte[] part, String what) {
        Objects.requireNonNull(part, what);
        if (part.length != PART_LENGTH) {
            throw new IllegalArgumentException(what + " must be " + PART_LENGTH + " bytes, got " + part.length);
        }
        return part.clone();
    }

    private static void checkSessionId(byte[] id, String what) {
        Objects.requireNonNull(id, what);
        if (id.length != TunnelHandshake.SESSION_ID_LENGTH) {
            throw new IllegalArgumentException(what + " must be " + TunnelHandshake.SESSION_ID_LENGTH + " bytes");
        }
    }
}
