package io.dosp.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * Recognising and building the tunnel handshake payloads that travel as S2C DATA (spec 8.1 and
 * 8.3): DH hellos ({@link TunnelHello}), the HC2C error frame {@code 0x15 0xFF reason}, and the
 * legacy {@code 0x15 key_half(16)} that we only detect in order to refuse it.
 *
 * <p>Stateless and thread-safe (the shared {@link SecureRandom} is itself thread-safe).
 *
 * <p>Any S2C DATA starting with {@code 0x15} is read as a handshake by every implementation,
 * the reference included; application data that starts with that byte cannot travel as plain
 * S2C DATA to a peer that speaks tunnels. Tunnel frames avoid the problem only by chance
 * (their first byte is a random nonce byte), which is why receivers with a live tunnel should
 * try the frame first; that policy belongs to the client, not to this class.
 */
public final class TunnelHandshake {
    /** First byte of every handshake payload (HC2C). */
    public static final int HC2C = 0x15;
    /** Second byte of an HC2C error frame. */
    public static final int ERROR_MARKER = 0xFF;
    /** Length of a session id. */
    public static final int SESSION_ID_LENGTH = 8;
    /** Length of a DH hello: marker, session id, timestamp, public key. */
    public static final int HELLO_LENGTH = 1 + SESSION_ID_LENGTH + 8 + X25519KeyPair.KEY_LENGTH;
    /** Length of a legacy key half. */
    public static final int LEGACY_KEY_HALF_LENGTH = 16;
    /** Length of a legacy handshake payload: marker and key half. */
    public static final int LEGACY_LENGTH = 1 + LEGACY_KEY_HALF_LENGTH;
    /** Clock difference above which a hello's timestamp counts as skewed. */
    public static final long MAX_CLOCK_SKEW_SECONDS = 300;
    /** The plain S2C DATA text with which the reference refuses a legacy handshake. */
    public static final String LEGACY_REFUSAL = "E:NotSupported";
    /** The reason text of the reference's refusal of a second handshake. */
    public static final String TUNNEL_EXISTS_REASON = "C2C tunnel already exists";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a piece of S2C DATA is, as far as the handshake is concerned. */
    public enum Kind {
        /** A DH hello ({@link TunnelHello#parse(byte[])} will succeed). */
        DH_HELLO,
        /** An HC2C error frame ({@link #parseErrorReason(byte[])} will succeed). */
        ERROR,
        /** A legacy handshake: answer with {@link #legacyRefusal()}. */
        LEGACY,
        /** Starts with {@code 0x15} but matches no known layout ("unknown format"). */
        MALFORMED,
        /** Does not start with {@code 0x15}: ordinary data or a tunnel frame. */
        NOT_HANDSHAKE
    }

    private TunnelHandshake() {
    }

    /**
     * Classifies S2C DATA exactly in the reference's order: error frame first (second byte
     * {@code 0xFF}, whatever the length), then DH hello (at least 49 bytes), then legacy
     * (exactly 17 bytes). Keeping that order is what makes a 49-byte payload whose would-be
     * session id starts with {@code 0xFF} an error frame, on every peer.
     *
     * @param s2cData the DATA of an S2C packet; {@code null} counts as empty
     * @return the kind, never {@code null}
     */
    public static Kind classify(byte[] s2cData) {
        if (s2cData == null || s2cData.length == 0 || (s2cData[0] & 0xFF) != HC2C) {
            return Kind.NOT_HANDSHAKE;
        }
        if (s2cData.length >= 2 && (s2cData[1] & 0xFF) == ERROR_MARKER) {
            return Kind.ERROR;
        }
        if (s2cData.length >= HELLO_LENGTH) {
            return Kind.DH_HELLO;
        }
        if (s2cData.length == LEGACY_LENGTH) {
            return Kind.LEGACY;
        }
        return Kind.MALFORMED;
    }

    /**
     * A new random session id from a shared {@link SecureRandom}.
     *
     * @return 8 bytes whose first byte is never {@code 0xFF}
     * @see #newSessionId(SecureRandom)
     */
    public static byte[] newSessionId() {
        return newSessionId(RANDOM);
    }

    /**
     * A new random session id whose first byte is never {@code 0xFF}: a hello starting
     * {@code 0x15 0xFF} is classified as an error frame by the reference (and by us), so about
     * one handshake in 256 would otherwise fail. The whole id is redrawn rather than the byte
     * patched, so ids stay uniform over the allowed values.
     *
     * @param random the source of randomness
     * @return 8 bytes
     */
    public static byte[] newSessionId(SecureRandom random) {
        Objects.requireNonNull(random, "random");
        byte[] id = new byte[SESSION_ID_LENGTH];
        do {
            random.nextBytes(id);
        } while ((id[0] & 0xFF) == ERROR_MARKER);
        return id;
    }

