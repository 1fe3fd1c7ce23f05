package io.dosp.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SCRAM-SHA-256 computations of RFC 5802 and RFC 7677, used by this project's client login (the {@code auth}
 * client extension): a server stores only a {@link Verifier} (salt, iterations, StoredKey, ServerKey), the client
 * proves it knows the password without sending it or anything replayable, and the server proves it holds the
 * verifier.
 *
 * <pre>
 * SaltedPassword  = PBKDF2-HMAC-SHA256(password, salt, iterations, 32 bytes)
 * ClientKey       = HMAC(SaltedPassword, "Client Key")      StoredKey = SHA-256(ClientKey)
 * ServerKey       = HMAC(SaltedPassword, "Server Key")
 * ClientSignature = HMAC(StoredKey, AuthMessage)            ClientProof = ClientKey XOR ClientSignature
 * ServerSignature = HMAC(ServerKey, AuthMessage)
 * </pre>
 *
 * <p>Only the math is SCRAM's: the messages travel in this project's binary EXT frames, and the AuthMessage is this
 * project's (see {@code io.dosp.protocol.Login#authMessage}), not the SASL text exchange. A SASL SCRAM library
 * (which parses and builds the {@code n=,r=,s=,i=} texts) therefore does not fit; JCA provides every primitive
 * ({@code PBKDF2WithHmacSHA256}, {@code HmacSHA256}, {@code SHA-256}). The password is taken as the UTF-8 bytes of
 * its characters (JCA's PBKDF2 encoding), without SASLprep: passwords outside ASCII must be typed in the same
 * Unicode normalisation form every time.
 *
 * <p>Stateless and thread-safe.
 */
public final class Scram {
    /** Length of every key, signature and proof: SHA-256's output. */
    public static final int KEY_LENGTH = 32;
    /** The fewest PBKDF2 iterations accepted (RFC 7677's minimum). */
    public static final int MIN_ITERATIONS = 4096;
    /** The most PBKDF2 iterations accepted (a server cannot make a client spin for minutes). */
    public static final int MAX_ITERATIONS = 10_000_000;
    /** Iterations of a verifier made with {@link #newVerifier(char[])}. */
    public static final int DEFAULT_ITERATIONS = 100_000;
    /** Salt length of a verifier made here, in bytes. */
    public static final int SALT_LENGTH = 16;
    /** The prefix of a verifier's text form. */
    public static final String SCHEME = "SCRAM-SHA-256";

    private static final byte[] CLIENT_KEY = "Client Key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_KEY = "Server Key".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Scram() {
    }

    /**
     * What a server stores for one user: never the password.
     *
     * <p>Text form: {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, the three byte strings in
     * standard base64 with padding (the form PostgreSQL uses).
     *
     * @param iterations PBKDF2 iterations, {@value #MIN_ITERATIONS}..{@value #MAX_ITERATIONS}
     * @param salt       1..64 bytes
     * @param storedKey  32 bytes
     * @param serverKey  32 bytes
     */
    public record Verifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
        /** Checks the lengths and copies the arrays. */
        public Verifier {
            if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
                throw new IllegalArgumentException("SCRAM iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS
                        + ", got " + iterations);
            }
            if (salt.length < 1 || salt.length > 64) {
                throw new IllegalArgumentException("SCRAM salt must be 1..64 bytes, got " + salt.length);
            }
            if (storedKey.length != KEY_LENGTH || serverKey.length != KEY_LENGTH) {
                throw new IllegalArgumentException("SCRAM StoredKey and ServerKey must be " + KEY_LENGTH + " bytes");
            }
            salt = salt.clone();
            storedKey = storedKey.clone();
            serverKey = serverKey.clone();
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        @Override
        public byte[] storedKey() {
            return storedKey.clone();
        }

        @Override
        public byte[] serverKey() {
            return serverKey.clone();
        }

        /** The text form (see the type's description). */
        public String encode() {
            Base64.Encoder b = Base64.getEncoder();
            return SCHEME + "$" + iterations + ":" + b.encodeToString(salt) + "$" + b.encodeToString(storedKey) + ":"
                    + b.encodeToString(serverKey);
        }

        /**
         * Reads the text form.
         *
         * @throws IllegalArgumentException saying what is wrong (never echoing key material)
         */
        public static Verifier parse(String text) {
            Objects.requireNonNull(text, "text");
            String[] parts = text.split("\\$", -1);
            if (parts.length != 3 || !parts[0].equals(SCHEME)) {
                throw new IllegalArgumentException("a verifier reads " + SCHEME + "$ITERATIONS:SALT$STOREDKEY:SERVERKEY");
            }
            String[] head = parts[1].split(":", -1);
            String[] keys = parts[2].split(":", -1);
            if (head.length != 2 || keys.length != 2) {
                throw new IllegalArgumentException("a verifier reads " + SCHEME + "$ITERATIONS:SALT$STOREDKEY:SERVERKEY");
            }
            int iterations;
            try {
                iterations = Integer.parseInt(head[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("verifier iterations are not a number");
            }
            Base64.Decoder d = Base64.getDecoder();
            try {
                return new Verifier(iterations, d.decode(head[1]), d.decode(keys[0]), d.decode(keys[1]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("verifier: " + e.getMessage());
            }
        }

        /**
         * Whether {@code clientProof} proves knowledge of the password for {@code authMessage}: recovers ClientKey
         * and compares SHA-256 of it with StoredKey in constant time.
         */
        public boolean verifyProof(byte[] authMessage, byte[] clientProof) {
            if (clientProof.length != KEY_LENGTH) {
                return false;
            }
            byte[] clientSignature = hmac(storedKey, authMessage);
            byte[] clientKey = xor(clientProof, clientSignature);
            return MessageDigest.isEqual(sha256(clientKey), storedKey);
        }

        /** ServerSignature for {@code authMessage}: what the server sends to prove it holds this verifier. */
        public byte[] serverSignature(byte[] authMessage) {
            return hmac(serverKey, authMessage);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Verifier v && v.iterations == iterations && Arrays.equals(v.salt, salt)
                    && Arrays.equals(v.storedKey, storedKey) && Arrays.equals(v.serverKey, serverKey);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(storedKey);
        }

        @Override
        public String toString() {
            return SCHEME + " verifier (" + iterations + " iterations)"; // no key material in logs
        }
    }

    /** A verifier for {@code password} with a fresh random salt and {@value #DEFAULT_ITERATIONS} iterations. */
    public static Verifier newVerifier(char[] password) {
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return verifier(password, salt, DEFAULT_ITERATIONS);
    }

    /** The verifier for {@code password} with {@code salt} and {@code iterations}. */
    public static Verifier verifier(char[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        try {
            return verifierOf(salted, salt, iterations);
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    /** The verifier for an already computed SaltedPassword. */
    public static Verifier verifierOf(byte[] saltedPassword, byte[] salt, int iterations) {
        byte[] clientKey = hmac(saltedPassword, CLIENT_KEY);
        return new Verifier(iterations, salt, sha256(clientKey), hmac(saltedPassword, SERVER_KEY));
    }

    /** SaltedPassword: PBKDF2-HMAC-SHA256 of the password's UTF-8 bytes. */
    public static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("SCRAM iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS
                    + ", got " + iterations);
        }
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, KEY_LENGTH * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** ClientProof for {@code authMessage} from SaltedPassword. */
    public static byte[] clientProof(byte[] saltedPassword, byte[] authMessage) {
        byte[] clientKey = hmac(saltedPassword, CLIENT_KEY);
        byte[] clientSignature = hmac(sha256(clientKey), authMessage);
        return xor(clientKey, clientSignature);
    }

    /** ServerSignature for {@code authMessage} from SaltedPassword (the client's expectation). */
    public static byte[] serverSignature(byte[] saltedPassword, byte[] authMessage) {
        return hmac(hmac(saltedPassword, SERVER_KEY), authMessage);
    }

    /** Whether {@code received} is the ServerSignature expected from SaltedPassword, compared in constant time. */
    public static boolean verifyServerSignature(byte[] saltedPassword, byte[] authMessage, byte[] received) {
        return MessageDigest.isEqual(serverSignature(saltedPassword, authMessage), received);
    }

    /** HMAC-SHA256. */
    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }
}
