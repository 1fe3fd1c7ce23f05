package io.dosp.codec;

import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.nio.ByteBuffer;

/**
 * Writes {@link Packet}s as DoSP frames; compresses bodies when the connection's
 * {@link Compression} is on (never AIP and HSK, spec 6). A packet whose body exceeds the
 * maximum frame size fails its write with {@link FrameTooLargeException} (wrapped in Netty's
 * {@code EncoderException}) and nothing is written.
 *
 * <p>One instance per channel, used on its event loop.
 */
public final class DospFrameEncoder extends MessageToByteEncoder<Packet> {
    private final int maxFrameSize;
    private final Compression compression;
    private Zlib zlib;

    /** An encoder refusing bodies over {@code maxFrameSize}. */
    public DospFrameEncoder(int maxFrameSize, Compression compression) {
        super(Packet.class);
        this.maxFrameSize = maxFrameSize;
        this.compression = compression;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Packet msg, boolean preferDirect) {
        int size = PacketCodec.HEADER_BYTES + msg.bodyLength();
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Packet packet, ByteBuf out) {
        encode(packet, out);
    }

    /**
     * Encodes one frame into {@code out} outside a pipeline (benchmarks, tools): exactly what the
     * handler writes for {@code packet}, compressed when this encoder compresses.
     *
     * @throws FrameTooLargeException when the body exceeds the maximum frame size
     */
    public void encode(Packet packet, ByteBuf out) {
        int bodyLength = packet.bodyLength();
        if (bodyLength > maxFrameSize) {
            throw new FrameTooLargeException(packet.typeCode(), bodyLength, maxFrameSize);
        }
        int type = packet.typeCode();
        out.writeByte(type);
        if (compression.enabled() && type != PacketType.AIP.code() && type != PacketType.HSK.code()) {
            if (zlib == null) {
                zlib = new Zlib(compression.level());
            }
            int lengthIndex = out.writerIndex();
            out.writeInt(0);
            int written = zlib.deflate(PacketCodec.encodeBody(packet), out);
            out.setInt(lengthIndex, written);
        } else {
            out.writeInt(bodyLength);
            writeBody(packet, out);
        }
    }

    /** Writes the body through an NIO view of {@code out}, so the packet copies from its array in bulk. */
    private static void writeBody(Packet packet, ByteBuf out) {
        int length = packet.bodyLength();
        out.ensureWritable(length);
        ByteBuffer view = out.nioBuffer(out.writerIndex(), length);
        PacketCodec.writeBody(packet, view);
        out.writerIndex(out.writerIndex() + length);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        if (zlib != null) {
            zlib.close();
            zlib = null;
        }
        super.handlerRemoved(ctx);
    }
}
