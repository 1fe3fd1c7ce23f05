package io.dosp.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;

/**
 * The NATS text protocol for an endpoint: on the server's INFO it sends
 * {@code CONNECT {"verbose":false,"pedantic":false}}, {@code SUB <own subject> 1} and
 * {@code PING}; the PONG means the subscription is in place and the endpoint is ready. Each
 * message is {@code PUB <partner's subject> <n>\r\n<payload>\r\n} with the same payload as DoSP
 * DATA; every {@code MSG} payload goes to the endpoint, a server {@code PING} is answered with
 * {@code PONG}. NATS has no "not delivered" answer: what it drops (a slow consumer) is lost.
 *
 * <p>Hand-written, with {@link NatsReader}, instead of using jnats: jnats has its own reader and
 * writer threads and its own buffering, which would make the comparison with the DoSP target
 * (same sockets, event loops and batching here) unfair to one side or the other.
 *
 * <p>Not thread-safe: one per endpoint, on its event loop.
 */
final class NatsEndpointWire implements EndpointWire, NatsReader.Sink {
    private static final byte[] CONNECT = ascii("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n");
    private static final byte[] PING = ascii("PING\r\n");
    private static final byte[] PONG = ascii("PONG\r\n");
    private static final byte[] CRLF = ascii("\r\n");

    private final String subscribeSubject;
    private final String publishSubject;
    private final Events events;
    private final NatsReader reader;
    private ChannelHandlerContext ctx;
    private boolean connectSent;
    private boolean ready;
    /** {@code PUB <subject> <n>\r\n} for the last length written, so a stream of equal messages formats it once. */
    private byte[] pubHeader = new byte[0];
    private int pubHeaderLength = -1;

    /**
     * @param subscribeSubject where messages for this endpoint arrive
     * @param publishSubject   where the partner listens
     */
    NatsEndpointWire(String subscribeSubject, String publishSubject, int maxData, Events events) {
        this.subscribeSubject = subscribeSubject;
        this.publishSubject = publishSubject;
        this.events = events;
        this.reader = new NatsReader(Math.max(1 << 20, maxData), this);
    }

    @Override
    public void start(ChannelHandlerContext context) {
        this.ctx = context; // CONNECT waits for the server's INFO
    }

    @Override
    public boolean read(ChannelHandlerContext context, ByteBuf in) {
        if (!reader.read(context.alloc(), in)) {
            events.fail("not a NATS stream (bad control line or payload) from " + context.channel().remoteAddress());
            return false;
        }
        return true;
    }

    @Override
    public void onOp(int op, ByteBuf buf, int index, int length) {
        switch (op) {
            case NatsReader.MSG -> events.onData(buf, index, length);
            case NatsReader.INFO -> {
                if (!connectSent) {
                    connectSent = true;
                    ByteBuf out = ctx.alloc().buffer();
                    out.writeBytes(CONNECT);
                    out.writeCharSequence("SUB " + subscribeSubject + " 1\r\n", StandardCharsets.US_ASCII);
                    out.writeBytes(PING);
                    ctx.writeAndFlush(out, ctx.voidPromise());
                }
            }
            case NatsReader.PING -> ctx.writeAndFlush(ctx.alloc().buffer(PONG.length).writeBytes(PONG), ctx.voidPromise());
            case NatsReader.PONG -> {
                if (!ready) {
                    ready = true;
                    events.onReady();
                }
            }
            case NatsReader.ERR -> {
                String text = buf.toString(index, length, StandardCharsets.UTF_8);
                if (ready) {
                    events.onError(text);
                } else {
                    events.fail("nats-server refused the connection: -ERR " + text);
                }
            }
            case NatsReader.OK -> { }
            default -> events.onOther();
        }
    }

    @Override
    public void pairWith(EndpointWire partner) {
        // Subjects are fixed when the pair is made.
    }

    @Override
    public int messageLength(int dataLength) {
        return 4 + publishSubject.length() + 1 + Integer.toString(dataLength).length() + 2 + dataLength + 2;
    }

    @Override
    public void writeStamped(ByteBuf out, long seq, long sendNanos, int dataLength) {
        out.writeBytes(pubHeader(dataLength));
        out.writeLong(seq);
        out.writeLong(sendNanos);
        out.writeZero(dataLength - Wire.STAMP);
        out.writeBytes(CRLF);
    }

    @Override
    public void writeData(ByteBuf out, byte[] data) {
        out.writeBytes(pubHeader(data.length));
        out.writeBytes(data);
        out.writeBytes(CRLF);
    }

    private byte[] pubHeader(int length) {
        if (length != pubHeaderLength) {
            pubHeader = ascii("PUB " + publishSubject + " " + length + "\r\n");
            pubHeaderLength = length;
        }
        return pubHeader;
    }

    @Override
    public void release() {
        reader.release();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
