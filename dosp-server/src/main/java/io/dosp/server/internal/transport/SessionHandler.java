package io.dosp.server.internal.transport;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packets;
import io.dosp.server.internal.session.ClientSession;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Netty handler in front of a {@link ClientSession}: translates channel events into
 * session calls and makes sure nothing thrown while handling a packet escapes unlogged or kills
 * the connection's event loop. One per channel, used on its event loop.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);

    private final Connections connections;
    private ClientSession session;

    SessionHandler(Connections connections) {
        this.connections = connections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (connections.clustered()) {
            // The vIP is claimed cluster-wide first: nothing is read until the session exists.
            ctx.channel().config().setAutoRead(false);
            connections.openLater(ctx.channel(), s -> {
                session = s;
                if (s != null) {
                    ctx.channel().config().setAutoRead(true);
                }
            });
        } else {
            session = connections.open(ctx.channel());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (session == null) {
            return; // refused connection: EXIT is on its way, the rest is ignored
        }
        try {
            session.onMessage(msg);
        } catch (RuntimeException e) {
            LOG.error("Unexpected error handling a packet from {}; answering ERR and carrying on", session, e);
            session.deliver(Packets.err(ErrCode.UKNP, "internal error"));
        } catch (OutOfMemoryError e) {
            session.onOutOfMemory(e); // S2C that could not be queued were answered where they were allocated
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (session != null) {
            session.onReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && session != null) {
            session.onIdle();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (session != null) {
            session.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            session.onInactive();
            connections.closed(session);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof EncoderException) {
            LOG.warn("Could not encode a packet for {}: {}", session, cause.getCause() != null ? cause.getCause().getMessage()
                    : cause.getMessage());
            return;
        }
        if (cause instanceof IOException) {
            LOG.debug("I/O error on {}: {}", session != null ? session : ctx.channel(), cause.toString());
        } else {
            LOG.warn("Unexpected error on {}; closing it", session != null ? session : ctx.channel(), cause);
        }
        ctx.close();
    }
}
