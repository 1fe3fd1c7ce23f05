package io.dosp.codec;

import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Vip;
import io.netty.buffer.ByteBuf;

/**
 * Reads back frames that were already encoded, uncompressed, into a buffer (a server's batch of
 * outgoing frames): which S2C frames a write did not finish, and whom they came from. Absolute
 * reads only; the buffer's indexes and contents are left as they are.
 *
 * <p>Stateless and thread-safe; the caller owns the buffer while it walks it.
 */
public final class EncodedFrames {

    /** What {@link #forEachUnwrittenS2c} reports for each S2C frame it finds. */
    @FunctionalInterface
    public interface S2cVisitor {
        /** An S2C frame to {@code dst} from {@code src} (32-bit vIP values). */
        void s2c(int dst, int src);
    }

    private EncodedFrames() {
    }

    /**
     * Visits every S2C frame of {@code buf} between {@code from} and {@code to} (the frames
     * start at {@code from}) that does not end at or before {@code written}: the frames a write
     * that got as far as {@code written} did not deliver whole. Non-S2C frames are skipped; a
     * truncated frame at the end ends the walk.
     *
     * @return the number of S2C frames visited
     */
    public static int forEachUnwrittenS2c(ByteBuf buf, int from, int to, int written, S2cVisitor visitor) {
        int visited = 0;
        int pos = from;
        while (to - pos >= PacketCodec.HEADER_BYTES) {
            int type = buf.getUnsignedByte(pos);
            long length = buf.getUnsignedInt(pos + 1);
            long end = pos + PacketCodec.HEADER_BYTES + length;
            if (end > to) {
                break;
            }
            if (end > written && type == PacketType.S2C.code() && length >= 2L * Vip.BYTES) {
                int body = pos + PacketCodec.HEADER_BYTES;
                visitor.s2c(buf.getInt(body), buf.getInt(body + Vip.BYTES));
                visited++;
            }
            pos = (int) end;
        }
        return visited;
    }
}
