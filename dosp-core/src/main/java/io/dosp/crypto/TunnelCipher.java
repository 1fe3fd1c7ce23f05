package io.dosp.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the frames of one established tunnel (spec 8.2):
 * {@code nonce(12) | AES-256-GCM(enc_key, nonce, seq(8) + plaintext) | tag(16) |
 * HMAC-SHA256(mac_key, seq(8) + nonce + ciphertext + tag)(32)}, no GCM AAD. Sequence numbers
 * start at 1 in each direction; the receiver accepts exactly {@code last + 1}.
 *
 * <p>Threading: the send direction ({@link #seal(byte[])}) and the receive direction
 * ({@link #open(byte[])}) each have their own lock, counter, {@link Cipher} and {@link Mac}, so
 * one sender thread and one I/O thread never wait for each other. Several threads may call the
 * same direction too; they are serialised, which also keeps sequence numbers in call order for
 * the sender (the caller must still write frames to the wire in the order {@code seal} returned
 * them, or the peer drops them as out of sequence).
 *
 * <p>Ownership: one instance per tunnel, owned by whoever owns the tunnel; replace it (new
 * handshake, new keys) rather than reuse it. A failed {@code seal} or {@code open} never moves
 * a counter, so a forged, corrupt or replayed frame cannot desynchronise a tunnel.
 *
 * <p>Reflection: both directions share one key, so our own frame sent back to us would verify
 * whenever its sequence number is the one we expect next. {@link #open} refuses a frame whose
 * nonce is the one we sealed that sequence number with ({@code REFLECTED}); the nonces of up to
 * {@link #REFLECTION_WINDOW} sealed frames ahead of the receive counter are remembered. This only
 * changes what a receiver accepts: the wire format is the reference's.
 */
public final class TunnelCipher {
    /** Length of the random GCM nonce at the start of a frame. */
    public static final int NONCE_LENGTH = 12;
    /** Length of the big-endian sequence number encrypted in front of the plaintext. */
    public static final int SEQUENCE_LENGTH = 8;
    /** Length of the GCM tag. */
    public static final int TAG_LENGTH = 16;
    /** Length of the trailing HMAC-SHA256. */
    public static final int MAC_LENGTH = 32;
    /**
     * Shortest frame accepted before any crypto is attempted: nonce, tag and HMAC, as in the
     * reference. (A real frame is at least 8 bytes longer, for the sequence number.)
     */
    public static final int MIN_FRAME_LENGTH = NONCE_LENGTH + TAG_LENGTH + MAC_LENGTH;
    /** Bytes a frame adds to its plaintext. */
    public static final int OVERHEAD = NONCE_LENGTH + SEQUENCE_LENGTH + TAG_LENGTH + MAC_LENGTH;

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final String HMAC = "HmacSHA256";
    private static final int TAG_BITS = TAG_LENGTH * 8;
    private static final SecureRandom SHARED_RANDOM = new SecureRandom();
    /**
     * How many sealed frames' nonces are remembered (by sequence number) to recognise our own
     * frames coming back. Both directions use the same keys (spec 8.1), so a frame we sealed with
     * sequence {@code n} verifies on our receive side when we expect {@code n} from the peer.
     */
    public static final int REFLECTION_WINDOW = 256;

    private final SecretKeySpec encKey;
    private final SecureRandom random;

    private final Object sendLock = new Object();
    /** Guarded by sendLock; replaced if the JCA refuses to re-init it (see initEncrypt). */
    private Cipher sendCipher;
    /** Guarded by sendLock. */
    private final Mac sendMac;
    /** Guarded by sendLock: the sequence number of the next frame sealed. */
    private long nextSend = 1;

    private final Object receiveLock = new Object();
    /** Guarded by receiveLock. */
    private final Cipher receiveCipher;
    /** Guarded by receiveLock. */
    private final Mac receiveMac;
    /** Guarded by receiveLock: the only sequence number the next frame may carry. */
    private long expectedReceive = 1;

    /**
     * Guarded by sentLock: the nonces of the frames sealed with sequence numbers {@code s}, at
     * {@code s % REFLECTION_WINDOW}, with {@link #sentSequences} saying which sequence each holds.
     * An entry for a sequence the receive side may still expect is never overwritten, so the
     * window covers the next {@value #REFLECTION_WINDOW} receive sequence numbers from the first
     * one not yet received. (Hand-written: a ring of primitives, no allocation per frame.)
     */
    private byte[] sentNonces;
    /** The lock of the ring; the arrays are allocated on the first seal (a tunnel that only receives costs nothing). */
    private final Object sentLock = new Object();
    private long[] sentSequences;
    /** The receive counter as the send side last saw it (read without receiveLock, so senders never wait for the I/O thread). */
    private volatile long expectedReceiveHint = 1;

    /**
     * A tunnel cipher with nonces from a shared {@link SecureRandom}.
     *
     * @param keys the tunnel's keys (both directions use them)
     */
    public TunnelCipher(TunnelKeys keys) {
        this(keys, SHARED_RANDOM);
    }

    /**
     * A tunnel cipher with nonces from {@code random}.
     *
     * @param keys the tunnel's keys (both directions use them)
     * @param random the nonce source; must be cryptographically strong
     * @throws TunnelException ({@code CRYPTO_FAILURE}) if the JDK lacks AES-GCM or HmacSHA256
     */
    public TunnelCipher(TunnelKeys keys, SecureRandom random) {
        Objects.requireNonNull(keys, "keys");
        this.random = Objects.requireNonNull(random, "random");
        this.encKey = new SecretKeySpec(keys.encryptionKey(), "AES");
        SecretKeySpec macKey = new SecretKeySpec(keys.macKey(), HMAC);
        try {
            this.sendCipher = Cipher.getInstance(TRANSFORMATION);
            this.receiveCipher = Cipher.getInstance(TRANSFORMATION);
            this.sendMac = Mac.getInstance(HMAC);
            this.sendMac.init(macKey);
            this.receiveMac = Mac.getInstance(HMAC);
            this.receiveMac.init(macKey);
        } catch (GeneralSecurityException e) {
            throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE, "AES-GCM or HmacSHA256 unavailable", e);
        }
    }

    /**
     * Seals the next outgoing frame with a fresh random nonce.
     *
     * @param plaintext the data; may be empty; not modified
     * @return the frame to send as S2C DATA, {@link #OVERHEAD} bytes longer than the plaintext
     * @throws TunnelException ({@code SEQUENCE_EXHAUSTED}) after 2^63 - 1 frames
     */
    public byte[] seal(byte[] plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] nonce = new byte[NONCE_LENGTH];
        synchronized (sendLock) {
            random.nextBytes(nonce);
            // Every DoSP implementation reads S2C DATA starting with 0x15 (HC2C) as a tunnel handshake
            // (spec 8.3), and a frame starts with its nonce: never let the first byte be 0x15. This takes
            // log2(256/255) bits from a 96-bit random nonce, which changes nothing in practice.
            while (nonce[0] == (byte) TunnelHandshake.HC2C) {
                nonce[0] = (byte) random.nextInt(256);
            }
            return sealLocked(plaintext, nonce);
        }
    }

    /**
     * Seals the next outgoing frame with a given nonce. For reproducing test vectors only:
     * reusing a nonce under the same key breaks AES-GCM, so production code must call
     * {@link #seal(byte[])}.
     */
    byte[] seal(byte[] plaintext, byte[] nonce) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(nonce, "nonce");
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be " + NONCE_LENGTH + " bytes");
        }
        synchronized (sendLock) {
            return sealLocked(plaintext, nonce.clone());
        }
    }

    /**
     * Opens the next incoming frame. The HMAC is checked first, over the expected sequence
     * number, so a replayed, reordered or skipped frame fails as {@code BAD_MAC}; then GCM
     * decrypts, then the sequence number inside must be the expected one. Only a frame that
     * passes all checks advances the receive counter.
     *
     * @param frame the S2C DATA of a tunnel frame; not modified
     * @return the plaintext
     * @throws TunnelException {@code TOO_SHORT}, {@code BAD_MAC}, {@code DECRYPT_FAILED},
     *     {@code MALFORMED_FRAME}, {@code SEQUENCE_MISMATCH} or {@code SEQUENCE_EXHAUSTED}
     */
    public byte[] open(byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        if (frame.length < MIN_FRAME_LENGTH) {
            throw new TunnelException(TunnelException.Reason.TOO_SHORT,
                    "tunnel frame of " + frame.length + " bytes, minimum " + MIN_FRAME_LENGTH);
        }
        int macOffset = frame.length - MAC_LENGTH;
        synchronized (receiveLock) {
            long seq = expectedReceive;
            if (seq < 1) {
                throw new TunnelException(TunnelException.Reason.SEQUENCE_EXHAUSTED, "receive sequence exhausted");
            }
            if (sentBySelf(seq, frame)) {
                throw new TunnelException(TunnelException.Reason.REFLECTED,
                        "tunnel frame carries the nonce of our own frame " + seq + " (reflected)");
            }
            receiveMac.update(sequenceBytes(seq));
            receiveMac.update(frame, 0, macOffset);
            byte[] computed = receiveMac.doFinal();
            // Constant time, so timing does not reveal how much of a forged MAC was right.
            if (!MessageDigest.isEqual(computed, Arrays.copyOfRange(frame, macOffset, frame.length))) {
                throw new TunnelException(TunnelException.Reason.BAD_MAC, "tunnel frame HMAC mismatch at sequence " + seq);
            }
            byte[] inner;
            try {
                receiveCipher.init(Cipher.DECRYPT_MODE, encKey, new GCMParameterSpec(TAG_BITS, frame, 0, NONCE_LENGTH));
                inner = receiveCipher.doFinal(frame, NONCE_LENGTH, macOffset - NONCE_LENGTH);
            } catch (AEADBadTagException e) {
                throw new TunnelException(TunnelException.Reason.DECRYPT_FAILED, "tunnel frame GCM tag mismatch", e);
            } catch (GeneralSecurityException e) {
                throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE, "AES-GCM failed", e);
            }
            if (inner.length < SEQUENCE_LENGTH) {
                throw new TunnelException(TunnelException.Reason.MALFORMED_FRAME,
                        "tunnel frame holds no sequence number");
            }
            long inside = readLong(inner);
            if (inside != seq) {
                throw new TunnelException(TunnelException.Reason.SEQUENCE_MISMATCH,
                        "tunnel frame sequence " + Long.toUnsignedString(inside) + ", expected " + seq);
            }
            expectedReceive = seq + 1;
            expectedReceiveHint = seq + 1;
            return Arrays.copyOfRange(inner, SEQUENCE_LENGTH, inner.length);
        }
    }

    /**
     * The sequence number the next {@link #seal} will use (1 before the first frame).
     *
     * @return the next send sequence number
     */
    public long nextSendSequence() {
        synchronized (sendLock) {
            return nextSend;
        }
    }

    /**
     * The sequence number the next frame passed to {@link #open} must carry (1 before the
     * first frame).
     *
     * @return the expected receive sequence number
     */
    public long expectedReceiveSequence() {
        synchronized (receiveLock) {
            return expectedReceive;
        }
    }

    /** Counters only; never key material. */
    @Override
    public String toString() {
        return "TunnelCipher[nextSend=" + nextSendSequence() + ", expectedReceive=" + expectedReceiveSequence() + "]";
    }

    /** Caller holds sendLock. The counter moves only once the frame is complete. */
    private byte[] sealLocked(byte[] plaintext, byte[] nonce) {
        long seq = nextSend;
        if (seq < 1) {
            throw new TunnelException(TunnelException.Reason.SEQUENCE_EXHAUSTED, "send sequence exhausted");
        }
        if (plaintext.length > Integer.MAX_VALUE - OVERHEAD) {
            throw new IllegalArgumentException("plaintext too large for one frame");
        }
        byte[] seqBytes = sequenceBytes(seq);
        byte[] inner = new byte[SEQUENCE_LENGTH + plaintext.length];
        System.arraycopy(seqBytes, 0, inner, 0, SEQUENCE_LENGTH);
        System.arraycopy(plaintext, 0, inner, SEQUENCE_LENGTH, plaintext.length);

        int sealedLength = inner.length + TAG_LENGTH;
        int macOffset = NONCE_LENGTH + sealedLength;
        byte[] frame = new byte[macOffset + MAC_LENGTH];
        System.arraycopy(nonce, 0, frame, 0, NONCE_LENGTH);
        try {
            initEncrypt(nonce);
            int written = sendCipher.doFinal(inner, 0, inner.length, frame, NONCE_LENGTH);
            if (written != sealedLength) {
                throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE,
                        "AES-GCM wrote " + written + " bytes, expected " + sealedLength);
            }
            sendMac.update(seqBytes);
            sendMac.update(frame, 0, macOffset);
            sendMac.doFinal(frame, macOffset);
        } catch (GeneralSecurityException e) {
            sendMac.reset();
            throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE, "sealing tunnel frame failed", e);
        }
        nextSend = seq + 1;
        rememberSent(seq, nonce);
        return frame;
    }

    /** Records the nonce of sealed frame {@code seq}, unless its slot holds one the receive side may still expect. */
    private void rememberSent(long seq, byte[] nonce) {
        int slot = (int) (seq % REFLECTION_WINDOW);
        synchronized (sentLock) {
            if (sentSequences == null) {
                sentSequences = new long[REFLECTION_WINDOW];
                sentNonces = new byte[REFLECTION_WINDOW * NONCE_LENGTH];
            }
            long held = sentSequences[slot];
            if (held != 0 && held >= expectedReceiveUnlocked()) {
                return; // keep the older one: it can still be reflected; this one is beyond the window
            }
            sentSequences[slot] = seq;
            System.arraycopy(nonce, 0, sentNonces, slot * NONCE_LENGTH, NONCE_LENGTH);
        }
    }

    /** Whether {@code frame} starts with the nonce we sealed frame {@code seq} with. Caller holds receiveLock. */
    private boolean sentBySelf(long seq, byte[] frame) {
        int slot = (int) (seq % REFLECTION_WINDOW);
        synchronized (sentLock) {
            return sentSequences != null && sentSequences[slot] == seq
                    && Arrays.equals(sentNonces, slot * NONCE_LENGTH, slot * NONCE_LENGTH + NONCE_LENGTH, frame, 0, NONCE_LENGTH);
        }
    }

    /** A racy read of the receive counter: only a hint for which ring slot to keep (volatile not needed for safety). */
    private long expectedReceiveUnlocked() {
        return expectedReceiveHint;
    }

    /**
     * Re-initialises the cached send cipher. The JDK's AES-GCM refuses to encrypt twice in a row
     * with the same key and IV on one instance; with 96-bit random nonces that is practically
     * impossible, but the explicit-nonce path used for vectors can ask for it. A fresh instance
     * carries no memory of the previous IV, so the frame is still produced.
     */
    private void initEncrypt(byte[] nonce) throws GeneralSecurityException {
        GCMParameterSpec spec = new GCMParameterSpec(TAG_BITS, nonce);
        try {
            sendCipher.init(Cipher.ENCRYPT_MODE, encKey, spec);
        } catch (InvalidAlgorithmParameterException sameKeyAndIv) {
            sendCipher = Cipher.getInstance(TRANSFORMATION);
            sendCipher.init(Cipher.ENCRYPT_MODE, encKey, spec);
        }
    }

    private static byte[] sequenceBytes(long seq) {
        byte[] b = new byte[SEQUENCE_LENGTH];
        for (int i = SEQUENCE_LENGTH - 1; i >= 0; i--) {
            b[i] = (byte) seq;
            seq >>>= 8;
        }
        return b;
    }

    private static long readLong(byte[] b) {
        long v = 0;
        for (int i = 0; i < SEQUENCE_LENGTH; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}
