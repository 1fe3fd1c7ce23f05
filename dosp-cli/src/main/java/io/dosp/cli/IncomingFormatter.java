package io.dosp.cli;

import io.dosp.client.Incoming;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.PacketType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** How {@code dosp client} shows what arrives: source vIP, whether it came through a tunnel, and the data. */
final class IncomingFormatter {
    private static final int MAX_HEX_BYTES = 64;

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

    /** An ERR with a hint for the common case. */
    static String describe(ErrorReply e) {
        String s = e.describe();
        if (e.code() == ErrCode.S2CF) {
            s += " (no client holds that vIP now; /list shows who is connected)";
        }
        return s;
    }

    /** Text when the bytes are printable UTF-8, otherwise their size and hex. */
    static String data(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (s.codePoints().noneMatch(c -> Character.isISOControl(c) && c != '\t')) {
                return s;
            }
        } catch (CharacterCodingException e) {
            // binary: shown as hex below
        }
        int shown = Math.min(bytes.length, MAX_HEX_BYTES);
        return "<" + bytes.length + " bytes> " + HexFormat.of().formatHex(bytes, 0, shown) + (shown < bytes.length ? "..." : "");
    }
}
