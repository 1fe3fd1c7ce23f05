package io.dosp.crypto;

import io.dosp.protocol.Vip;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The identity block our tunnel hellos carry after the role byte (an extension of ours; the
 * reference reads the first 49 bytes of a hello and ignores the rest):
 *
 * <pre>
 * hello:  15 | session_id(8) | timestamp(8) | x25519_pub(32) | role(1) | identity block
 * block:  version(1) = 01 | ed25519_pub(32) | signature(64)                      (97 bytes)
 * </pre>
 *
 * The signature is Ed25519 over a transcript that depends on the role:
 *
 * <pre>
 * initiator (74 bytes):  "dosp-tunnel-id-v1" | 01 | session_id_I(8) | timestamp_I(8) | x25519_I(32)
 *                        | vip_I(4) | vip_R(4)
 * responder (114 bytes): "dosp-tunnel-id-v1" | 02 | session_id_I(8) | session_id_R(8) | timestamp_R(8)
 *                        | x25519_I(32) | x25519_R(32) | vip_I(4) | vip_R(4)
 * </pre>
 *
 * ({@code I}: the initiator, {@code R}: the responder; vIPs as 4 bytes in network order; the
 * domain string is 17 ASCII bytes without a terminator.) The initiator signs every field of its
 * hello and both vIPs; the responder signs both session ids and both X25519 keys as it saw them,
 * its timestamp and both vIPs. A relay that swaps either X25519 key breaks at least one signature
 * (or has to sign with an identity of its own, which the peer's trust check then sees).
 *
 * <p>A hello of exactly 49 (reference) or 50 (our earlier versions: role byte only) bytes carries
 * no block. A block whose version byte is not {@code 01} is read as no block (a later version);
 * a version-1 block of the wrong length, or with a key the JDK cannot decode, is malformed.
 *
 * <p>Immutable and thread-safe.
 */
public final class IdentityBlock {
    /** The block version this class reads and writes. */
    public static final int VERSION = 1;
    /** Length of the block: version, key, signature. */
    public static final int LENGTH = 1 + IdentityKey.LENGTH + IdentityKey.SIGNATURE_LENGTH;
    /** Where the block starts in a hello: after the 49 bytes the reference reads and our role byte. */
    public static final int OFFSET = TunnelHandshake.HELLO_LENGTH + 1;
    /** Length of a hello with a block. */
    public static final int HELLO_WITH_IDENTITY_LENGTH = OFFSET + LENGTH;
    /** The domain separation string that starts every transcript. */
    public static final String DOMAIN = "dosp-tunnel-id-v1";
    /** Transcript role byte of the side that opens the handshake. */
    public static final int ROLE_INITIATOR = 1;
    /** Transcript role byte of the side that answers. */
    public static final int ROLE_RESPONDER = 2;
    private static final byte[] DOMAIN_BYTES = DOMAIN.getBytes(StandardCharsets.US_ASCII);

    private final IdentityKey key;
    private final byte[] signature;

    private IdentityBlock(IdentityKey key, byte[] signature) {
        this.key = key;
        this.signature = signature;
    }

    /**
     * Signs {@code transcript} with {@code identity}.
     *
     * @param identity our identity
     * @param transcript from {@link #initiatorTranscript} or {@link #responderTranscript}
     * @return the block
     */
    public static IdentityBlock sign(Identity identity, byte[] transcript) {
        return new IdentityBlock(identity.publicKey(), identity.sign(transcript));
    }

    /**
     * A block from its parts (tests, fixtures).
     *
     * @param key the claimed identity
     * @param signature 64 bytes; copied
     * @return the block
     */
    public static IdentityBlock of(IdentityKey key, byte[] signature) {
        Objects.requireNonNull(key, "key");
        if (Objects.requireNonNull(signature, "signature").length != IdentityKey.SIGNATURE_LENGTH) {
            throw new IllegalArgumentException("a signature is " + IdentityKey.SIGNATURE_LENGTH + " bytes");
        }
        return new IdentityBlock(key, signature.clone());
    }

    /**
     * Reads the block of a hello.
     *
     * @param helloData the whole S2C DATA of a hello
     * @return the block, or empty when the hello carries none (or one of a later version)
     * @throws TunnelException ({@code MALFORMED_HANDSHAKE}) for a version-1 block of the wrong
     *     length or with an undecodable key
     */
    public static Optional<IdentityBlock> read(byte[] helloData) {
        if (helloData == null || helloData.length <= OFFSET || (helloData[OFFSET] & 0xFF) != VERSION) {
            return Optional.empty();
        }
        if (helloData.length != HELLO_WITH_IDENTITY_LENGTH) {
            throw new TunnelException(TunnelException.Reason.MALFORMED_HANDSHAKE, "identity block of " + (helloData.length
                    - OFFSET) + " bytes, expected " + LENGTH);
        }
        IdentityKey key;
        try {
            key = IdentityKey.of(Arrays.copyOfRange(helloData, OFFSET + 1, OFFSET + 1 + IdentityKey.LENGTH));
        } catch (IllegalArgumentException e) {
            throw new TunnelException(TunnelException.Reason.MALFORMED_HANDSHAKE, "identity key unusable");
        }
        return Optional.of(new IdentityBlock(key, Arrays.copyOfRange(helloData, OFFSET + 1 + IdentityKey.LENGTH,
                helloData.length)));
    }

    /** Whether a hello carries a block of a version this class does not know (read as none). */
    public static boolean hasUnknownVersion(byte[] helloData) {
        return helloData != null && helloData.length > OFFSET && (helloData[OFFSET] & 0xFF) != VERSION;
    }

    /**
     * A hello with its role byte and this block: {@code hello.encode() | role | block}.
     *
     * @param hello the hello
     * @param role the role byte of our hello format (1 opening, 2 answer)
     * @return the S2C DATA to send
     */
    public byte[] appendTo(TunnelHello hello, int role) {
        return ByteBuffer.allocate(HELLO_WITH_IDENTITY_LENGTH).put(hello.encode()).put((byte) role).put(encode()).array();
    }

    /**
     * The 97 bytes of the block.
     *
     * @return a new array
     */
    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH).put((byte) VERSION).put(key.raw()).put(signature).array();
    }

    /** The identity the block claims (proved only once {@link #verifies} says so). */
    public IdentityKey key() {
        return key;
    }

    /**
     * The signature.
     *
     * @return a copy of the 64 bytes
     */
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * Whether the signature is the key's over {@code transcript}.
     *
     * @param transcript what the sender should have signed
     * @return {@code true} for a valid signature
     */
    public boolean verifies(byte[] transcript) {
        return key.verify(transcript, signature);
    }

    /**
     * What the initiator signs.
     *
     * @param initiator the initiator's hello
     * @param initiatorVip the initiator's vIP
     * @param responderVip the responder's vIP
     * @return the 74 transcript bytes
     */
    public static byte[] initiatorTranscript(TunnelHello initiator, Vip initiatorVip, Vip responderVip) {
        return ByteBuffer.allocate(DOMAIN_BYTES.length + 1 + 8 + 8 + 32 + 4 + 4)
                .put(DOMAIN_BYTES).put((byte) ROLE_INITIATOR)
                .put(initiator.sessionId()).putLong(initiator.timestampSeconds()).put(initiator.publicKey())
                .putInt(initiatorVip.value()).putInt(responderVip.value())
                .array();
    }

    /**
     * What the responder signs.
     *
     * @param initiator the initiator's hello, as the responder received it
     * @param responder the responder's hello
     * @param initiatorVip the initiator's vIP
     * @param responderVip the responder's vIP
     * @return the 114 transcript bytes
     */
    public static byte[] responderTranscript(TunnelHello initiator, TunnelHello responder, Vip initiatorVip,
            Vip responderVip) {
        return ByteBuffer.allocate(DOMAIN_BYTES.length + 1 + 8 + 8 + 8 + 32 + 32 + 4 + 4)
                .put(DOMAIN_BYTES).put((byte) ROLE_RESPONDER)
                .put(initiator.sessionId()).put(responder.sessionId()).putLong(responder.timestampSeconds())
                .put(initiator.publicKey()).put(responder.publicKey())
                .putInt(initiatorVip.value()).putInt(responderVip.value())
                .array();
    }

    /** {@code IdentityBlock[SHA256:...]}. */
    @Override
    public String toString() {
        return "IdentityBlock[" + key.fingerprint() + "]";
    }
}
