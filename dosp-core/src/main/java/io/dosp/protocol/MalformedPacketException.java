package io.dosp.protocol;

/**
 * A frame whose boundaries are intact but whose body cannot be read: the connection can carry
 * on after answering ERR with {@link #errCode()}. See {@link Reason} for the cases.
 */
public class MalformedPacketException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    /** Why a body could not be read. */
    public enum Reason {
        /** The body is shorter than its type requires (e.g. S2C without DST and SRC). */
        BODY_TOO_SHORT,
        /** The body has bytes its type does not allow, or a value out of range. */
        BAD_BODY,
        /** The body of a compressed connection is not a valid zlib stream. */
        INVALID_COMPRESSION,
        /** The body inflates to more than the connection's maximum frame size. */
        DECOMPRESSED_TOO_LARGE,
        /** The last sub-frame of an MPAK is cut short. */
        TRUNCATED_SUBFRAME,
        /** An MPAK sub-frame is itself an MPAK. */
        NESTED_MPAK
    }

    private final Reason reason;
    private final int typeCode;

    /** A malformed body of a packet of {@code typeCode}. */
    public MalformedPacketException(Reason reason, int typeCode, String message, ErrCode errCode) {
        super(message, errCode);
        this.reason = reason;
        this.typeCode = typeCode;
    }

    /** What is wrong. */
    public Reason reason() {
        return reason;
    }

    /** Type byte of the frame whose body is malformed. */
    public int typeCode() {
        return typeCode;
    }
}
