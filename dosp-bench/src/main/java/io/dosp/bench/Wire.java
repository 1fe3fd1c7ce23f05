package io.dosp.bench;

import io.dosp.protocol.PacketType;
import io.netty.buffer.ByteBuf;

/**
 * Hand-encoded DoSP frames for the load generator (spec section 1), written straight into
 * pooled buffers so that the generator spends its time on the wire, not on packet objects.
 */
final class Wire {
    static final int S2C = PacketType.S2C.code();
    static final int EXIT = PacketType.EXIT.code();
    static final int ERR = PacketType.ERR.code();
    static final int AIP = PacketType.AIP.code();
    static final int HSK = PacketType.HSK.code();
    static final int MSG = PacketType.MSG.code();
    static final int AUTH = PacketType.AUTH.code();
    static final int BCST = PacketType.BCST.code();
    /** DST and SRC in front of S2C DATA. */
    static final int S2C_ADDRESSES = 8;
    /** Sequence number and send time at the start of every generated DATA (or tunnel plaintext). */
    static final int STAMP = 16;

    private Wire() {
    }

    /** Bytes on the wire for an S2C frame with {@code dataLength} bytes of DATA. */
    static int s2cFrameLength(int dataLength) {
        return FrameReader.HEADER + S2C_ADDRESSES + dataLength;
    }

    /** S2C with DATA {@code seq(8) sendNanos(8)} followed by zeros up to {@code dataLength}. */
    static void writeStampedS2c(ByteBuf out, int dst, int src, long seq, long sendNanos, int dataLength) {
        out.writeByte(S2C);
        out.writeInt(S2C_ADDRESSES + dataLength);
        out.writeInt(dst);
        out.writeInt(src);
        out.writeLong(seq);
        out.writeLong(sendNanos);
        out.writeZero(dataLength - STAMP);
    }

    /** S2C carrying {@code data} as DATA. */
    static void writeS2c(ByteBuf out, int dst, int src, byte[] data) {
        out.writeByte(S2C);
        out.writeInt(S2C_ADDRESSES + data.length);
        out.writeInt(dst);
        out.writeInt(src);
        out.writeBytes(data);
    }

    /** Any frame with {@code body}. */
    static void writeFrame(ByteBuf out, int type, byte[] body) {
        out.writeByte(type);
        out.writeInt(body.length);
        out.writeBytes(body);
    }

    /** The big-endian long at {@code offset} of {@code b}. */
    static long getLong(byte[] b, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[offset + i] & 0xff);
        }
        return v;
    }

    /** Writes {@code v} big-endian at {@code offset} of {@code b}. */
    static void putLong(byte[] b, int offset, long v) {
        for (int i = 7; i >= 0; i--) {
            b[offset + i] = (byte) v;
            v >>>= 8;
        }
    }
}
