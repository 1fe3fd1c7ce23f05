package io.dosp.protocol;

/**
 * A frame header announced a LENGTH above the connection's limit. Raised from the five header
 * bytes, before any body byte is buffered. The stream cannot be resynchronised after it: the
 * connection must be closed (a server first sends EXIT {@code Packet too large}).
 */
public class FrameTooLargeException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    /** EXIT reason a server sends before closing. */
    public static final String EXIT_REASON = "Packet too large";

    private final long length;
    private final int maxFrameSize;
    private final int typeCode;

    /** LENGTH {@code length} (unsigned) of a {@code typeCode} frame exceeds {@code maxFrameSize}. */
    public FrameTooLargeException(int typeCode, long length, int maxFrameSize) {
        super(PacketType.nameOf(typeCode) + " frame of " + length + " bytes exceeds the maximum frame size of "
                + maxFrameSize + " bytes", null);
        this.typeCode = typeCode;
        this.length = length;
        this.maxFrameSize = maxFrameSize;
    }

    /** The announced LENGTH (unsigned 32-bit). */
    public long length() {
        return length;
    }

    /** The limit in force. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Type byte of the offending frame. */
    public int typeCode() {
        return typeCode;
    }
}
