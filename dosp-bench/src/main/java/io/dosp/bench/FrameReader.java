package io.dosp.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Splits a DoSP byte stream ({@code TYPE(1) LENGTH(4) BODY}) into frames without decoding them
 * into objects: complete frames are handed to the sink as an index range of the read buffer, and
 * only a frame split across reads is copied (once) into a small side buffer.
 *
 * <p>Not thread-safe: one per channel, used on its event loop.
 */
final class FrameReader {
    static final int HEADER = 5;
    private static final int DONE = 0;
    private static final int NEED_MORE = 1;
    private static final int TOO_LARGE = 2;

    /** Receives each frame; {@code buf} is only valid during the call. */
    interface Sink {
        void onFrame(int type, ByteBuf buf, int bodyIndex, int bodyLength);
    }

    private final int maxBody;
    private final Sink sink;
    private ByteBuf partial;

    FrameReader(int maxBody, Sink sink) {
        this.maxBody = maxBody;
        this.sink = sink;
    }

    /**
     * Consumes and releases {@code in}, calling the sink for every complete frame.
     *
     * @return false when a frame announces more than the maximum body: the stream is unusable
     */
    boolean read(ByteBufAllocator alloc, ByteBuf in) {
        try {
            if (partial != null) {
                int status = completePartial(in);
                if (status != DONE) {
                    return status == NEED_MORE;
                }
            }
            int r = in.readerIndex();
            int w = in.writerIndex();
            while (w - r >= HEADER) {
                long len = bodyLength(in, r);
                if (len > maxBody) {
                    return false;
                }
                if (w - r - HEADER < len) {
                    break;
                }
                sink.onFrame(in.getUnsignedByte(r), in, r + HEADER, (int) len);
                r += HEADER + (int) len;
            }
            if (r < w) {
                partial = alloc.heapBuffer(Math.max(64, w - r));
                partial.writeBytes(in, r, w - r);
            }
            return true;
        } finally {
            in.release();
        }
    }

    /** Moves bytes from {@code in} into the pending frame and hands it on once complete. */
    private int completePartial(ByteBuf in) {
        if (partial.readableBytes() < HEADER) {
            partial.writeBytes(in, Math.min(HEADER - partial.readableBytes(), in.readableBytes()));
            if (partial.readableBytes() < HEADER) {
                return NEED_MORE;
            }
        }
        long len = bodyLength(partial, partial.readerIndex());
        if (len > maxBody) {
            return TOO_LARGE;
        }
        int missing = HEADER + (int) len - partial.readableBytes();
        partial.writeBytes(in, Math.min(missing, in.readableBytes()));
        if (partial.readableBytes() < HEADER + len) {
            return NEED_MORE;
        }
        ByteBuf done = partial;
        partial = null;
        try {
            sink.onFrame(done.getUnsignedByte(done.readerIndex()), done, done.readerIndex() + HEADER, (int) len);
        } finally {
            done.release();
        }
        return DONE;
    }

    private static long bodyLength(ByteBuf buf, int index) {
        return buf.getUnsignedInt(index + 1);
    }

    /** Frees the pending partial frame, if any. */
    void release() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }
}
