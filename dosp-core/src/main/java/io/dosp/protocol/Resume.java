package io.dosp.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The frames of the resume feature ({@link Ext#FEATURE_RESUME}, EXT kinds {@code 0x90..0x9F}; byte layout in
 * {@code docs/cluster.md}, "Resume frames"). A cluster node gives each client that enabled the feature a
 * {@link #TOKEN} for its vIP: the vIP and {@value #SECRET_BYTES} random bytes, whose SHA-256 the cluster's registry
 * keeps. When the client's node is lost, the client reconnects to another node and sends {@link #RESUME} with the
 * vIP and the secret; the node answers {@link #OK} (the vIP is the client's again; a new secret) or {@link #FAILED}
 * (a reason byte and a text).
 *
 * <p>Secrets are never part of a {@code toString}.
 */
public final class Resume {
    /** Server to client: {@code vip(4) secret(16)}, the resume secret of the vIP the client holds now. */
    public static final int TOKEN = 0x90;
    /** Client to server: {@code vip(4) secret(16)}, "give me this vIP back". */
    public static final int RESUME = 0x91;
    /** Server to client: {@code vip(4) secret(16)}, the vIP is the client's now; the new secret replaces the old one. */
    public static final int OK = 0x92;
    /** Server to client: {@code vip(4) reason(1) text}, the vIP was not taken over; text UTF-8, at most 200 bytes. */
    public static final int FAILED = 0x93;
    /** The length of a resume secret: 128 bits. */
    public static final int SECRET_BYTES = 16;
    /** The longest text of a {@link #FAILED}, in bytes. */
    public static final int MAX_TEXT = 200;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Resume() {
    }

    /** A new random secret of {@value #SECRET_BYTES} bytes. */
    public static byte[] newSecret() {
        byte[] s = new byte[SECRET_BYTES];
        RANDOM.nextBytes(s);
        return s;
    }

    /** The SHA-256 of {@code secret}, what the registry stores (as lowercase hex). */
    public static byte[] hash(byte[] secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The SHA-256 of {@code secret} as 64 lowercase hex digits. */
    public static String hashHex(byte[] secret) {
        return HexFormat.of().formatHex(hash(secret));
    }

    /**
     * Whether {@code secret} hashes to {@code storedHex} (64 hex digits), compared in constant time; false for a
     * missing or unreadable stored hash.
     */
    public static boolean matches(byte[] secret, String storedHex) {
        if (storedHex == null || storedHex.length() != 64) {
            return false;
        }
        byte[] stored;
        try {
            stored = HexFormat.of().parseHex(storedHex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(hash(secret), stored);
    }

    /**
     * A vIP and its resume secret: the payload of {@link #TOKEN}, {@link #RESUME} and {@link #OK}.
     *
     * @param vip    the vIP
     * @param secret {@value #SECRET_BYTES} bytes (copied)
     */
    public record Token(Vip vip, byte[] secret) {
        /** Checks the fields and copies the secret. */
        public Token {
            if (vip == null) {
                throw new IllegalArgumentException("vip is null");
            }
            if (secret == null || secret.length != SECRET_BYTES) {
                throw new IllegalArgumentException("a resume secret is " + SECRET_BYTES + " bytes");
            }
            secret = secret.clone();
        }

        /** The secret (a copy). */
        @Override
        public byte[] secret() {
            return secret.clone();
        }

        /** This token as an EXT frame of {@code kind} ({@link #TOKEN}, {@link #RESUME} or {@link #OK}). */
        public SimplePacket toFrame(int kind) {
            if (kind != TOKEN && kind != RESUME && kind != OK) {
                throw new IllegalArgumentException("EXT kind " + kind + " carries no resume token");
            }
            byte[] payload = new byte[Vip.BYTES + SECRET_BYTES];
            System.arraycopy(vip.toBytes(), 0, payload, 0, Vip.BYTES);
            System.arraycopy(secret, 0, payload, Vip.BYTES, SECRET_BYTES);
            SimplePacket p = Ext.frame(kind, payload);
            Arrays.fill(payload, (byte) 0);
            return p;
        }

        /**
         * Reads a {@link #TOKEN}, {@link #RESUME} or {@link #OK} frame.
         *
         * @throws MalformedPacketException when {@code p} is not one of them or its payload is not
         *                                  {@code vip(4) secret(16)}
         */
        public static Token parse(SimplePacket p) {
            int kind = Ext.kind(p);
            if (kind != TOKEN && kind != RESUME && kind != OK) {
                throw bad("EXT kind " + kind + " is not a resume token frame");
            }
            int len = p.bodyLength() - 1;
            if (len != Vip.BYTES + SECRET_BYTES) {
                throw bad("EXT resume token of " + len + " bytes (vip(4) secret(16))");
            }
            byte[] b = p.body();
            return new Token(Vip.fromBytes(b, 1), Arrays.copyOfRange(b, 1 + Vip.BYTES, 1 + Vip.BYTES + SECRET_BYTES));
        }

        /** The vIP only: a secret is never printed. */
        @Override
        public String toString() {
            return "Token[vip=" + vip + ", secret=(hidden)]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Token t && t.vip.equals(vip) && MessageDigest.isEqual(t.secret, secret);
        }

        @Override
        public int hashCode() {
            return vip.hashCode();
        }
    }

    /**
     * A refused resume: the payload of {@link #FAILED}.
     *
     * @param vip    the vIP that was asked for
     * @param reason one of the reason codes below (readers treat unknown codes as "refused")
     * @param text   what the server says, empty for none; at most {@value #MAX_TEXT} UTF-8 bytes on the wire
     */
    public record Failed(Vip vip, int reason, String text) {
        /** The vIP is claimed by nobody and could not be claimed now (another client took it meanwhile). */
        public static final int NO_ENTRY = 1;
        /** The secret does not match the one the registry keeps for the vIP (or it keeps none). */
        public static final int BAD_SECRET = 2;
        /**
         * The vIP is held by a node that is alive, or by another connection of this node: it may still have the
         * client's old connection (try again after the node's TTL, or the connection's idle timeout).
         */
        public static final int HELD = 3;
        /** The cluster's registry cannot be reached, or is busy: try again. */
        public static final int UNAVAILABLE = 4;
        /** This node refuses the vIP for this client (blocked vIP, outside the template, a fixed vIP of another user). */
        public static final int REFUSED = 5;
        /** The entry changed while the take-over ran (another node took it over first). */
        public static final int CONFLICT = 6;

        /** Checks the fields. */
        public Failed {
            if (vip == null) {
                throw new IllegalArgumentException("vip is null");
            }
            if (reason < 0 || reason > 0xFF) {
                throw new IllegalArgumentException("resume failure reason " + reason + " is not a byte");
            }
            text = text == null ? "" : text;
        }

        /** Whether trying again later may succeed ({@link #HELD}, {@link #UNAVAILABLE}). */
        public boolean retryable() {
            return reason == HELD || reason == UNAVAILABLE;
        }

        /** The reason as a word. */
        public String reasonName() {
            return switch (reason) {
                case NO_ENTRY -> "no entry";
                case BAD_SECRET -> "bad secret";
                case HELD -> "held";
                case UNAVAILABLE -> "unavailable";
                case REFUSED -> "refused";
                case CONFLICT -> "conflict";
                default -> "refused (reason " + reason + ")";
            };
        }

        /** The reason and the text, e.g. {@code held: by a live node}. */
        public String describe() {
            return text.isEmpty() ? reasonName() : reasonName() + ": " + text;
        }

        /** This refusal as an EXT frame; a text over {@value #MAX_TEXT} UTF-8 bytes is cut (not inside a character). */
        public SimplePacket toFrame() {
            byte[] t = text.getBytes(StandardCharsets.UTF_8);
            int end = Math.min(t.length, MAX_TEXT);
            while (end < t.length && end > 0 && (t[end] & 0xC0) == 0x80) {
                end--;
            }
            byte[] payload = new byte[Vip.BYTES + 1 + end];
            System.arraycopy(vip.toBytes(), 0, payload, 0, Vip.BYTES);
            payload[Vip.BYTES] = (byte) reason;
            System.arraycopy(t, 0, payload, Vip.BYTES + 1, end);
            return Ext.frame(FAILED, payload);
        }

        /**
         * Reads a {@link #FAILED} frame.
         *
         * @throws MalformedPacketException when {@code p} is not one, is shorter than {@code vip(4) reason(1)}, or
         *                                  its text is too long
         */
        public static Failed parse(SimplePacket p) {
            if (Ext.kind(p) != FAILED) {
                throw bad("EXT kind " + Ext.kind(p) + " is not RESUME_FAILED");
            }
            int len = p.bodyLength() - 1;
            if (len < Vip.BYTES + 1) {
                throw bad("EXT RESUME_FAILED of " + len + " bytes (at least vip(4) reason(1))");
            }
            if (len - Vip.BYTES - 1 > MAX_TEXT) {
                throw bad("EXT RESUME_FAILED text of " + (len - Vip.BYTES - 1) + " bytes (at most " + MAX_TEXT + ")");
            }
            byte[] b = p.body();
            return new Failed(Vip.fromBytes(b, 1), b[1 + Vip.BYTES] & 0xff,
                    new String(b, 2 + Vip.BYTES, len - Vip.BYTES - 1, StandardCharsets.UTF_8));
        }
    }

    private static MalformedPacketException bad(String message) {
        return new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.EXT.code(), message,
                ErrCode.UKNP);
    }
}
