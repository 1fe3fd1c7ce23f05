package io.dosp.server.internal.transport;

import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.FrameMemory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty's WebSocket frame decoder held to the same rules at the door as the DoSP decoder behind it
 * ({@code InboundGuard}): a WebSocket frame's payload waits in this decoder until it is whole, so
 * what it holds for an unfinished frame is reserved from the server's {@link FrameMemory} (refused
 * past its limit: Close 1013, {@link DropReason#FRAME_MEMORY}), and a frame must be whole within the
 * frame timeout of its first buffered byte (Close 1008, {@link DropReason#FRAME_TIMEOUT}). Time in
 * which the server does not read the connection (auto-read off: flow control) does not count, and
 * what is already read is then reserved anyway, as {@code InboundGuard} does.
 *
 * <p>One per connection, event loop only.
 */
final class GuardedWebSocketDecoder extends WebSocket13FrameDecoder {
    private static final long NONE = Long.MIN_VALUE;

    private final FrameMemory memory;
    private final long frameNanos;
    private final Counters counters;
    private long reserved;
    private long partialSince = NONE;
    private ScheduledFuture<?> timer;
    private boolean ended;

    GuardedWebSocketDecoder(WebSocketDecoderConfig config, FrameMemory memory, long frameNanos, Counters counters) {
        super(config);
        this.memory = memory;
        this.frameNanos = frameNanos;
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        account(ctx);
    }

    private void account(ChannelHandlerContext ctx) {
        if (ended) {
            return;
        }
        long held = internalBuffer().readableBytes();
        long delta = held - reserved;
        if (delta > 0) {
            if (!ctx.channel().config().isAutoRead()) {
                memory.reserveAnyway(delta); // read before the server paused it: it waits because of us
            } else if (!memory.tryReserve(delta)) {
                end(ctx, DropReason.FRAME_MEMORY, WebSocketCloseStatus.TRY_AGAIN_LATER, "server busy: no memory for the frame");
                return;
            }
        } else if (delta < 0) {
            memory.release(-delta);
        }
        reserved = held;
        if (frameNanos == 0) {
            return;
        }
        if (held == 0) {
            partialSince = NONE;
        } else if (partialSince == NONE) {
            partialSince = System.nanoTime();
            if (timer == null) {
                timer = ctx.executor().schedule(() -> due(ctx), frameNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void due(ChannelHandlerContext ctx) {
        timer = null;
        if (ended || partialSince == NONE) {
            return;
        }
        long now = System.nanoTime();
        if (!ctx.channel().config().isAutoRead()) {
            partialSince = now; // we are not reading: the frame waits for us
        }
        long left = partialSince + frameNanos - now;
        if (left > 0) {
            timer = ctx.executor().schedule(() -> due(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        end(ctx, DropReason.FRAME_TIMEOUT, WebSocketCloseStatus.POLICY_VIOLATION, "frame not completed in time");
    }

    private void end(ChannelHandlerContext ctx, DropReason drop, WebSocketCloseStatus status, String reason) {
        counters.drop(drop);
        release();
        ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    private void release() {
        if (ended) {
            return;
        }
        ended = true;
        memory.release(reserved);
        reserved = 0;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        release();
        super.handlerRemoved0(ctx);
    }
}
