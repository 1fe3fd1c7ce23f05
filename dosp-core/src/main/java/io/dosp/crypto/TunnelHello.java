package io.dosp.crypto;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The DH hello of a tunnel handshake (spec 8.1), carried as S2C DATA in both directions:
 * {@code 0x15 | session_id(8) | timestamp(8, unix seconds, big-endian) | x25519_public(32)},
 * 49 bytes.
 *
 * <p>Immutable value, thread-safe; arrays are copied in and out. Invariant: the session id never
 * starts with {@code 0xFF}, because every implementation reads {@code 0x15 0xFF ...} as a
 * handshake error before it looks for a hello (see {@link TunnelHandshake#classify(byte[])}).
 */
public final class TunnelHello {
    private final byte[] sessionId;
    private final long timestampSeconds;
    private final byte[] publicKey;

    private TunnelHello(byte[] sessionId, long timestampSeconds, byte[] publicKey) {
        this.sessionId = sessionId;
        this.timestampSeconds = timestampSeconds;
        this.publicKey = publicKey;
    }

    /**
     * A hello from its fields.
     *
     * @param sessionId 8 bytes, first byte not {@code 0xFF}; copied
     * @param timestampSeconds unix time in seconds (sent as an unsigned 64-bit value)
     * @param publicKey the sender's raw 32-byte X25519 public key; copied
     * @return the hello
     * @throws IllegalArgumentException on a wrong length or a session id starting with 0xFF
     */
    public static TunnelHello of(byte[] sessionId, long timestampSeconds, byte[] publicKey) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(publicKey, "publicKey");
        if (sessionId.length != TunnelHandshake.SESSION_ID_LENGTH) {
            throw new IllegalArgumentException("session id must be " + TunnelHandshake.SESSION_ID_LENGTH + " bytes");
        }
        if ((sessionId[0] & 0xFF) == TunnelHandshake.ERROR_MARKER) {
            throw new IllegalArgumentException("session id must not start with 0xFF (peers would read an error)");
        }
        if (publicKey.length != X25519KeyPair.KEY_LENGTH) {
            throw new IllegalArgumentException("public key must be " + X25519KeyPair.KEY_LENGTH + " bytes");
        }
        return new TunnelHello(sessionId.clone(), timestampSeconds, publicKey.clone());
    }

    /**
     * A fresh hello for our key pair: new random session id, current time.
     *
     * @param keyPair our key pair for this handshake
     * @param clock source of the timestamp
     * @param random source of the session id
     * @return the hello to send
     */
    public static TunnelHello create(X25519KeyPair keyPair, Clock clock, SecureRandom random) {
        return new TunnelHello(TunnelHandshake.newSessionId(random), clock.instant().getEpochSecond(),
                keyPair.publicKey());
    }

    /**
     * Reads a hello from S2C DATA. Like the reference, bytes after the 49th are ignored.
     *
     * @param s2cData the DATA of an S2C packet
     * @return the hello
     * @throws TunnelException ({@code MALFORMED_HANDSHAKE}) unless
     *     {@link TunnelHandshake#classify(byte[])} says {@link TunnelHandshake.Kind#DH_HELLO}
     */
    public static TunnelHello parse(byte[] s2cData) {
        TunnelHandshake.Kind kind = TunnelHandshake.classify(s2cData);
        if (kind != TunnelHandshake.Kind.DH_HELLO) {
            throw new TunnelException(TunnelException.Reason.MALFORMED_HANDSHAKE, "not a DH hello: " + kind);
        }
        ByteBuffer in = ByteBuffer.wrap(s2cData, 1, TunnelHandshake.HELLO_LENGTH - 1);
        byte[] sid = new byte[TunnelHandshake.SESSION_ID_LENGTH];
        in.get(sid);
        long ts = in.getLong();
        byte[] pub = new byte[X25519KeyPair.KEY_LENGTH];
        in.get(pub);
        return new TunnelHello(sid, ts, pub);
    }

    /**
     * The 49 bytes to send as S2C DATA.
     *
     * @return a new array
     */
    public byte[] encode() {
        return ByteBuffer.allocate(TunnelHandshake.HELLO_LENGTH)
                .put((byte) TunnelHandshake.HC2C)
                .put(sessionId)
                .putLong(timestampSeconds)
                .put(publicKey)
                .array();
    }

    /**
     * The session id.
     *
     * @return a copy of the 8 bytes
     */
    public byte[] sessionId() {
        return sessionId.clone();
    }

    /**
     * The sender's clock, unix seconds. A value of 2^63 or more on the wire reads as negative.
     *
     * @return the timestamp
     */
    public long timestampSeconds() {
        return timestampSeconds;
    }

    /**
     * The sender's raw X25519 public key.
     *
     * @return a copy of the 32 bytes
     */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * Whether the sender's clock is more than 300 s off ours (logged, not refused: spec 8.1).
     *
     * @param now our current time
     * @return {@code true} if skewed
     */
    public boolean isSkewed(Instant now) {
        return TunnelHandshake.isSkewed(timestampSeconds, now);
    }

    /**
     * Whether the sender's clock is more than 300 s off {@code clock}.
     *
     * @param clock our clock
     * @return {@code true} if skewed
     */
    public boolean isSkewed(Clock clock) {
        return isSkewed(clock.instant());
    }

    /** Value equality over all three fields. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TunnelHello)) {
            return false;
        }
        TunnelHello h = (TunnelHello) o;
        return timestampSeconds == h.timestampSeconds && Arrays.equals(sessionId, h.sessionId)
                && Arrays.equals(publicKey, h.publicKey);
    }

    /** Consistent with {@link #equals(Object)}. */
    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(sessionId) + Long.hashCode(timestampSeconds)) + Arrays.hashCode(publicKey);
    }

    /** Session id and timestamp, for logs (the public key is left out to keep lines short). */
    @Override
    public String toString() {
        return "TunnelHello[session=" + HexFormat.of().formatHex(sessionId) + ", ts=" + timestampSeconds + "]";
    }
}
