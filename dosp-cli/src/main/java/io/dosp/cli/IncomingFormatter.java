package io.dosp.cli;

import io.dosp.client.Incoming;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.internal.LogText;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * How {@code dosp client} shows what arrives: source vIP, whether it came through a tunnel, and the
 * data. Nothing another party sent reaches the terminal raw: data is text only when every character
 * is printable (else hex), and texts from the server (ERR, EXIT reasons, answers) are escaped
 * ({@link #safe}), so no one can move the cursor, recolour the terminal or fake a line.
 */
final class IncomingFormatter {
    private static final int MAX_HEX_BYTES = 64;
    /** How much of a text from the server one line shows. */
    static final int MAX_TEXT = 64 << 10;

    private IncomingFormatter() {
    }

    /** One line for an incoming message. */
    static String format(Incoming in) {
        if (in.isS2c()) {
            return "[from " + in.source().orElseThrow() + (in.tunneled() ? " via tunnel" : "") + "] " + data(in.data());
        }
        PacketType type = in.type();
        if (type == PacketType.MSG) {
            return "[server message] " + data(in.data());
        }
        if (type == PacketType.ERR) {
            return "[server error] " + describe(ErrorReply.parse(in.data()));
        }
        return "[" + (type == null ? "custom packet" : type.name()) + " from server] " + data(in.data());
    }

    /** A text the server or another client chose (ERR text, EXIT reason, FN answer), escaped for the terminal. */
    static String safe(String text) {
        return LogText.of(text, MAX_TEXT);
    }

    /** An ERR with a hint for the common case. */
    static String describe(ErrorReply e) {
        String s = safe(e.describe());
        if (e.code() == ErrCode.S2CF && e.failureReason().isEmpty()) {
            s += " (no client holds that vIP now; /list shows who is connected)";
        }
        return s;
    }

    /** Text when the bytes are printable UTF-8, otherwise their size and hex. */
    static String data(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (s.codePoints().allMatch(c -> c == '\t' || LogText.isPrintable(c))) {
                return s;
            }
        } catch (CharacterCodingException e) {
            // binary: shown as hex below
        }
        int shown = Math.min(bytes.length, MAX_HEX_BYTES);
        return "<" + bytes.length + " bytes> " + HexFormat.of().formatHex(bytes, 0, shown) + (shown < bytes.length ? "..." : "");
    }
}
