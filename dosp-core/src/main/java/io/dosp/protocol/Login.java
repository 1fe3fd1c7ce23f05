package io.dosp.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The frames of this project's client admission ({@link Ext#FEATURE_AUTH}, kinds {@code 0x10..0x1F}) and vouching
 * ({@link Ext#FEATURE_VOUCH}, kinds {@code 0x30..0x3F}), carried in EXT frames ({@code 1F len kind payload}). Numbers
 * are big-endian; strings are UTF-8; {@code n(1)} is a length byte.
 *
 * <pre>
 * 0x10 LOGIN_START      C-&gt;S  version(1)=1 n(1) user(1..64) n(1) client_nonce(16..64)
 * 0x11 LOGIN_CHALLENGE  S-&gt;C  iterations(4) n(1) salt(1..64) n(1) server_nonce(16..64)
 * 0x12 LOGIN_PROOF      C-&gt;S  client_proof(32) [identity_key(32) identity_signature(64)]
 * 0x13 LOGIN_OK         S-&gt;C  server_signature(32) flags(1: bit 0 admin) vip(4)
 * 0x14 LOGIN_FAILED     S-&gt;C  code(1) reason(UTF-8, rest)
 * 0x30 VOUCH_REQUEST    C-&gt;S  vip(4)
 * 0x31 VOUCH_REPLY      S-&gt;C  vip(4) status(1) n(1) user [identity_key(32) when status 2]
 * </pre>
 *
 * <p>The proof and the server signature are SCRAM-SHA-256 ({@code io.dosp.crypto.Scram}) over {@link #authMessage},
 * which holds both nonces and the vIP the connection holds when it logs in, so a proof is good for one connection
 * only. The optional identity signature is Ed25519 over {@code "dosp-vouch-v1"} followed by the same AuthMessage.
 */
public final class Login {
    /** Client to server: who logs in, and the client's nonce. */
    public static final int START = 0x10;
    /** Server to client: salt, iterations and the server's nonce. */
    public static final int CHALLENGE = 0x11;
    /** Client to server: the SCRAM client proof (and optionally an Ed25519 identity). */
    public static final int PROOF = 0x12;
    /** Server to client: the login succeeded; the server's signature proves it holds the verifier. */
    public static final int OK = 0x13;
    /** Server to client: the login failed (the server then ends the connection). */
    public static final int FAILED = 0x14;
    /** Client to server: who holds this vIP? */
    public static final int VOUCH_REQUEST = 0x30;
    /** Server to client: the answer to {@link #VOUCH_REQUEST}. */
    public static final int VOUCH_REPLY = 0x31;

    /** The version byte of LOGIN_START. */
    public static final int VERSION = 1;
    /** Longest user name, in UTF-8 bytes. */
    public static final int MAX_USER_LENGTH = 64;
    /** Shortest nonce. */
    public static final int MIN_NONCE = 16;
    /** Longest nonce or salt. */
    public static final int MAX_NONCE = 64;
    /** Length of an Ed25519 public key, raw. */
    public static final int IDENTITY_KEY_LENGTH = 32;
    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_LENGTH = 64;
    /** Length of a SCRAM proof or signature. */
    public static final int PROOF_LENGTH = 32;

    private static final byte[] AUTH_LABEL = "dosp-login-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VOUCH_LABEL = "dosp-vouch-v1".getBytes(StandardCharsets.US_ASCII);

    private Login() {
    }

    /** Why a login failed: the code byte of LOGIN_FAILED. */
    public enum FailureCode {
        /** Unknown user or wrong password (the server does not say which). */
        BAD_CREDENTIALS(1),
        /** The user's access was revoked by an admin. */
        REVOKED(2),
        /** Too many failed logins from this address or for this user: retry later (the reason says when). */
        THROTTLED(3),
        /** The frames did not follow the exchange (out of order, malformed, a bad identity signature). */
        PROTOCOL(4),
        /** The user's fixed vIP cannot be taken now. */
        VIP_UNAVAILABLE(5),
        /** A code this implementation does not know. */
        OTHER(0);

        private final int code;

        FailureCode(int code) {
            this.code = code;
        }

        /** The code byte. */
        public int code() {
            return code;
        }

        /** The code for a byte, {@link #OTHER} when unknown. */
        public static FailureCode of(int b) {
            for (FailureCode c : values()) {
                if (c.code == b && c != OTHER) {
                    return c;
                }
            }
            return OTHER;
        }
    }

    /** LOGIN_START. */
    public record Start(String user, byte[] clientNonce) {
        /** The EXT frame. */
        public SimplePacket frame() {
            byte[] u = user.getBytes(StandardCharsets.UTF_8);
            checkUser(u);
            checkNonce(clientNonce, "client nonce");
            ByteBuffer b = ByteBuffer.allocate(3 + u.length + clientNonce.length);
            b.put((byte) VERSION).put((byte) u.length).put(u).put((byte) clientNonce.length).put(clientNonce);
            return Ext.frame(START, b.array());
        }

        /** Reads a LOGIN_START payload. */
        public static Start parse(byte[] p) {
            Reader r = new Reader(p);
            int version = r.u8();
            if (version != VERSION) {
                throw bad("LOGIN_START version " + version + " (this server speaks " + VERSION + ")");
            }
            byte[] u = r.bytes(r.u8());
            checkUser(u);
            byte[] nonce = r.bytes(r.u8());
            checkNonce(nonce, "client nonce");
            r.end();
            return new Start(new String(u, StandardCharsets.UTF_8), nonce);
        }
    }

    /** LOGIN_CHALLENGE. */
    public record Challenge(int iterations, byte[] salt, byte[] serverNonce) {
        /** The EXT frame. */
        public SimplePacket frame() {
            ByteBuffer b = ByteBuffer.allocate(6 + salt.length + serverNonce.length);
            b.putInt(iterations).put((byte) salt.length).put(salt).put((byte) serverNonce.length).put(serverNonce);
            return Ext.frame(CHALLENGE, b.array());
        }

        /** Reads a LOGIN_CHALLENGE payload. */
        public static Challenge parse(byte[] p) {
            Reader r = new Reader(p);
            int iterations = r.i32();
            byte[] salt = r.bytes(r.u8());
            if (salt.length == 0 || salt.length > MAX_NONCE) {
                throw bad("LOGIN_CHALLENGE salt of " + salt.length + " bytes (1.." + MAX_NONCE + ")");
            }
            byte[] nonce = r.bytes(r.u8());
            checkNonce(nonce, "server nonce");
            r.end();
            return new Challenge(iterations, salt, nonce);
        }
    }

    /** LOGIN_PROOF; {@code identityKey} and {@code identitySignature} are both empty or both present. */
    public record Proof(byte[] clientProof, Optional<byte[]> identityKey, Optional<byte[]> identitySignature) {
        /** The EXT frame. */
        public SimplePacket frame() {
            ByteBuffer b = ByteBuffer.allocate(PROOF_LENGTH + (identityKey.isPresent()
                    ? IDENTITY_KEY_LENGTH + SIGNATURE_LENGTH : 0));
            b.put(clientProof);
            identityKey.ifPresent(b::put);
            identitySignature.ifPresent(b::put);
            return Ext.frame(PROOF, b.array());
        }

        /** Reads a LOGIN_PROOF payload. */
        public static Proof parse(byte[] p) {
            if (p.length == PROOF_LENGTH) {
                return new Proof(p.clone(), Optional.empty(), Optional.empty());
            }
            if (p.length == PROOF_LENGTH + IDENTITY_KEY_LENGTH + SIGNATURE_LENGTH) {
                return new Proof(Arrays.copyOf(p, PROOF_LENGTH),
                        Optional.of(Arrays.copyOfRange(p, PROOF_LENGTH, PROOF_LENGTH + IDENTITY_KEY_LENGTH)),
                        Optional.of(Arrays.copyOfRange(p, PROOF_LENGTH + IDENTITY_KEY_LENGTH, p.length)));
            }
            throw bad("LOGIN_PROOF of " + p.length + " bytes (" + PROOF_LENGTH + " or "
                    + (PROOF_LENGTH + IDENTITY_KEY_LENGTH + SIGNATURE_LENGTH) + ")");
        }
    }

    /** LOGIN_OK. */
    public record Ok(byte[] serverSignature, boolean admin, Vip vip) {
        /** The EXT frame. */
        public SimplePacket frame() {
            ByteBuffer b = ByteBuffer.allocate(PROOF_LENGTH + 1 + Vip.BYTES);
            b.put(serverSignature).put((byte) (admin ? 1 : 0)).putInt(vip.value());
            return Ext.frame(OK, b.array());
        }

        /** Reads a LOGIN_OK payload. */
        public static Ok parse(byte[] p) {
            Reader r = new Reader(p);
            byte[] sig = r.bytes(PROOF_LENGTH);
            int flags = r.u8();
            Vip vip = new Vip(r.i32());
            r.end();
            return new Ok(sig, (flags & 1) != 0, vip);
        }
    }

    /** LOGIN_FAILED. */
    public record Failed(FailureCode code, String reason) {
        /** The EXT frame. */
        public SimplePacket frame() {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[1 + text.length];
            out[0] = (byte) code.code();
            System.arraycopy(text, 0, out, 1, text.length);
            return Ext.frame(FAILED, out);
        }

        /** Reads a LOGIN_FAILED payload. */
        public static Failed parse(byte[] p) {
            if (p.length < 1) {
                throw bad("LOGIN_FAILED without a code");
            }
            return new Failed(FailureCode.of(p[0] & 0xff), new String(p, 1, p.length - 1, StandardCharsets.UTF_8));
        }
    }

    /** VOUCH_REPLY status: nobody logged in holds the vIP (or it is not this server's). */
    public static final int VOUCH_UNKNOWN = 0;
    /** VOUCH_REPLY status: a user holds it and presented no identity key. */
    public static final int VOUCH_USER = 1;
    /** VOUCH_REPLY status: a user holds it and proved the identity key that follows. */
    public static final int VOUCH_USER_WITH_IDENTITY = 2;

    /** VOUCH_REQUEST for {@code vip}. */
    public static SimplePacket vouchRequest(Vip vip) {
        return Ext.frame(VOUCH_REQUEST, ByteBuffer.allocate(Vip.BYTES).putInt(vip.value()).array());
    }

    /** Reads a VOUCH_REQUEST payload. */
    public static Vip parseVouchRequest(byte[] p) {
        Reader r = new Reader(p);
        Vip v = new Vip(r.i32());
        r.end();
        return v;
    }

    /** VOUCH_REPLY; {@code user} empty and {@code identityKey} null for {@link #VOUCH_UNKNOWN}. */
    public record VouchReply(Vip vip, int status, String user, byte[] identityKey) {
        /** The EXT frame. */
        public SimplePacket frame() {
            byte[] u = user.getBytes(StandardCharsets.UTF_8);
            int idLen = status == VOUCH_USER_WITH_IDENTITY ? IDENTITY_KEY_LENGTH : 0;
            ByteBuffer b = ByteBuffer.allocate(Vip.BYTES + 2 + u.length + idLen);
            b.putInt(vip.value()).put((byte) status).put((byte) u.length).put(u);
            if (idLen > 0) {
                b.put(identityKey);
            }
            return Ext.frame(VOUCH_REPLY, b.array());
        }

        /** Reads a VOUCH_REPLY payload. */
        public static VouchReply parse(byte[] p) {
            Reader r = new Reader(p);
            Vip vip = new Vip(r.i32());
            int status = r.u8();
            byte[] u = r.bytes(r.u8());
            if (status > VOUCH_USER_WITH_IDENTITY) {
                throw bad("VOUCH_REPLY status " + status);
            }
            if ((status == VOUCH_UNKNOWN) != (u.length == 0)) {
                throw bad("VOUCH_REPLY status " + status + " with a user name of " + u.length + " bytes");
            }
            byte[] id = status == VOUCH_USER_WITH_IDENTITY ? r.bytes(IDENTITY_KEY_LENGTH) : null;
            r.end();
            return new VouchReply(vip, status, new String(u, StandardCharsets.UTF_8), id);
        }
    }

    /**
     * The AuthMessage both sides sign: {@code "dosp-login-v1" n(1) user n(1) client_nonce n(1) server_nonce n(1) salt
     * iterations(4) vip(4)}, {@code vip} being the vIP the connection holds when LOGIN_START is sent (its AIP).
     */
    public static byte[] authMessage(String user, byte[] clientNonce, byte[] serverNonce, byte[] salt, int iterations,
            Vip vip) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(AUTH_LABEL.length + 4 + u.length + clientNonce.length + serverNonce.length
                + salt.length + 8);
        b.put(AUTH_LABEL).put((byte) u.length).put(u).put((byte) clientNonce.length).put(clientNonce)
                .put((byte) serverNonce.length).put(serverNonce).put((byte) salt.length).put(salt).putInt(iterations)
                .putInt(vip.value());
        return b.array();
    }

    /** What the identity key signs: {@code "dosp-vouch-v1"} followed by the AuthMessage. */
    public static byte[] identitySigned(byte[] authMessage) {
        byte[] out = new byte[VOUCH_LABEL.length + authMessage.length];
        System.arraycopy(VOUCH_LABEL, 0, out, 0, VOUCH_LABEL.length);
        System.arraycopy(authMessage, 0, out, VOUCH_LABEL.length, authMessage.length);
        return out;
    }

    /** Whether {@code user} is a valid user name: 1..64 UTF-8 bytes, no control characters, no spaces, no commas. */
    public static boolean validUser(String user) {
        if (user == null || user.isEmpty()) {
            return false;
        }
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        return u.length <= MAX_USER_LENGTH && user.codePoints().allMatch(c -> c > 0x20 && c != 0x7f && c != ','
                && c != ':' && !Character.isWhitespace(c) && !Character.isISOControl(c));
    }

    private static void checkUser(byte[] u) {
        if (u.length == 0 || u.length > MAX_USER_LENGTH || !validUser(new String(u, StandardCharsets.UTF_8))) {
            throw bad("user name must be 1.." + MAX_USER_LENGTH + " bytes of UTF-8 without spaces, ',' ':' or controls");
        }
    }

    private static void checkNonce(byte[] n, String what) {
        if (n.length < MIN_NONCE || n.length > MAX_NONCE) {
            throw bad(what + " of " + n.length + " bytes (" + MIN_NONCE + ".." + MAX_NONCE + ")");
        }
    }

    private static MalformedPacketException bad(String message) {
        return new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.EXT.code(), message,
                ErrCode.UKNP);
    }

    /** Reads a payload front to back; every short read is a {@link MalformedPacketException}. */
    private static final class Reader {
        private final byte[] p;
        private int at;

        Reader(byte[] p) {
            this.p = p;
        }

        int u8() {
            need(1);
            return p[at++] & 0xff;
        }

        int i32() {
            need(4);
            int v = ((p[at] & 0xff) << 24) | ((p[at + 1] & 0xff) << 16) | ((p[at + 2] & 0xff) << 8) | (p[at + 3] & 0xff);
            at += 4;
            return v;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = Arrays.copyOfRange(p, at, at + n);
            at += n;
            return out;
        }

        void end() {
            if (at != p.length) {
                throw bad("EXT frame has " + (p.length - at) + " bytes too many");
            }
        }

        private void need(int n) {
            if (p.length - at < n) {
                throw bad("EXT frame ends early");
            }
        }
    }
}
