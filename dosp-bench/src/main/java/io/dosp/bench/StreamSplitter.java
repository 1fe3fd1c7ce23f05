package io.dosp.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Cuts a byte stream into frames without decoding them into objects: complete frames are handed
 * on as an index range of the read buffer, and only a frame split across reads is copied (once)
 * into a small side buffer. Subclasses say how long a frame is ({@link FrameReader}: DoSP
 * {@code TYPE LENGTH BODY}; {@link NatsReader}: NATS text operations).
 *
 * <p>Not thread-safe: one per channel, used on its event loop.
 */
abstract class StreamSplitter {
    /** {@link #total} result: too few bytes to tell the frame's length yet. */
    static final long INCOMPLETE = -1;
    /** {@link #total} result: not a valid frame, or larger than the maximum: the stream is unusable. */
    static final long INVALID = -2;
    private static final int DONE = 0;
    private static final int NEED_MORE = 1;
    private static final int BROKEN = 2;

    private ByteBuf partial;
    /** Length of the frame in {@link #partial} once known, else {@link #INCOMPLETE}. */
    private long partialTotal = INCOMPLETE;

    /** Bytes of the frame starting at {@code from} ({@code to} is the end of what was read), or INCOMPLETE / INVALID. */
    abstract long total(ByteBuf buf, int from, int to);

    /** How many bytes of {@code in} to add to the pending {@code partial} frame so that {@link #total} can tell its length. */
    abstract int headerBytes(ByteBuf partial, ByteBuf in);

    /** Hands on the complete frame {@code [from, from + total)}; false when it is malformed. */
    abstract boolean dispatch(ByteBuf buf, int from, int total);

    /**
     * Consumes and releases {@code in}, handing on every complete frame.
     *
     * @return false when the stream is unusable (a frame over the maximum, or malformed)
     */
    final boolean read(ByteBufAllocator alloc, ByteBuf in) {
        try {
            if (partial != null) {
                int status = completePartial(in);
                if (status != DONE) {
                    return status == NEED_MORE;
                }
            }
            int r = in.readerIndex();
            int w = in.writerIndex();
            long total = INCOMPLETE;
            while (r < w) {
                total = total(in, r, w);
                if (total == INVALID) {
                    return false;
                }
                if (total == INCOMPLETE || total > w - r) {
                    break;
                }
                if (!dispatch(in, r, (int) total)) {
                    return false;
                }
                r += (int) total;
                total = INCOMPLETE;
            }
            if (r < w) {
                partial = alloc.heapBuffer(Math.max(64, w - r));
                partial.writeBytes(in, r, w - r);
                partialTotal = total;
            }
            return true;
        } finally {
            in.release();
        }
    }

    /** Moves bytes from {@code in} into the pending frame and hands it on once complete. */
    private int completePartial(ByteBuf in) {
        if (partialTotal == INCOMPLETE) {
            partial.writeBytes(in, headerBytes(partial, in));
            partialTotal = total(partial, partial.readerIndex(), partial.writerIndex());
            if (partialTotal == INVALID) {
                return BROKEN;
            }
            if (partialTotal == INCOMPLETE) {
                return NEED_MORE;
            }
        }
        long missing = partialTotal - partial.readableBytes();
        partial.writeBytes(in, (int) Math.min(missing, in.readableBytes()));
        if (partial.readableBytes() < partialTotal) {
            return NEED_MORE;
        }
        ByteBuf done = partial;
        partial = null;
        partialTotal = INCOMPLETE;
        try {
            return dispatch(done, done.readerIndex(), done.readableBytes()) ? DONE : BROKEN;
        } finally {
            done.release();
        }
    }

    /** Frees the pending partial frame, if any. */
    final void release() {
        if (partial != null) {
            partial.release();
            partial = null;
            partialTotal = INCOMPLETE;
        }
    }
}
