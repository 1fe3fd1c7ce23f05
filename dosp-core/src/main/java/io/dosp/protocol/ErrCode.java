package io.dosp.protocol;

/**
 * Codes of the ERR (0x12) packet, spec section 5.7. Our servers send {@code code(1)} followed by
 * optional UTF-8 detail; the reference also sends plain text, which {@link ErrorReply} accepts.
 */
public enum ErrCode {
    /** 01: function not found (FN). */
    FNF(0x01, "function not found"),
    /** 02: function failed (FN). */
    FF(0x02, "function failed"),
    /** 03: S2C could not be delivered; detail is the 4-byte DST. */
    S2CF(0x03, "S2C delivery failed"),
    /** 04: RQIP failed. */
    RQIPF(0x04, "vIP request failed"),
    /** 05: SD advertisement malformed or refused. */
    SDF(0x05, "advertisement failed"),
    /** 06: GCL failed. */
    GCLF(0x06, "client list failed"),
    /** 07: AIP failed. */
    AIPF(0x07, "vIP assignment failed"),
    /** 08: handshake failed. */
    HSKF(0x08, "handshake failed"),
    /** 09: unknown packet type (or a packet the receiver cannot parse). */
    UKNP(0x09, "unknown packet");

    private static final ErrCode[] BY_CODE = new ErrCode[256];

    static {
        for (ErrCode c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;
    private final String description;

    ErrCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The wire byte. */
    public int code() {
        return code;
    }

    /** A short human description. */
    public String description() {
        return description;
    }

    /** The code for a wire byte, or {@code null} if it is not one of ours. */
    public static ErrCode fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
