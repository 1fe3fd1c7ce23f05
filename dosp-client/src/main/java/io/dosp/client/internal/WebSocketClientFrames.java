package io.dosp.client.internal;

import io.dosp.client.HandshakeException;
import io.dosp.protocol.internal.LogText;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;

/**
 * The client's WebSocket adapter ({@code ws}), the mirror of the server's: the payloads of binary
 * messages (and their continuations) are handed to the DoSP decoder as one byte stream, so a frame
 * split over messages or several frames in one message decode; empty and text messages are
 * dropped. Every buffer the codec writes (one DoSP frame) leaves as one binary message. Pings,
 * Pongs and Close are Netty's {@link WebSocketClientProtocolHandler}'s (Pong with the Ping's payload;
 * a Close frame when the connection is closed). A failed upgrade fails the DoSP handshake with what
 * went wrong. One per connection, event loop only.
 */
final class WebSocketClientFrames extends ChannelDuplexHandler {
    /** Bytes of the HTTP response to the upgrade (an error page included) the client reads at most. */
    static final int MAX_UPGRADE_RESPONSE = 8192;

    private final ConnectionState state;
    private boolean inText;

    WebSocketClientFrames(ConnectionState state) {
        this.state = state;
    }

    /** The largest message accepted: one frame of {@code maxFrameSize} with its header. */
    static int maxMessage(int maxFrameSize) {
        return (int) Math.min(Integer.MAX_VALUE, maxFrameSize + 5L);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean data = frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame && !inText;
        if (frame instanceof TextWebSocketFrame) {
            inText = !frame.isFinalFragment();
        } else if (frame instanceof BinaryWebSocketFrame) {
            inText = false;
        }
        if (data && frame.content().isReadable()) {
            ctx.fireChannelRead(frame.content());
        } else {
            frame.release();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            ctx.write(new BinaryWebSocketFrame(buf), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof WebSocketHandshakeException && !state.handshake.isDone()) {
            state.handshake.completeExceptionally(new HandshakeException("WebSocket upgrade with DoSP server "
                    + state.server + " failed: " + LogText.of(cause.getMessage())));
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
