package io.dosp.server.internal.session;

import io.dosp.codec.DospCodec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * How the server closes a TCP connection after its EXIT: a lingering close. Closing a socket with the client's bytes
 * still unread makes the kernel answer with a reset, and a reset can destroy the EXIT before the client reads it: a
 * client refused while it is still writing (a frame over the memory share, a flood) would then see "connection reset"
 * instead of why. So, when the client may still be writing — the decoder holds bytes of an unfinished frame (or frames
 * it was told to hold), or reading is paused with the client's bytes waiting in the kernel — then once the EXIT is
 * written the server half-closes (TLS close_notify first, then
 * {@code shutdownOutput}), reads and discards what still arrives, and closes when the client closes its side or after
 * {@value #LINGER_MILLIS} ms, whichever is first. Nothing read while lingering is decoded or buffered (a handler at the
 * head of the pipeline releases it), so it costs no memory. The technique is the one web servers use (Apache's
 * {@code lingering_close}); Netty has no handler for it, hence these few lines.
 *
 * <p>Any other connection (the client sent whole frames and waits, e.g. a refused hash or a kick) is closed as soon
 * as the EXIT is written, as before: it frees its connection slot at once. WebSocket connections keep their Close-frame handshake (their adapter sends Close 1000 on close) and in-process
 * channels have no half-close: both are closed at once. Event loop only.
 */
final class LingeringClose {
    /** The longest the server keeps reading (and discarding) after its EXIT. */
    static final long LINGER_MILLIS = 1_000;
    private static final ChannelHandler DISCARD = new Discard();

    private LingeringClose() {
    }

    /** After {@code exitWritten}: half-close, discard input, close on the client's close or the linger timeout. */
    static void afterExit(Channel channel, ChannelFuture exitWritten) {
        if (!exitWritten.isSuccess() || !(channel instanceof DuplexChannel duplex) || channel.pipeline().get("ws") != null
                || !channel.isActive() || !mayHaveUnreadInput(channel)) {
            channel.close();
            return;
        }
        channel.pipeline().addFirst("linger", DISCARD);
        if (channel.pipeline().get("idle") != null) {
            channel.pipeline().remove("idle"); // nothing read while lingering is activity
        }
        channel.config().setAutoRead(true);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        ChannelFuture flushed = ssl != null ? ssl.closeOutbound() : channel.newSucceededFuture();
        flushed.addListener(f -> {
            if (!f.isSuccess() || !channel.isActive()) {
                channel.close();
            } else {
                duplex.shutdownOutput().addListener(s -> {
                    if (!s.isSuccess()) {
                        channel.close();
                    }
                });
            }
        });
    }

    /** Whether closing now could reset the connection: input buffered undecoded, or reading paused. */
    private static boolean mayHaveUnreadInput(Channel channel) {
        if (!channel.config().isAutoRead()) {
            return true;
        }
        DospCodec codec = channel.pipeline().get(DospCodec.class);
        return codec != null && codec.decoder().bufferedBytes() > 0;
    }

    /** Releases everything read; the client's close (end of stream) closes the channel as usual. */
    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing was passed on: the decoder and the session see no read batch
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset while lingering: the client is gone
        }
    }
}
