package io.dosp.server.internal.federation;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The extension frames servers of this project exchange over a peer link (custom types
 * {@code 0xF0..0xF7}, reserved while federation is on). Reference peers never see them: a
 * reference peer answers HELLO with ERR UKNP and the link falls back to plain S2C. Link protocol
 * version 2 (byte by byte, with an example, in README "Peer link frames"):
 *
 * <pre>
 * HELLO     F0  version(1)=2 server_id(16) nonce(16) host_len(1) host port(2)
 *               dialed_len(1) dialed_host dialed_port(2)                            linker  -> listener
 * CHALLENGE F1  server_id(16) nonce(16) mac(32)                                     listener -> linker
 * PROOF     F2  mac(32)                                                             linker  -> listener
 * ACCEPT    F3  mac(32)                                                             listener -> linker
 * FWD       F4  hop_limit(1) dst(4) src(4) data                                     forwarded S2C
 * FWD_FAIL  F5  hop_limit(1) dst(4) src(4)                                          "dst unreachable", routed to src
 * CAPS      F6  caps(1) mac(32)                     listener -> linker before ACCEPT; linker -> listener after it
 * LINK_EXT  F7  kind(1) payload                     a federation extension's frame ({@link PeerLinks}), either way
 * </pre>
 *
 * <p>CAPS makes a link two-way: the listener offers {@link #CAP_TWO_WAY} just before ACCEPT (an
 * older build of ours ignores the frame), and a linker that takes it answers with its own CAPS as
 * its first frame after ACCEPT; the listener's mac has label {@code "dosp-link-v2 caps"}, the
 * linker's {@code "dosp-link-v2 caps reply"}, both over the transcript followed by the caps byte.
 * A listener that sees any other first frame treats the linker as an older build (one-way link, it
 * links back). LINK_EXT travels only over two-way links.
 *
 * Each mac is HMAC-SHA256(mesh_key, label | transcript) with transcript = the whole HELLO body
 * as sent (the linker's id and nonce, the host and port it advertises and the
 * address it dialed) | listener_id | listener_nonce, and label {@code "dosp-link-v2 challenge"},
 * {@code "dosp-link-v2 proof"} or {@code "dosp-link-v2 accept"}. Every mac is compared in
 * constant time. A relay cannot make either side accept: the listener refuses a HELLO that dialed
 * an address not its own, a rewritten HELLO changes the transcript, and ACCEPT carries a mac only
 * the listener can compute. Version 1 (an older build of ours: no dialed address, proofs over the
 * nonces and ids only, an empty ACCEPT) is refused with a clear EXIT, never half-linked.
 * Stateless and thread-safe.
 */
public final class LinkFrames {
    /** Linker to listener: version, server id, nonce, host and port, the address dialed. */
    public static final int HELLO = 0xF0;
    /** Listener to linker: its server id, nonce and mac. */
    public static final int CHALLENGE = 0xF1;
    /** Linker to listener: the linker's mac. */
    public static final int PROOF = 0xF2;
    /** Listener to linker: the link is up, with the listener's mac. */
    public static final int ACCEPT = 0xF3;
    /** A forwarded S2C with its hop limit. */
    public static final int FWD = 0xF4;
    /** "DST unreachable", routed back to SRC's server. */
    public static final int FWD_FAIL = 0xF5;
    /** Capabilities, both ways: the listener's offer before ACCEPT, the linker's answer after it. */
    public static final int CAPS = 0xF6;
    /** A federation extension's frame: kind(1) payload; only over two-way links. */
    public static final int EXT = 0xF7;
    /** CAPS bit: the link forwards, advertises and carries LINK_EXT frames in both directions. */
    static final int CAP_TWO_WAY = 0x01;
    /** The link protocol version this build speaks (HELLO's first byte). */
    static final int VERSION = 2;
    static final int ID_LENGTH = 16;
    static final int NONCE_LENGTH = 16;
    static final int PROOF_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a mac stands for. */
    enum Step {
        CHALLENGE("dosp-link-v2 challenge"), PROOF("dosp-link-v2 proof"), ACCEPT("dosp-link-v2 accept"),
        CAPS("dosp-link-v2 caps"), CAPS_REPLY("dosp-link-v2 caps reply");

