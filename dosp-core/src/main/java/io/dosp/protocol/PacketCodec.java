package io.dosp.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Bodies to packets and packets to bytes, without I/O and without compression (spec sections
 * 1 and 7). The Netty codec in {@code io.dosp.codec} frames streams with it; raw-socket tools
 * and tests can use it directly.
 *
 * <p>Stateless and thread-safe.
 */
public final class PacketCodec {
    /** TYPE(1) + LENGTH(4). */
    public static final int HEADER_BYTES = 5;

    private PacketCodec() {
    }

    /**
     * Builds the packet for a received body. The packet shares {@code body[offset, offset+length)}
     * instead of copying it: the caller hands the array over and must not modify it afterwards.
     *
     * @throws MalformedPacketException if the body does not fit its type (S2C shorter than 8 bytes);
     *         an MPAK with bad sub-frames does not throw but carries them in {@link MpakPacket#errors()}
     */
    public static Packet decodeBody(int typeCode, byte[] body, int offset, int length) {
        if (typeCode == PacketType.S2C.code()) {
            return decodeS2c(body, offset, length);
        }
        if (typeCode == PacketType.MPAK.code()) {
            return decodeMpak(body, offset, length);
        }
        return new SimplePacket(typeCode, body, offset, length);
    }

    private static S2cPacket decodeS2c(byte[] b, int off, int len) {
        if (len < 2 * Vip.BYTES) {
            throw new MalformedPacketException(MalformedPacketException.Reason.BODY_TOO_SHORT, PacketType.S2C.code(),
                    "S2C body of " + len + " bytes is shorter than DST(4) + SRC(4)", ErrCode.S2CF);
        }
        return new S2cPacket(readInt(b, off), readInt(b, off + 4), b, off + 8, len - 8);
    }

    private static MpakPacket decodeMpak(byte[] b, int off, int len) {
        List<Packet> packets = new ArrayList<>();
        List<ProtocolException> errors = new ArrayList<>(0);
        List<Object> inOrder = new ArrayList<>();
        int pos = off;
        int end = off + len;
        while (pos < end) {
            int remaining = end - pos;
            if (remaining < HEADER_BYTES) {
                errors.add(new MalformedPacketException(MalformedPacketException.Reason.TRUNCATED_SUBFRAME,
                        PacketType.MPAK.code(), "MPAK ends with a truncated sub-frame header (" + remaining
                        + " of 5 bytes)", ErrCode.UKNP));
                inOrder.add(errors.get(errors.size() - 1));
                break;
            }
            int type = b[pos] & 0xff;
            long subLen = readInt(b, pos + 1) & 0xFFFFFFFFL;
            if (subLen > remaining - HEADER_BYTES) {
                errors.add(new MalformedPacketException(MalformedPacketException.Reason.TRUNCATED_SUBFRAME,
                        PacketType.MPAK.code(), "MPAK sub-frame " + PacketType.nameOf(type) + " announces " + subLen
                        + " bytes but only " + (remaining - HEADER_BYTES) + " remain", ErrCode.UKNP));
                inOrder.add(errors.get(errors.size() - 1));
                break;
            }
            int bodyStart = pos + HEADER_BYTES;
            pos = bodyStart + (int) subLen;
            if (type == PacketType.MPAK.code()) {
                errors.add(new MalformedPacketException(MalformedPacketException.Reason.NESTED_MPAK,
                        PacketType.MPAK.code(), "MPAK inside MPAK is refused", ErrCode.UKNP));
                inOrder.add(errors.get(errors.size() - 1));
                continue;
            }
            try {
                Packet sub = decodeBody(type, b, bodyStart, (int) subLen);
                packets.add(sub);
                inOrder.add(sub);
            } catch (MalformedPacketException e) {
                errors.add(e);
                inOrder.add(e);
            }
        }
        return new MpakPacket(packets, errors, inOrder);
    }

    /** The whole uncompressed frame: TYPE, LENGTH, body. */
    public static byte[] encode(Packet packet) {
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + packet.bodyLength());
        writeFrame(packet, out);
        return out.array();
    }

    /** The uncompressed body alone (for S2C: DST SRC DATA; for MPAK: the sub-frames). */
    public static byte[] encodeBody(Packet packet) {
        ByteBuffer out = ByteBuffer.allocate(packet.bodyLength());
        writeBody(packet, out);
        return out.array();
    }

    /** Writes TYPE, LENGTH and body at {@code out}'s position. */
    public static void writeFrame(Packet packet, ByteBuffer out) {
        out.put((byte) packet.typeCode());
        out.putInt(packet.bodyLength());
        writeBody(packet, out);
    }

    /** Writes the uncompressed body at {@code out}'s position. */
    public static void writeBody(Packet packet, ByteBuffer out) {
        if (packet instanceof S2cPacket s) {
            out.putInt(s.dstValue());
            out.putInt(s.srcValue());
            s.copyDataTo(out);
        } else if (packet instanceof SimplePacket p) {
            p.copyBodyTo(out);
        } else {
            for (Packet sub : ((MpakPacket) packet).packets()) {
                writeFrame(sub, out);
            }
        }
    }

    /**
     * Decodes exactly one uncompressed frame.
     *
     * @throws MalformedPacketException if {@code frame} is not one whole frame or its body is malformed
     */
    public static Packet decodeFrame(byte[] frame) {
        if (frame.length < HEADER_BYTES) {
            throw new MalformedPacketException(MalformedPacketException.Reason.BODY_TOO_SHORT,
                    frame.length > 0 ? frame[0] & 0xff : 0, "a frame needs 5 header bytes, got " + frame.length,
                    ErrCode.UKNP);
        }
        long len = readInt(frame, 1) & 0xFFFFFFFFL;
        if (len != frame.length - HEADER_BYTES) {
            throw new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, frame[0] & 0xff,
                    "LENGTH says " + len + " body bytes but " + (frame.length - HEADER_BYTES) + " follow", ErrCode.UKNP);
        }
        return decodeBody(frame[0] & 0xff, frame, HEADER_BYTES, (int) len);
    }

    static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
