package io.dosp.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Objects;
import javax.crypto.KeyAgreement;

/**
 * An X25519 key pair (RFC 7748) for one tunnel handshake, built on the JDK's {@code X25519}
 * provider, with public keys in the 32-byte raw form the wire uses (little-endian u-coordinate).
 *
 * <p>Immutable and thread-safe: {@link #agree(byte[])} creates its own {@link KeyAgreement}
 * per call. The private key never leaves this object (there is no accessor), so a pair should be
 * used for one handshake and then dropped.
 */
public final class X25519KeyPair {
    /** Length of a raw X25519 public key, private scalar and shared secret. */
    public static final int KEY_LENGTH = 32;

    private static final String ALGORITHM = "X25519";
    /** The field prime 2^255 - 19; u-coordinates are reduced modulo this. */
    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    /** The base point u = 9: X25519(k, 9) is the public key of k. */
    private static final byte[] BASE_POINT = basePoint();

    private final PrivateKey privateKey;
    private final byte[] publicKey;

    private X25519KeyPair(PrivateKey privateKey, byte[] publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * A fresh random key pair from the JDK's default secure random source.
     *
     * @return a new key pair
     * @throws TunnelException ({@code CRYPTO_FAILURE}) if the JDK has no X25519 provider
     */
    public static X25519KeyPair generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            BigInteger u = ((XECPublicKey) kp.getPublic()).getU();
            return new X25519KeyPair(kp.getPrivate(), encodeU(u));
        } catch (GeneralSecurityException e) {
            throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE, "X25519 unavailable", e);
        }
    }

    /**
     * The key pair of a known raw private scalar (for test vectors and reproducible tests).
     * The scalar is clamped by X25519 itself, as RFC 7748 specifies, so any 32 bytes are valid.
     *
     * @param privateScalar 32 bytes, little-endian, as in RFC 7748; copied
     * @return the key pair, whose public key is X25519(scalar, 9)
     * @throws IllegalArgumentException if the scalar is not 32 bytes
     */
    public static X25519KeyPair fromPrivate(byte[] privateScalar) {
        requireLength(privateScalar, "private scalar");
        try {
            PrivateKey priv = KeyFactory.getInstance(ALGORITHM).generatePrivate(
                    new XECPrivateKeySpec(NamedParameterSpec.X25519, privateScalar.clone()));
            // JDK 17 has no API to derive a public key from a private one; scalar
            // multiplication of the base point is exactly what an agreement with u = 9 computes.
            byte[] pub = agree(priv, BASE_POINT);
            return new X25519KeyPair(priv, pub);
        } catch (GeneralSecurityException e) {
            throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE, "X25519 unavailable", e);
        }
    }

    /**
     * Our raw public key, as sent in the hello.
     *
     * @return a copy of the 32-byte little-endian u-coordinate
     */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * The X25519 shared secret with a peer.
     *
     * @param peerPublicKey the peer's raw 32-byte public key (as received; the top bit is
     *     ignored and non-canonical values are reduced, per RFC 7748 section 5)
     * @return the 32-byte shared secret
     * @throws TunnelException ({@code INVALID_PUBLIC_KEY}) if the key is not 32 bytes or is a
     *     low-order point, which would give the all-zero secret
     */
    public byte[] agree(byte[] peerPublicKey) {
        if (peerPublicKey == null || peerPublicKey.length != KEY_LENGTH) {
            throw new TunnelException(TunnelException.Reason.INVALID_PUBLIC_KEY,
                    "X25519 public key must be " + KEY_LENGTH + " bytes");
        }
        try {
            return agree(privateKey, peerPublicKey);
        } catch (InvalidKeyException | IllegalStateException e) {
            // The JDK refuses low-order points ("Point has small order") instead of returning
            // an all-zero secret; both are a peer that tries to force a known key.
            throw new TunnelException(TunnelException.Reason.INVALID_PUBLIC_KEY,
                    "X25519 public key rejected: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TunnelException(TunnelException.Reason.CRYPTO_FAILURE, "X25519 failed", e);
        }
    }

    /**
     * Says nothing about the keys: the public key is not secret, but logging it invites logging
     * the rest.
     */
    @Override
    public String toString() {
        return "X25519KeyPair[public=redacted]";
    }

    private static byte[] agree(PrivateKey priv, byte[] peerRaw) throws GeneralSecurityException {
        PublicKey peer = KeyFactory.getInstance(ALGORITHM).generatePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(peerRaw)));
        KeyAgreement ka = KeyAgreement.getInstance(ALGORITHM);
        ka.init(priv);
        ka.doPhase(peer, true);
        byte[] secret = ka.generateSecret();
        if (secret.length != KEY_LENGTH) {
            throw new InvalidKeyException("unexpected X25519 output length " + secret.length);
        }
        // The JDK already refuses low-order points; this guards providers that do not.
        int acc = 0;
        for (byte b : secret) {
            acc |= b;
        }
        if (acc == 0) {
            throw new InvalidKeyException("all-zero shared secret");
        }
        return secret;
    }

    /**
     * RFC 7748 decodeUCoordinate: little-endian, top bit of the last byte masked, then reduced
     * mod p (non-canonical encodings must be accepted, not rejected).
     */
    static BigInteger decodeU(byte[] raw) {
        byte[] be = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++) {
            be[i] = raw[KEY_LENGTH - 1 - i];
        }
        be[0] &= 0x7F;
        return new BigInteger(1, be).mod(P);
    }

    /** RFC 7748 encodeUCoordinate: exactly 32 bytes little-endian, whatever BigInteger's length. */
    static byte[] encodeU(BigInteger u) {
        // toByteArray is big-endian, minimal, and may carry a leading sign byte of 0.
        byte[] be = u.mod(P).toByteArray();
        byte[] le = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    private static byte[] basePoint() {
        byte[] b = new byte[KEY_LENGTH];
        b[0] = 9;
        return b;
    }

    private static void requireLength(byte[] b, String what) {
        Objects.requireNonNull(b, what);
        if (b.length != KEY_LENGTH) {
            throw new IllegalArgumentException(what + " must be " + KEY_LENGTH + " bytes, got " + b.length);
        }
    }
}
