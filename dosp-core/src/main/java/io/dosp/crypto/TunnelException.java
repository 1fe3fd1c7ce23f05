package io.dosp.crypto;

import io.dosp.protocol.DospException;
import java.util.Objects;

/**
 * A tunnel handshake or tunnel frame that must be dropped. The {@link #reason()} says which check
 * failed, so callers can count and log failures without parsing messages.
 *
 * <p>Stackless: these are thrown for peer input (forged, replayed or corrupt frames), possibly
 * at a high rate, and the stack says nothing that the reason does not. Immutable and therefore
 * safe to pass between threads.
 */
public final class TunnelException extends DospException {
    private static final long serialVersionUID = 1L;

    /** Which check failed. */
    public enum Reason {
        /** The frame is shorter than {@link TunnelCipher#MIN_FRAME_LENGTH}. */
        TOO_SHORT,
        /** The HMAC does not match (corrupt, forged, replayed, reordered or wrong key). */
        BAD_MAC,
        /** AES-GCM rejected the ciphertext (tag mismatch) although the HMAC matched. */
        DECRYPT_FAILED,
        /** The sequence number inside the decrypted frame is not the expected one. */
        SEQUENCE_MISMATCH,
        /** The decrypted frame is too short to hold its 8-byte sequence number. */
        MALFORMED_FRAME,
        /** A 64-bit sequence counter would wrap around; the tunnel must be re-keyed. */
        SEQUENCE_EXHAUSTED,
        /** A peer's X25519 public key has the wrong length or is a low-order point. */
        INVALID_PUBLIC_KEY,
        /** A tunnel handshake payload does not have the expected layout. */
        MALFORMED_HANDSHAKE,
        /** The JDK lacks a required algorithm or refused a well-formed key (should not happen). */
        CRYPTO_FAILURE,
        /**
         * The frame carries a nonce this side sealed itself for the sequence number it would be
         * accepted at: our own frame sent back to us (both directions share one key, spec 8.1), for
         * example by a malicious relay.
         */
        REFLECTED
    }

    /** Which check failed; never {@code null}. */
    private final Reason reason;

    /**
     * A failure of the given kind.
     *
     * @param reason which check failed, never {@code null}
     * @param message detail for logs; must not contain key material
     */
    public TunnelException(Reason reason, String message) {
        super(message, null, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * A failure caused by a JCA exception (kept as the cause for diagnostics).
     *
     * @param reason which check failed, never {@code null}
     * @param message detail for logs; must not contain key material
     * @param cause the underlying exception
     */
    public TunnelException(Reason reason, String message, Throwable cause) {
        super(message, cause, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Which check failed.
     *
     * @return the reason, never {@code null}
     */
    public Reason reason() {
        return reason;
    }
}