    /**
     * Builds an HC2C error frame {@code 0x15 0xFF reason(UTF-8)}.
     *
     * @param reason the human-readable reason
     * @return the S2C DATA to send
     */
    public static byte[] errorPayload(String reason) {
        byte[] text = Objects.requireNonNull(reason, "reason").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[2 + text.length];
        out[0] = (byte) HC2C;
        out[1] = (byte) ERROR_MARKER;
        System.arraycopy(text, 0, out, 2, text.length);
        return out;
    }

    /**
     * Reads the reason of an HC2C error frame. Invalid UTF-8 is replaced, not refused: the
     * reason is only ever shown to a human.
     *
     * @param s2cData S2C DATA classified as {@link Kind#ERROR}
     * @return the reason text (may be empty)
     * @throws TunnelException ({@code MALFORMED_HANDSHAKE}) if it is not an error frame
     */
    public static String parseErrorReason(byte[] s2cData) {
        if (classify(s2cData) != Kind.ERROR) {
            throw new TunnelException(TunnelException.Reason.MALFORMED_HANDSHAKE, "not an HC2C error frame");
        }
        return new String(s2cData, 2, s2cData.length - 2, StandardCharsets.UTF_8);
    }

    /**
     * The key half of a legacy handshake (only useful for diagnostics: we refuse legacy mode).
     *
     * @param s2cData S2C DATA classified as {@link Kind#LEGACY}
     * @return a copy of the 16-byte key half
     * @throws TunnelException ({@code MALFORMED_HANDSHAKE}) if it is not a legacy handshake
     */
    public static byte[] legacyKeyHalf(byte[] s2cData) {
        if (classify(s2cData) != Kind.LEGACY) {
            throw new TunnelException(TunnelException.Reason.MALFORMED_HANDSHAKE, "not a legacy handshake");
        }
        return Arrays.copyOfRange(s2cData, 1, LEGACY_LENGTH);
    }

    /**
     * The plain S2C DATA that answers a legacy handshake, as the reference does.
     *
     * @return the bytes of {@value #LEGACY_REFUSAL}
     */
    public static byte[] legacyRefusal() {
        return LEGACY_REFUSAL.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Whether a hello timestamp is more than {@value #MAX_CLOCK_SKEW_SECONDS} s away from
     * {@code now}, in either direction. Negative values (2^63 or more on the wire) are skewed.
     *
     * @param timestampSeconds the peer's unix time in seconds
     * @param now our current time
     * @return {@code true} if skewed
     */
    public static boolean isSkewed(long timestampSeconds, Instant now) {
        long ours = now.getEpochSecond();
        if (timestampSeconds < 0 || ours < 0) {
            return true;
        }
        // Both non-negative, so the difference cannot overflow.
        return Math.abs(ours - timestampSeconds) > MAX_CLOCK_SKEW_SECONDS;
    }

    /**
     * {@link #isSkewed(long, Instant)} against a clock.
     *
     * @param timestampSeconds the peer's unix time in seconds
     * @param clock our clock
     * @return {@code true} if skewed
     */
    public static boolean isSkewed(long timestampSeconds, Clock clock) {
        return isSkewed(timestampSeconds, clock.instant());
    }

    /**
     * The tunnel keys once both hellos are known. The HKDF info orders the session ids by role
     * (initiator first), so both sides get the same keys whichever of them calls this.
     *
     * @param local our key pair, whose public key is in our hello
     * @param initiatorHello the hello of the side that started the handshake
     * @param responderHello the hello of the side that answered
     * @param localIsInitiator whether we are the initiator (selects the peer's public key)
     * @return the key set for both directions
     * @throws TunnelException ({@code INVALID_PUBLIC_KEY}) if the peer's key is unusable
     * @throws IllegalArgumentException if our hello does not carry {@code local}'s public key
     */
    public static TunnelKeys deriveKeys(X25519KeyPair local, TunnelHello initiatorHello, TunnelHello responderHello,
            boolean localIsInitiator) {
        TunnelHello ours = localIsInitiator ? initiatorHello : responderHello;
        TunnelHello peer = localIsInitiator ? responderHello : initiatorHello;
        if (!Arrays.equals(ours.publicKey(), local.publicKey())) {
            throw new IllegalArgumentException("our hello does not carry our public key (roles swapped?)");
        }
        byte[] secret = local.agree(peer.publicKey());
        try {
            return TunnelKeys.deriveDh(secret, initiatorHello.sessionId(), responderHello.sessionId());
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
