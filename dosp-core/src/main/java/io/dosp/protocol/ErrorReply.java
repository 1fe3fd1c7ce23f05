package io.dosp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A parsed ERR (0x12) body, in either form (spec 5.7): our {@code code(1) + detail}, or the
 * reference's plain text (FN failures). A body whose first byte is a known {@link ErrCode}
 * (0x01..0x09, never printable text) is read as the code form.
 *
 * @param code   the code, or {@code null} for the text form
 * @param detail the bytes after the code (code form) or the whole body (text form)
 */
public record ErrorReply(ErrCode code, byte[] detail) {

    /** Defensive copy. */
    public ErrorReply {
        detail = detail.clone();
    }

    /** Parses an ERR body; never fails. */
    public static ErrorReply parse(byte[] body) {
        if (body.length > 0) {
            ErrCode c = ErrCode.fromCode(body[0] & 0xff);
            if (c != null) {
                return new ErrorReply(c, Arrays.copyOfRange(body, 1, body.length));
            }
        }
        return new ErrorReply(null, body);
    }

    /** The detail (or reference text) as UTF-8. */
    public String text() {
        return new String(detail, StandardCharsets.UTF_8);
    }

    /** For S2CF with the DST as the detail's first 4 bytes: the DST that could not be reached. */
    public Optional<Vip> failedDst() {
        return code == ErrCode.S2CF && detail.length >= Vip.BYTES ? Optional.of(Vip.fromBytes(detail, 0)) : Optional.empty();
    }

    /** For S2CF: why the DST could not be reached, the UTF-8 text after the DST (empty when the server said nothing more). */
    public String failureReason() {
        return failedDst().isPresent() ? new String(detail, Vip.BYTES, detail.length - Vip.BYTES, StandardCharsets.UTF_8) : "";
    }

    /** A readable description: {@code S2CF (S2C delivery failed): 7.10.0.9} (and the reason, if any) or the reference text. */
    public String describe() {
        if (code == null) {
            return text();
        }
        String d = failedDst().map(v -> v + (failureReason().isEmpty() ? "" : ": " + failureReason())).orElse(text());
        return code.name() + " (" + code.description() + ")" + (d.isEmpty() ? "" : ": " + d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorReply e && e.code == code && Arrays.equals(e.detail, detail);
    }

    @Override
    public int hashCode() {
        return 31 * (code == null ? 0 : code.hashCode()) + Arrays.hashCode(detail);
    }

    @Override
    public String toString() {
        return "ErrorReply[" + describe() + "]";
    }

    /** Defensive copy. */
    @Override
    public byte[] detail() {
        return detail.clone();
    }
}
