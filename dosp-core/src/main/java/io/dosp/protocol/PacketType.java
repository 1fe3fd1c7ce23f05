package io.dosp.protocol;

/**
 * The packet types of DoSP 0.2 (spec section 2). A type byte that is not listed here is either
 * a custom type ({@code 0x20..0xFF}, see {@link #isCustom(int)}) or unknown (reserved, below
 * 0x20); both travel as {@link Packet#typeCode()} on packets whose {@link Packet#type()} is
 * {@code null}.
 */
public enum PacketType {
    /** 0x01: text for the server (logged); server-to-client MSG carries broadcasts. */
    MSG(0x01),
    /** 0x02: keep-alive; the server echoes the body. */
    PING(0x02),
    /** 0x03: client-to-client data, body {@code DST(4) SRC(4) DATA}. */
    S2C(0x03),
    /** 0x04: get client list; the reply carries 4 bytes per vIP. */
    GCL(0x04),
    /** 0x05: call a server function by name. */
    FN(0x05),
    /** 0x06: federation advertisement. */
    SD(0x06),
    /** 0x07: request a specific vIP; reply {@code D:} or {@code E:reason}. */
    RQIP(0x07),
    /** 0x08: get self info (JSON). */
    GSI(0x08),
    /** 0x10: server answer (FN results). */
    SA(0x10),
    /** 0x11: end of connection, with a code (client) or reason (server). */
    EXIT(0x11),
    /** 0x12: error, {@code code(1)} + detail or reference plain text. */
    ERR(0x12),
    /** 0x13: assigned vIP. */
    AIP(0x13),
    /** 0x14: server handshake, compression flag + {@code [version, token]}. */
    HSK(0x14),
    /** 0x15: marker byte that starts a tunnel handshake inside S2C DATA; never a frame type on its own. */
    HC2C(0x15),
    /** 0x16: admin broadcast. */
    BCST(0x16),
    /** 0x17: admin authentication (token), reply {@code OK} or {@code ERR:Invalid token}. */
    AUTH(0x17),
    /** 0x18: admin command line, reply text. */
    ADMIN(0x18),
    /** 0x19: the client's machine hash (64 hex characters). */
    CLIENT_INFO(0x19),
    /** 0x1A: a run of sub-frames. */
    MPAK(0x1A),
    /**
     * 0x1F: an extension frame of this project between a client and a server, {@code kind(1) payload}
     * (see {@link Ext}). Not a type of DoSP 0.2: a reference server answers it with ERR UKNP, and a server
     * of ours sends it only to a client that opened with {@link Ext#HELLO}.
     */
    EXT(0x1F);

    /** First type code that applications may use freely. */
    public static final int FIRST_CUSTOM = 0x20;

    private static final PacketType[] BY_CODE = new PacketType[256];

    static {
        for (PacketType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    PacketType(int code) {
        this.code = code;
    }

    /** The wire byte. */
    public int code() {
        return code;
    }

    /** The type for a wire byte, or {@code null} for custom and unknown codes. */
    public static PacketType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }

    /** True for application-defined types {@code 0x20..0xFF}. */
    public static boolean isCustom(int code) {
        return code >= FIRST_CUSTOM && code <= 0xFF;
    }

    /** A readable name for any code: the enum name, {@code CUSTOM(0x20)} or {@code UNKNOWN(0x09)}. */
    public static String nameOf(int code) {
        PacketType t = fromCode(code);
        if (t != null) {
            return t.name();
        }
        return (isCustom(code) ? "CUSTOM(0x" : "UNKNOWN(0x") + String.format("%02X", code & 0xff) + ")";
    }
}
