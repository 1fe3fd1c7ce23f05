package io.dosp.server.internal.transport;

import io.dosp.protocol.PacketCodec;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.PromiseCombiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket transport's adapter, between Netty's WebSocket frame codec and the one DoSP
 * pipeline ({@code codec}, {@code idle}, {@code session}); named {@code ws}. What the reference does
 * on the wire (spec section 10), and what it should have done:
 *
 * <ul>
 *   <li>Inbound, the payloads of binary messages are one byte stream: each binary or continuation
 *       frame's bytes go to the DoSP decoder as they come, so frames split over messages, several
 *       frames in one message and fragmented messages all decode. Empty messages (the reference
 *       client sends one before every read) and text messages (with their continuations) are
 *       dropped. A message larger than {@code maxMessageSize}, fragments together, closes the
 *       connection with status 1009 ({@link DropReason#WS_MESSAGE_TOO_LARGE}).</li>
 *   <li>Outbound, every DoSP frame is one binary message: a buffer of several encoded frames (the
 *       session's batches) is cut into one message per frame, without copying, and the write's
 *       promise completes when all of them are written (fails when one fails, so the session's write
 *       tracking answers the batch's S2C).</li>
 *   <li>A Ping is answered with a Pong carrying its payload (RFC 6455), while the connection is
 *       writable (a peer that pings and never reads cannot grow our buffers); a Close is answered
 *       with a Close and the connection ends; when the server closes (after EXIT, on kick or
 *       shutdown) a Close frame (1000) is flushed before the TCP close.</li>
 * </ul>
 *
 * <p>One per connection, event loop only.
 */
final class WebSocketFrames extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketFrames.class);

    private final int maxMessageSize;
    private final Counters counters;
    private final PeerLog log;
    private final LogLimiter closeLog;
    /** Bytes of the binary message being received (its fragments so far). */
    private long messageBytes;
    /** The message being received is a text message: its continuations are dropped too. */
    private boolean inText;
    private boolean closeSent;

    WebSocketFrames(int maxMessageSize, Counters counters, PeerLog log) {
        this.maxMessageSize = maxMessageSize;
        this.counters = counters;
        this.log = log;
        this.closeLog = log.limiter("ws.close");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (frame instanceof BinaryWebSocketFrame) {
            inText = false;
            messageBytes = 0;
            data(ctx, frame);
        } else if (frame instanceof ContinuationWebSocketFrame) {
            if (inText) {
                frame.release();
            } else {
                data(ctx, frame);
            }
        } else if (frame instanceof TextWebSocketFrame) {
            inText = !frame.isFinalFragment(); // the reference ignores text messages; so do we
            frame.release();
        } else if (frame instanceof PingWebSocketFrame) {
            if (ctx.channel().isWritable() && !closeSent) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content()));
            } else {
                frame.release(); // RFC 6455 5.5.3: answering only the latest Ping is enough
            }
        } else if (frame instanceof CloseWebSocketFrame close) {
            int status = close.statusCode();
            close.release();
            if (!closeSent) {
                closeSent = true;
                CloseWebSocketFrame reply = status < 0 ? new CloseWebSocketFrame(true, 0)
                        : new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE);
                ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        } else {
            frame.release(); // Pong: nothing to do
        }
    }

    private void data(ChannelHandlerContext ctx, WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (closeSent) {
            frame.release(); // closing: what still comes is not read
            return;
        }
        messageBytes += content.readableBytes();
        if (messageBytes > maxMessageSize) {
            frame.release();
            tooLarge(ctx);
            return;
        }
        if (!content.isReadable()) {
            frame.release();
            return;
        }
        ctx.fireChannelRead(content); // the frame's reference passes on with its content
    }

    private void tooLarge(ChannelHandlerContext ctx) {
        counters.drop(DropReason.WS_MESSAGE_TOO_LARGE);
        if (closeLog.allow()) {
            LOG.info("Closing WebSocket connection {}: a message of more than {} bytes (status 1009){}",
                    ctx.channel().remoteAddress(), maxMessageSize, closeLog.heldBackNote());
        }
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG,
                "message larger than " + maxMessageSize + " bytes")).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            writeFrames(ctx, buf, promise);
        } finally {
            buf.release();
        }
    }

    /** One binary message per DoSP frame of {@code buf} (slices: no copy); {@code buf} stays the caller's to release. */
    private static void writeFrames(ChannelHandlerContext ctx, ByteBuf buf, ChannelPromise promise) {
        int pos = buf.readerIndex();
        int end = buf.writerIndex();
        if (pos == end) {
            promise.trySuccess();
            return;
        }
        int first = frameLength(buf, pos, end);
        if (pos + first == end) {
            // Sliced even when whole: the buffer's reader index is what the session's write tracking reads back.
            ctx.write(new BinaryWebSocketFrame(buf.retainedSlice(pos, first)), promise);
            return;
        }
        boolean isVoid = promise.isVoid();
        PromiseCombiner all = isVoid ? null : new PromiseCombiner(ctx.executor());
        while (pos < end) {
            int n = frameLength(buf, pos, end);
            BinaryWebSocketFrame f = new BinaryWebSocketFrame(buf.retainedSlice(pos, n));
            if (isVoid) {
                ctx.write(f, ctx.voidPromise());
            } else {
                all.add(ctx.write(f));
            }
            pos += n;
        }
        if (!isVoid) {
            all.finish(promise);
        }
    }

    /** The length of the frame at {@code pos} with its header, or what is left when the buffer ends first (never lost). */
    private static int frameLength(ByteBuf buf, int pos, int end) {
        if (end - pos < PacketCodec.HEADER_BYTES) {
            return end - pos;
        }
        long n = PacketCodec.HEADER_BYTES + buf.getUnsignedInt(pos + 1);
        return (int) Math.min(n, end - pos);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!closeSent && ctx.channel().isActive()) {
            closeSent = true;
            // Flushed now, ahead of the close: after EXIT, a peer sees a proper Close (the reference's never comes).
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
        }
        ctx.close(promise);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException c) {
            // Netty's frame decoder has sent its Close (1009 for a frame over the limit, 1002 for a protocol error).
            boolean tooBig = c.closeStatus() != null
                    && c.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code();
            counters.drop(tooBig ? DropReason.WS_MESSAGE_TOO_LARGE : DropReason.WS_BAD_REQUEST);
            closeSent = true;
            if (closeLog.allow()) {
                LOG.info("Closing WebSocket connection {}: {}{}", ctx.channel().remoteAddress(), log.text(c.getMessage()),
                        closeLog.heldBackNote());
            }
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
