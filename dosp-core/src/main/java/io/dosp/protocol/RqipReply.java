package io.dosp.protocol;

import java.nio.charset.StandardCharsets;

/**
 * A parsed server reply to RQIP (0x07): {@code D:[message]} when granted (an AIP follows),
 * {@code E:reason} when refused (spec 5.5).
 *
 * @param granted whether the vIP was granted
 * @param message text after the prefix (the refusal reason, or an optional note)
 */
public record RqipReply(boolean granted, String message) {
    /** Reason the reference gives for a blocked vIP. */
    public static final String CANNOT_BE_USED = "IP can't be used";
    /** Reason the reference gives for a vIP held by another client. */
    public static final String IN_USE = "IP already in use";

    /**
     * Parses a reply body.
     *
     * @throws MalformedPacketException (RQIPF) if it starts with neither {@code D:} nor {@code E:}
     */
    public static RqipReply parse(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.startsWith("D:")) {
            return new RqipReply(true, text.substring(2));
        }
        if (text.startsWith("E:")) {
            return new RqipReply(false, text.substring(2));
        }
        throw new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.RQIP.code(),
                "RQIP reply must start with 'D:' or 'E:'", ErrCode.RQIPF);
    }

    /** The body bytes. */
    public byte[] encode() {
        return ((granted ? "D:" : "E:") + message).getBytes(StandardCharsets.UTF_8);
    }
}
