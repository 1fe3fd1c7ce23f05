package io.dosp.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * S2C (0x03): data from one client to another, body {@code DST(4) SRC(4) DATA} (spec 5.1).
 * Immutable; {@link #withSrc(Vip)} shares the data with the original, which is how a server
 * stamps the sender's vIP without copying.
 */
public final class S2cPacket implements Packet {
    private final int dst;
    private final int src;
    private final byte[] bytes;
    private final int offset;
    private final int length;

    S2cPacket(int dst, int src, byte[] bytes, int offset, int length) {
        this.dst = dst;
        this.src = src;
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
    }

    /** S2C to {@code dst} from {@code src} carrying a copy of {@code data}. */
    public static S2cPacket of(Vip dst, Vip src, byte[] data) {
        byte[] copy = data.clone();
        return new S2cPacket(dst.value(), src.value(), copy, 0, copy.length);
    }

    @Override
    public int typeCode() {
        return PacketType.S2C.code();
    }

    @Override
    public PacketType type() {
        return PacketType.S2C;
    }

    @Override
    public int bodyLength() {
        return 2 * Vip.BYTES + length;
    }

    /** Destination vIP. */
    public Vip dst() {
        return new Vip(dst);
    }

    /** Source vIP (zero when a client leaves it for the server to fill). */
    public Vip src() {
        return new Vip(src);
    }

    /** Destination as its 32-bit value (no allocation; for routing tables). */
    public int dstValue() {
        return dst;
    }

    /** Source as its 32-bit value. */
    public int srcValue() {
        return src;
    }

    /** The same packet with SRC replaced; DATA is shared, not copied. */
    public S2cPacket withSrc(Vip newSrc) {
        return new S2cPacket(dst, newSrc.value(), bytes, offset, length);
    }

    /** Length of DATA. */
    public int dataLength() {
        return length;
    }

    /** A copy of DATA. */
    public byte[] data() {
        return Arrays.copyOfRange(bytes, offset, offset + length);
    }

    /** A read-only view of DATA (no copy). */
    public ByteBuffer dataBuffer() {
        return ByteBuffer.wrap(bytes, offset, length).asReadOnlyBuffer();
    }

    /** Bulk copy from the backing array (a read-only view would be copied byte by byte by some buffers). */
    void copyDataTo(ByteBuffer out) {
        out.put(bytes, offset, length);
    }

    /** DATA decoded as UTF-8. */
    public String dataText() {
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }

    /** DATA byte {@code i}, {@code 0..255}. */
    public int dataByte(int i) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("data byte " + i + " of " + length);
        }
        return bytes[offset + i] & 0xff;
    }

    /**
     * True when DATA starts with the HC2C marker (0x15): every DoSP implementation reads such
     * a payload as a tunnel handshake, even when the sender meant plain data (spec 8.3).
     */
    public boolean isTunnelHandshake() {
        return length > 0 && bytes[offset] == (byte) PacketType.HC2C.code();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof S2cPacket p && p.dst == dst && p.src == src
                && Arrays.equals(bytes, offset, offset + length, p.bytes, p.offset, p.offset + p.length);
    }

    @Override
    public int hashCode() {
        int h = 31 * dst + src;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    /** Addresses and length; never the data. */
    @Override
    public String toString() {
        return "S2C[" + dst() + " <- " + src() + ", " + length + " bytes]";
    }
}