        private final byte[] label;

        Step(String label) {
            this.label = label.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private LinkFrames() {
    }

    /** True for the reserved link frame types. */
    public static boolean isLinkFrame(int type) {
        return type >= HELLO && type <= EXT;
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * A HELLO body's fields; {@code body} is the whole body as sent (the start of the transcript).
     * {@code version} other than {@link #VERSION}: only it is set.
     */
    record Hello(int version, byte[] serverId, byte[] nonce, String host, int port, String dialedHost, int dialedPort,
            byte[] body) {
    }

    static SimplePacket hello(byte[] serverId, byte[] nonce, String host, int port, String dialedHost, int dialedPort) {
        return Packets.custom(HELLO, helloBody(serverId, nonce, host, port, dialedHost, dialedPort));
    }

    static byte[] helloBody(byte[] serverId, byte[] nonce, String host, int port, String dialedHost, int dialedPort) {
        byte[] h = cut(host);
        byte[] d = cut(dialedHost);
        ByteBuffer b = ByteBuffer.allocate(1 + ID_LENGTH + NONCE_LENGTH + 1 + h.length + 2 + 1 + d.length + 2);
        b.put((byte) VERSION).put(serverId).put(nonce).put((byte) h.length).put(h).putShort((short) port)
                .put((byte) d.length).put(d).putShort((short) dialedPort);
        return b.array();
    }

    private static byte[] cut(String host) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        if (h.length > 255) {
            throw new IllegalArgumentException("host name longer than 255 bytes: " + host.length() + " chars");
        }
        return h;
    }

    static Hello parseHello(byte[] body) {
        require(body.length >= 1, HELLO, "empty HELLO");
        int version = body[0] & 0xff;
        if (version != VERSION) {
            return new Hello(version, null, null, null, 0, null, 0, body);
        }
        require(body.length >= 1 + ID_LENGTH + NONCE_LENGTH + 1 + 2 + 1 + 2, HELLO, "bad HELLO");
        ByteBuffer b = ByteBuffer.wrap(body, 1, body.length - 1);
        byte[] id = new byte[ID_LENGTH];
        byte[] nonce = new byte[NONCE_LENGTH];
        b.get(id).get(nonce);
        int hl = b.get() & 0xff;
        require(b.remaining() >= hl + 2 + 1 + 2, HELLO, "bad HELLO host length");
        byte[] h = new byte[hl];
        b.get(h);
        int port = b.getShort() & 0xffff;
        int dl = b.get() & 0xff;
        require(b.remaining() == dl + 2, HELLO, "bad HELLO dialed host length");
        byte[] d = new byte[dl];
        b.get(d);
        return new Hello(version, id, nonce, new String(h, StandardCharsets.UTF_8), port,
                new String(d, StandardCharsets.UTF_8), b.getShort() & 0xffff, body);
    }

    static SimplePacket challenge(byte[] serverId, byte[] nonce, byte[] mac) {
        return Packets.custom(CHALLENGE, ByteBuffer.allocate(ID_LENGTH + NONCE_LENGTH + PROOF_LENGTH)
                .put(serverId).put(nonce).put(mac).array());
    }

    static SimplePacket proof(byte[] mac) {
        return Packets.custom(PROOF, mac);
    }

    static SimplePacket accept(byte[] mac) {
        return Packets.custom(ACCEPT, mac);
    }

    /** HMAC-SHA256 with the mesh key over {@code step}'s label and the transcript. */
    static byte[] mac(String meshKey, Step step, byte[] helloBody, byte[] listenerId, byte[] listenerNonce) {
        return mac(meshKey, step, helloBody, listenerId, listenerNonce, new byte[0]);
    }

    /** CAPS: {@code caps(1) mac(32)}, the mac over {@code step}'s label, the transcript and the caps byte. */
    static SimplePacket caps(String meshKey, Step step, int caps, byte[] helloBody, byte[] listenerId,
            byte[] listenerNonce) {
        byte[] c = {(byte) caps};
        return Packets.custom(CAPS, ByteBuffer.allocate(1 + PROOF_LENGTH).put(c)
                .put(mac(meshKey, step, helloBody, listenerId, listenerNonce, c)).array());
    }

    /** The caps byte of a CAPS body whose mac checks (constant time), or -1. */
    static int parseCaps(byte[] body, String meshKey, Step step, byte[] helloBody, byte[] listenerId,
            byte[] listenerNonce) {
        if (body.length != 1 + PROOF_LENGTH) {
            return -1;
        }
        byte[] expected = mac(meshKey, step, helloBody, listenerId, listenerNonce, new byte[] {body[0]});
        return same(expected, java.util.Arrays.copyOfRange(body, 1, body.length)) ? body[0] & 0xff : -1;
    }

    private static byte[] mac(String meshKey, Step step, byte[] helloBody, byte[] listenerId, byte[] listenerNonce,
            byte[] extra) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(meshKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(step.label);
            mac.update(helloBody);
            mac.update(listenerId);
            mac.update(listenerNonce);
            mac.update(extra);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time comparison of macs. */
    static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    static SimplePacket fwd(S2cPacket s, int hopLimit) {
        // One copy of DATA per forwarded frame: the packet takes the array over (no defensive copy).
        byte[] body = ByteBuffer.allocate(9 + s.dataLength()).put((byte) hopLimit).putInt(s.dstValue())
                .putInt(s.srcValue()).put(s.dataBuffer()).array();
        return (SimplePacket) PacketCodec.decodeBody(FWD, body, 0, body.length);
    }

    /** A forwarded S2C with its remaining hop limit. */
    record Forwarded(S2cPacket packet, int hopLimit) {
    }

    static Forwarded parseFwd(SimplePacket p) {
        require(p.bodyLength() >= 9, FWD, "FWD shorter than hop_limit + DST + SRC");
        // After the hop byte the body is exactly an S2C body (DST SRC DATA): share it instead of copying again.
        byte[] body = p.body();
        S2cPacket s2c = (S2cPacket) PacketCodec.decodeBody(PacketType.S2C.code(),
                body, 1, body.length - 1);
        return new Forwarded(s2c, body[0] & 0xff);
    }

    static SimplePacket fwdFail(Vip dst, Vip src, int hopLimit) {
        return Packets.custom(FWD_FAIL, ByteBuffer.allocate(9).put((byte) hopLimit).putInt(dst.value())
                .putInt(src.value()).array());
    }

    /** A delivery failure travelling back to the sender's server. */
    record Failure(Vip dst, Vip src, int hopLimit) {
    }

    static Failure parseFwdFail(SimplePacket p) {
        require(p.bodyLength() == 9, FWD_FAIL, "FWD_FAIL must be 9 bytes");
        byte[] b = p.body();
        return new Failure(Vip.fromBytes(b, 1), Vip.fromBytes(b, 5), b[0] & 0xff);
    }

    /** A LINK_EXT frame of {@code kind} carrying {@code payload}. */
    static SimplePacket ext(int kind, byte[] payload) {
        if (kind < 0 || kind > 255) {
            throw new IllegalArgumentException("link extension kind must be 0..255: " + kind);
        }
        return Packets.custom(EXT, ByteBuffer.allocate(1 + payload.length).put((byte) kind).put(payload).array());
    }

    private static void require(boolean ok, int type, String message) {
        if (!ok) {
            throw new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, type, message,
                    ErrCode.UKNP);
        }
    }
}
