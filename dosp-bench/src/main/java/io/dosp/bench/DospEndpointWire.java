package io.dosp.bench;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;

/**
 * DoSP frames for an endpoint: S2C to the partner's vIP, AIP/HSK as the handshake, ERR S2CF as
 * "not delivered". In direct mode there is no server and no handshake: the pair's vIPs are made up
 * and the endpoint is ready as soon as TCP is.
 *
 * <p>Not thread-safe: one per endpoint, on its event loop; {@link #vip} and {@link #peerVip} are
 * volatile because the run reads them from its own thread to pair the ends.
 */
final class DospEndpointWire implements EndpointWire, FrameReader.Sink {
    private final boolean direct;
    private final Events events;
    private final FrameReader reader;
    private volatile int vip;
    private volatile int peerVip;

    /** A wire to a DoSP server; the vIPs come from its AIP and from the partner. */
    DospEndpointWire(int maxData, Events events) {
        this(false, 0, 0, maxData, events);
    }

    /** Direct mode: no server, made-up vIPs. */
    DospEndpointWire(int ownVip, int partnerVip, int maxData, Events events) {
        this(true, ownVip, partnerVip, maxData, events);
    }

    private DospEndpointWire(boolean direct, int ownVip, int partnerVip, int maxData, Events events) {
        this.direct = direct;
        this.vip = ownVip;
        this.peerVip = partnerVip;
        this.events = events;
        this.reader = new FrameReader(Math.max(1 << 20, Wire.S2C_ADDRESSES + maxData), this);
    }

    @Override
    public void start(ChannelHandlerContext ctx) {
        if (direct) {
            events.onReady();
        }
    }

    @Override
    public boolean read(ChannelHandlerContext ctx, ByteBuf in) {
        if (!reader.read(ctx.alloc(), in)) {
            events.fail("frame longer than the maximum from " + ctx.channel().remoteAddress());
            return false;
        }
        return true;
    }

    @Override
    public void pairWith(EndpointWire partner) {
        if (!direct) {
            peerVip = ((DospEndpointWire) partner).vip;
        }
    }

    @Override
    public void onFrame(int type, ByteBuf buf, int body, int length) {
        if (type == Wire.S2C && length >= Wire.S2C_ADDRESSES) {
            events.onData(buf, body + Wire.S2C_ADDRESSES, length - Wire.S2C_ADDRESSES);
        } else if (type == Wire.AIP) {
            byte[] b = new byte[length];
            buf.getBytes(body, b);
            vip = Packets.parseAip(b).value();
        } else if (type == Wire.HSK) {
            if (length > 0 && buf.getByte(body) == 1) {
                events.fail("the server compresses (HSK flag 1); the load generator sends uncompressed frames");
            }
            events.onReady();
        } else if (type == Wire.ERR) {
            int code = length >= 1 ? buf.getUnsignedByte(body) : -1;
            if (code == ErrCode.S2CF.code()) {
                events.onRefused();
            } else if (code >= 0 && code < ' ') {
                events.onError("code " + code + " " + buf.toString(body + 1, length - 1, StandardCharsets.UTF_8));
            } else {
                events.onError(buf.toString(body, length, StandardCharsets.UTF_8)); // the reference's text form
            }
        } else if (type == Wire.EXIT) {
            events.onExit();
        } else {
            events.onOther();
        }
    }

    @Override
    public int messageLength(int dataLength) {
        return Wire.s2cFrameLength(dataLength);
    }

    @Override
    public void writeStamped(ByteBuf out, long seq, long sendNanos, int dataLength) {
        Wire.writeStampedS2c(out, peerVip, vip, seq, sendNanos, dataLength);
    }

    @Override
    public void writeData(ByteBuf out, byte[] data) {
        Wire.writeS2c(out, peerVip, vip, data);
    }

    @Override
    public void release() {
        reader.release();
    }
}
