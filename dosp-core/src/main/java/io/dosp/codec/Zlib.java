package io.dosp.codec;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.PacketType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One connection's zlib streams (spec section 6): every compressed body is a complete,
 * independent zlib stream ({@code 78 9c ...}), so one {@link Inflater} and one {@link Deflater}
 * are reset and reused per frame. Uses the JDK's zlib; no library adds anything here.
 *
 * <p>Not thread-safe: owned by one channel's codec, used on its event loop. Holds native
 * memory until {@link #close()}; the native streams are created on first use, so a connection
 * that never compresses costs nothing.
 */
public final class Zlib implements AutoCloseable {
    /** The reference's level. */
    public static final int DEFAULT_LEVEL = 6;

    private final int level;
    private Inflater inflater;
    private Deflater deflater;
    private byte[] chunk;
    private int lastInflated;

    /** Streams that deflate at {@code level} (0..9, or -1 for zlib's default). */
    public Zlib(int level) {
        if (level < -1 || level > 9) {
            throw new IllegalArgumentException("compression level must be -1..9, got " + level);
        }
        this.level = level;
    }

    /**
     * Inflates one complete zlib stream, never producing more than {@code maxSize} bytes (a zip
     * bomb stops at the limit, with at most {@code maxSize} bytes allocated).
     *
     * @throws MalformedPacketException INVALID_COMPRESSION (not zlib, truncated, trailing bytes)
     *         or DECOMPRESSED_TOO_LARGE
     */
    public byte[] inflate(ByteBuffer input, int maxSize, int typeCode) {
        Inflater inf = inflater;
        if (inf == null) {
            inf = inflater = new Inflater();
        } else {
            inf.reset();
        }
        int inputLength = input.remaining();
        inf.setInput(input);
        // Start near the typical ratio and grow; never beyond maxSize + 1 (the +1 detects overflow).
        byte[] out = new byte[(int) Math.min((long) maxSize + 1, Math.max(64L, inputLength * 4L))];
        int n = 0;
        lastInflated = 0;
        try {
            while (true) {
                if (n == out.length) {
                    if (out.length > maxSize) {
                        throw new MalformedPacketException(MalformedPacketException.Reason.DECOMPRESSED_TOO_LARGE, typeCode,
                                PacketType.nameOf(typeCode) + " body inflates to more than the maximum frame size of "
                                        + maxSize + " bytes", ErrCode.UKNP);
                    }
                    out = Arrays.copyOf(out, (int) Math.min((long) maxSize + 1, out.length * 2L));
                }
                int k = inf.inflate(out, n, out.length - n);
                n += k;
                lastInflated = n;
                if (inf.finished()) {
                    break;
                }
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw invalid(typeCode, inf.needsDictionary() ? "needs a preset dictionary" : "is truncated");
                }
            }
        } catch (DataFormatException e) {
            throw invalid(typeCode, "is not valid zlib (" + e.getMessage() + ")");
        }
        if (n > maxSize) {
            throw new MalformedPacketException(MalformedPacketException.Reason.DECOMPRESSED_TOO_LARGE, typeCode,
                    PacketType.nameOf(typeCode) + " body inflates to more than the maximum frame size of " + maxSize
                            + " bytes", ErrCode.UKNP);
        }
        if (inf.getRemaining() > 0) {
            throw invalid(typeCode, "has " + inf.getRemaining() + " bytes after the end of the zlib stream");
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /**
     * The bytes the last {@link #inflate} call produced, also when it threw (a zip bomb: at most
     * {@code maxSize + 1}): the work a peer made this connection do.
     */
    public int lastInflated() {
        return lastInflated;
    }

    private static MalformedPacketException invalid(int typeCode, String what) {
        return new MalformedPacketException(MalformedPacketException.Reason.INVALID_COMPRESSION, typeCode,
                "compressed " + PacketType.nameOf(typeCode) + " body " + what, ErrCode.UKNP);
    }

    /** Deflates {@code input} as one complete zlib stream, appended to {@code out}; returns the bytes written. */
    public int deflate(byte[] input, ByteBuf out) {
        Deflater def = deflater;
        if (def == null) {
            def = deflater = new Deflater(level);
            chunk = new byte[8192];
        } else {
            def.reset();
        }
        def.setInput(input);
        def.finish();
        int written = 0;
        while (!def.finished()) {
            int k = def.deflate(chunk);
            out.writeBytes(chunk, 0, k);
            written += k;
        }
        return written;
    }

    /** Deflates {@code input} as one complete zlib stream. */
    public byte[] deflate(byte[] input) {
        ByteBuf buf = Unpooled.buffer(input.length / 2 + 16);
        deflate(input, buf);
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    /** Frees the native streams; the instance may not be used afterwards. */
    @Override
    public void close() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
    }
}
