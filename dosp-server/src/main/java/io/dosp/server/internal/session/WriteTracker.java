package io.dosp.server.internal.session;

import io.dosp.codec.EncodedFrames;
import io.dosp.protocol.Packet;
import io.dosp.protocol.S2cPacket;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.EncoderException;

/**
 * Follows one session's writes to its socket so that no S2C it accepted is lost silently: a write
 * that fails (the connection ended with it still queued, or it could not be encoded) answers every
 * S2C it carried with ERR S2CF to its sender, through {@link UndeliveredS2c}. Completed writes are
 * also the progress the slow-consumer check looks for.
 *
 * <p>How the senders are found: a batch is one buffer of uncompressed frames, so it is kept
 * (retained, no copy) until its write completes and, if that fails, its frames are read back with
 * {@link EncodedFrames}; nothing is recorded per frame on the hot path. On plain TCP a partly
 * written batch's reader index says how far it got, so only frames not written whole are answered.
 * Under TLS the handler consumes the plaintext before it reaches the socket, so a failed batch is
 * answered whole: a sender may then hear S2CF for a frame that did reach the client (at most one
 * batch, 64 KiB), never silence. Over WebSocket the adapter cuts a batch into slices (one message
 * per frame), so the batch's own reader index never moves and a failed batch is answered whole too. Compressed sessions write each S2C as a packet object with its own
 * listener, so no inflating is needed.
 *
 * <p>Threading: event loop only (Netty notifies listeners there). Owned by one {@link OutboundQueue}.
 */
final class WriteTracker {
    private final Channel channel;
    private final Counters counters;
    private final UndeliveredS2c undelivered;
    private final boolean exact;
    private long completed;
    private int answered;

    WriteTracker(Channel channel, Counters counters, UndeliveredS2c undelivered) {
        this.channel = channel;
        this.counters = counters;
        this.undelivered = undelivered;
        this.exact = channel.pipeline().get("tls") == null;
    }

    /** Writes that completed (either way) so far: progress for the slow-consumer check. */
    long completed() {
        return completed;
    }

    /** S2C answered with S2CF by this session so far. */
    int answered() {
        return answered;
    }

    /** A promise for writing batch {@code b}: on failure, the S2C frames it did not write whole are answered. */
    ChannelPromise batch(ByteBuf b) {
        ChannelPromise p = channel.newPromise();
        p.addListener(new BatchListener(b.retain(), b.readerIndex(), b.writerIndex()));
        return p;
    }

    /** A promise for writing S2C {@code s} as a packet (compressed sessions): on failure, it is answered. */
    ChannelPromise packet(S2cPacket s) {
        ChannelPromise p = channel.newPromise();
        p.addListener((ChannelFutureListener) f -> {
            completed++;
            if (!f.isSuccess()) {
                answer(s.srcValue(), s.dstValue(), reasonOf(f));
            }
        });
        return p;
    }

    /** Batch {@code b} will never be written: answers its S2C frames. Does not release it. */
    void unwritten(ByteBuf b, DropReason reason) {
        EncodedFrames.forEachUnwrittenS2c(b, b.readerIndex(), b.writerIndex(), b.readerIndex(),
                (dst, src) -> answer(src, dst, reason));
    }

    /** {@code p} will never be written: answers it if it is an S2C. */
    void unwritten(Packet p, DropReason reason) {
        if (p instanceof S2cPacket s) {
            answer(s.srcValue(), s.dstValue(), reason);
        }
    }

    private void answer(int src, int dst, DropReason reason) {
        counters.drop(reason);
        answered++;
        try {
            undelivered.report(src, dst);
        } catch (OutOfMemoryError e) {
            counters.drop(DropReason.OUT_OF_MEMORY); // counted twice as lost: the answer itself could not be made
        }
    }

    private static DropReason reasonOf(ChannelFuture f) {
        Throwable c = f.cause();
        if (c instanceof EncoderException && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof OutOfMemoryError ? DropReason.OUT_OF_MEMORY : DropReason.QUEUED_AT_CLOSE;
    }

    /** Keeps a written batch until its write completes. */
    private final class BatchListener implements ChannelFutureListener {
        private final ByteBuf buf;
        private final int start;
        private final int end;

        BatchListener(ByteBuf buf, int start, int end) {
            this.buf = buf;
            this.start = start;
            this.end = end;
        }

        @Override
        public void operationComplete(ChannelFuture f) {
            completed++;
            try {
                if (!f.isSuccess()) {
                    int written = exact ? Math.max(start, Math.min(end, buf.readerIndex())) : start;
                    DropReason reason = reasonOf(f);
                    EncodedFrames.forEachUnwrittenS2c(buf, start, end, written, (dst, src) -> answer(src, dst, reason));
                }
            } finally {
                buf.release();
            }
        }
    }
}
