package io.dosp.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A packet whose body is opaque bytes as far as framing goes: every type except S2C and MPAK.
 * Immutable; the body is never exposed for writing.
 */
public final class SimplePacket implements Packet {
    private final int typeCode;
    private final byte[] bytes;
    private final int offset;
    private final int length;

    /** Shares {@code bytes[offset, offset+length)}: callers inside this package hand over ownership. */
    SimplePacket(int typeCode, byte[] bytes, int offset, int length) {
        if (typeCode < 0 || typeCode > 0xFF) {
            throw new IllegalArgumentException("packet type " + typeCode + " is not a byte (0..255)");
        }
        if (typeCode == PacketType.S2C.code() || typeCode == PacketType.MPAK.code()) {
            throw new IllegalArgumentException(PacketType.nameOf(typeCode) + " packets are built with Packets."
                    + (typeCode == PacketType.S2C.code() ? "s2c" : "mpak"));
        }
        this.typeCode = typeCode;
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
    }

    /** A packet of {@code typeCode} with a copy of {@code body}. */
    public static SimplePacket of(int typeCode, byte[] body) {
        byte[] copy = body.clone();
        return new SimplePacket(typeCode, copy, 0, copy.length);
    }

    @Override
    public int typeCode() {
        return typeCode;
    }

    @Override
    public int bodyLength() {
        return length;
    }

    /** A copy of the body. */
    public byte[] body() {
        return Arrays.copyOfRange(bytes, offset, offset + length);
    }

    /** A read-only view of the body (no copy). */
    public ByteBuffer bodyBuffer() {
        return ByteBuffer.wrap(bytes, offset, length).asReadOnlyBuffer();
    }

    /** Bulk copy from the backing array. */
    void copyBodyTo(ByteBuffer out) {
        out.put(bytes, offset, length);
    }

    /** The body decoded as UTF-8 (malformed sequences become U+FFFD). */
    public String bodyText() {
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }

    /** Body byte {@code i}, {@code 0..255}. */
    public int bodyByte(int i) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("body byte " + i + " of " + length);
        }
        return bytes[offset + i] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimplePacket p && p.typeCode == typeCode
                && Arrays.equals(bytes, offset, offset + length, p.bytes, p.offset, p.offset + p.length);
    }

    @Override
    public int hashCode() {
        int h = typeCode;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    /** Type and length only: bodies may carry secrets (AUTH tokens) and never go to logs. */
    @Override
    public String toString() {
        return PacketType.nameOf(typeCode) + "[" + length + " bytes]";
    }

    /** Hex of the body, for tests and debugging tools (never call it on a logging path). */
    public String bodyHex() {
        return HexFormat.of().formatHex(bytes, offset, offset + length);
    }
}
