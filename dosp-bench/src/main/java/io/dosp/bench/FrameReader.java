package io.dosp.bench;

import io.netty.buffer.ByteBuf;

/**
 * Splits a DoSP byte stream ({@code TYPE(1) LENGTH(4) BODY}) into frames without decoding them
 * into objects: complete frames are handed to the sink as an index range of the read buffer, and
 * only a frame split across reads is copied (once) into a small side buffer
 * ({@link StreamSplitter}). {@link #read} returns false when a frame announces more than the
 * maximum body, before any of it is buffered.
 *
 * <p>Not thread-safe: one per channel, used on its event loop.
 */
final class FrameReader extends StreamSplitter {
    static final int HEADER = 5;

    /** Receives each frame; {@code buf} is only valid during the call. */
    interface Sink {
        void onFrame(int type, ByteBuf buf, int bodyIndex, int bodyLength);
    }

    private final int maxBody;
    private final Sink sink;

    FrameReader(int maxBody, Sink sink) {
        this.maxBody = maxBody;
        this.sink = sink;
    }

    @Override
    long total(ByteBuf buf, int from, int to) {
        if (to - from < HEADER) {
            return INCOMPLETE;
        }
        long len = buf.getUnsignedInt(from + 1);
        return len > maxBody ? INVALID : HEADER + len;
    }

    @Override
    int headerBytes(ByteBuf partial, ByteBuf in) {
        return Math.max(0, Math.min(HEADER - partial.readableBytes(), in.readableBytes()));
    }

    @Override
    boolean dispatch(ByteBuf buf, int from, int total) {
        sink.onFrame(buf.getUnsignedByte(from), buf, from + HEADER, total - HEADER);
        return true;
    }
}
