package io.dosp.codec;

import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Turns a DoSP byte stream into {@link io.dosp.protocol.Packet}s (spec section 1): any split of
 * the stream across reads, any number of frames per read.
 *
 * <p>LENGTH is checked against the maximum from the five header bytes, before any body byte is
 * buffered, so a peer can never make it hold more than {@code 5 + maxFrameSize} bytes of a frame;
 * compressed bodies inflate to at most {@code maxFrameSize} bytes. Bad input never throws: it
 * becomes an {@link InvalidFrame} message (see there for what is fatal). A
 * {@link PartialFrameListener} is told after each read what is held for a frame not yet complete
 * (for a memory budget or a deadline on whole frames).
 *
 * <p>With an {@link InflateMeter} ({@link #inflateMeter(InflateMeter)}) the decoder asks before
 * inflating each compressed body and reports what it inflated: a server uses it to charge inflate
 * work to the connection and to stop one connection's zlib bombs from holding its event loop.
 *
 * <p>One instance per channel, used on its event loop.
 */
public final class DospFrameDecoder extends ByteToMessageDecoder {
    /** Default limit on a frame body: 1 MiB (the reference has none). */
    public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 20;

    private static final int ZLIB_CMF = 0x78;

    private final int maxFrameSize;
    private final Compression compression;
    private Zlib zlib;
    private boolean discarding;
    private FrameInterceptor interceptor;
    private boolean held;

    /**
     * Sees each complete frame before it is decoded and may take it as bytes (the server's S2C
     * fast path: routing without building a packet). Called on the channel's event loop, only for
     * frames that are not compressed; frames it declines are decoded as usual, in order.
     */
    @FunctionalInterface
    public interface FrameInterceptor {
        /**
         * The frame of type {@code type} whose {@code length}-byte body starts at
         * {@code in.getByte(bodyIndex)} is complete. Returns true when it was handled (the decoder
         * then skips it); must not move {@code in}'s indexes or keep a reference to it.
         */
        boolean intercept(ByteBuf in, int type, int bodyIndex, int length);
    }
    private PartialFrameListener partialListener;
    /** Frames completed (or refused) so far, and at the last report to the listener. */
    private long completed;
    private long completedAtReport;
    private int partialReported;
    private InflateMeter meter;
    private ChannelHandlerContext ctx;

    /** A decoder with a body limit of {@code maxFrameSize} bytes and the given compression state. */
    public DospFrameDecoder(int maxFrameSize, Compression compression) {
        if (maxFrameSize < 1) {
            throw new IllegalArgumentException("maxFrameSize must be positive, got " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
        this.compression = compression;
    }

    /**
     * Installs (or with null removes) the interceptor that may take complete frames before they
     * are decoded. Event loop only.
     */
    public void interceptor(FrameInterceptor interceptor) {
        this.interceptor = interceptor;
    }

    /**
     * Holds ({@code true}) or releases decoding: while held, nothing is decoded and no further read
     * is asked for, so what was read waits here (at most a read and a frame begun before it). For
     * flow control: whoever holds a channel also turns its auto-read off, and on release must call
     * {@link #resumeDecoding()} before turning auto-read back on, because no read may come to decode
     * what waits. Event loop only.
     */
    public void hold(boolean hold) {
        this.held = hold;
    }

    /** Whether decoding is held ({@link #hold}). */
    public boolean held() {
        return held;
    }

    /** Bytes read and not yet decoded: an unfinished frame, or frames waiting while decoding is held. Event loop only. */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    /** The body limit in force. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Tells {@code listener} (null: nobody) what is held for an unfinished frame after each read. */
    public void partialFrameListener(PartialFrameListener listener) {
        this.partialListener = listener;
    }

    /**
     * Meters inflation from now on (null: no meter). Set it before compressed frames arrive, on
     * the event loop (a server does so when it opens the connection's session).
     */
    public void inflateMeter(InflateMeter meter) {
        this.meter = meter;
    }

    /**
     * Carries on decoding what the decoder holds after its {@link InflateMeter} said no or a
     * {@link #hold} was released: the frames
     * it completes go down the pipeline, followed by a read-complete event. Event loop only; does
     * nothing once the decoder has left the pipeline.
     */
    public void resumeDecoding() {
        ChannelHandlerContext c = ctx;
        if (c == null || c.isRemoved() || !c.channel().isActive()) {
            return;
        }
        // ByteToMessageDecoder decodes its buffered bytes on any read: an empty one adds nothing to them.
        try {
            channelRead(c, Unpooled.EMPTY_BUFFER);
        } catch (Exception e) {
            c.fireExceptionCaught(e);
        }
        c.fireChannelReadComplete();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (held) {
            return; // resumeDecoding decodes it
        }
        decode(in, out);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        if (partialListener != null) {
            ByteBuf held = internalBuffer();
            int bytes = held.isReadable() && !discarding ? held.capacity() : 0;
            boolean newFrame = bytes > 0 && (partialReported == 0 || completed != completedAtReport);
            completedAtReport = completed;
            if (bytes != partialReported || newFrame) {
                partialReported = bytes;
                partialListener.buffered(bytes, newFrame);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (held) {
            // ByteToMessageDecoder asks for another read when a read gave no message with auto-read off (it
            // takes that for a frame still incomplete). A held channel must not read, or the hold would not
            // bound anything: what waits here would grow by a read each time.
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    /**
     * Decodes at most one frame from {@code in} outside a pipeline (benchmarks, tools): adds a
     * packet or an {@link InvalidFrame} to {@code out}, or nothing while the frame is incomplete.
     */
    public void decode(ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < PacketCodec.HEADER_BYTES) {
            return;
        }
        int start = in.readerIndex();
        int type = in.getUnsignedByte(start);
        long length = in.getUnsignedInt(start + 1);
        if (length > maxFrameSize) {
            discarding = true;
            in.skipBytes(in.readableBytes());
            out.add(new InvalidFrame(type, new FrameTooLargeException(type, length, maxFrameSize)));
            return;
        }
        int len = (int) length;
        if (in.readableBytes() < PacketCodec.HEADER_BYTES + len) {
            return;
        }
        FrameInterceptor i = interceptor;
        if (i != null && !compression.enabled() && i.intercept(in, type, start + PacketCodec.HEADER_BYTES, len)) {
            in.readerIndex(start + PacketCodec.HEADER_BYTES + len);
            completed++;
            return;
        }
        if (meter != null && compression.enabled() && shouldInflate(in, start + PacketCodec.HEADER_BYTES, type, len)
                && !meter.mayInflate()) {
            return; // the frame stays buffered until resumeDecoding()
        }
        in.skipBytes(PacketCodec.HEADER_BYTES);
        try {
            byte[] body = readBody(in, type, len);
            if (type == PacketType.HSK.code() && compression.followsHandshake() && body.length > 0) {
                // Frames after HSK in this same read must already be inflated.
                compression.enable(body[0] == 1);
            }
            out.add(PacketCodec.decodeBody(type, body, 0, body.length));
        } catch (MalformedPacketException e) {
            out.add(new InvalidFrame(type, e));
        } finally {
            in.readerIndex(start + PacketCodec.HEADER_BYTES + len);
            completed++;
        }
    }

    private byte[] readBody(ByteBuf in, int type, int len) {
        if (compression.enabled() && shouldInflate(in, in.readerIndex(), type, len)) {
            if (zlib == null) {
                zlib = new Zlib(compression.level());
            }
            try {
                return zlib.inflate(in.nioBuffer(in.readerIndex(), len), maxFrameSize, type);
            } finally {
                if (meter != null) {
                    meter.inflated(zlib.lastInflated());
                }
            }
        }
        byte[] body = new byte[len];
        in.readBytes(body);
        return body;
    }

    /**
     * AIP and HSK are sent uncompressed (spec 6); a peer that compresses a later AIP anyway is
     * recognised by the zlib header, which a 4-byte vIP or dotted text never has at that length.
     */
    private static boolean shouldInflate(ByteBuf in, int bodyStart, int type, int len) {
        if (type != PacketType.AIP.code() && type != PacketType.HSK.code()) {
            return true;
        }
        return len > 4 && in.getUnsignedByte(bodyStart) == ZLIB_CMF;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        this.ctx = null;
        if (zlib != null) {
            zlib.close();
            zlib = null;
        }
    }
}
