package io.dosp.protocol;

import java.nio.charset.StandardCharsets;

/**
 * A parsed EXIT (0x11) body. Clients send {@code CODE} or {@code CODE,reason} with CODE one of
 * {@link ExitCode}; servers send reason text ({@code Server full}, {@code Disconnected by admin},
 * {@code Packet too large}, empty on shutdown in the reference).
 *
 * @param code   the client code, or {@code null} when the body does not start with one (server form)
 * @param reason the reason text (may be empty)
 */
public record ExitReason(ExitCode code, String reason) {

    /** Normalises a null reason to empty. */
    public ExitReason {
        reason = reason == null ? "" : reason;
    }

    /** Parses an EXIT body; never fails. */
    public static ExitReason parse(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        int comma = text.indexOf(',');
        ExitCode c = ExitCode.fromText(comma < 0 ? text : text.substring(0, comma));
        if (c == null) {
            return new ExitReason(null, text);
        }
        return new ExitReason(c, comma < 0 ? "" : text.substring(comma + 1));
    }

    /** The body bytes: {@code CODE[,reason]}, or the bare reason when there is no code. */
    public byte[] encode() {
        String text = code == null ? reason : reason.isEmpty() ? code.name() : code.name() + "," + reason;
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
