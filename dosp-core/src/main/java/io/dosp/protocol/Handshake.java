package io.dosp.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The body of HSK (0x14): {@code compression_flag(1)} followed by the ASCII text of a Python list
 * literal {@code [version, server_token]}, e.g. {@code 01 "[2, 0]"} (spec sections 3 and 6).
 *
 * <p>The text is parsed by a small literal parser, never evaluated (the reference client
 * evaluates it as code). Accepted elements: integers, single- or double-quoted strings,
 * {@code None}, {@code True}, {@code False}; the first must be an integer (the version).
 *
 * @param compression whether every frame after HSK carries a zlib body, both ways
 * @param version     protocol version announced by the server (the reference sends 2)
 * @param token       the server token as text ({@code "0"} for the integer 0), or {@code null} when absent or None
 * @param textToken   whether the token is a quoted string literal rather than a bare integer/keyword
 */
public record Handshake(boolean compression, int version, String token, boolean textToken) {

    /** The version our servers announce, as the reference does. */
    public static final int PROTOCOL_VERSION = 2;

    /** Longest HSK body we accept (the reference sends 7 bytes). */
    public static final int MAX_BODY = 1024;

    /** The reference's handshake: {@code [2, 0]}, with the given compression flag. */
    public static Handshake standard(boolean compression) {
        return new Handshake(compression, PROTOCOL_VERSION, "0", false);
    }

    /** Validates the token form. */
    public Handshake {
        if (token != null && !textToken && !token.matches("-?[0-9]+|None|True|False")) {
            throw new IllegalArgumentException("bare HSK token must be an integer, None, True or False, got '" + token + "'");
        }
    }

    /** The body bytes: flag then the list text in Python's repr style ({@code [2, 0]}). */
    public byte[] encode() {
        StringBuilder sb = new StringBuilder("[").append(version);
        if (token != null || textToken) {
            sb.append(", ");
            if (textToken) {
                sb.append('\'');
                for (char c : token.toCharArray()) {
                    if (c == '\\' || c == '\'') {
                        sb.append('\\');
                    }
                    sb.append(c);
                }
                sb.append('\'');
            } else {
                sb.append(token);
            }
        }
        sb.append(']');
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[1 + text.length];
        body[0] = (byte) (compression ? 1 : 0);
        System.arraycopy(text, 0, body, 1, text.length);
        return body;
    }

    /**
     * Parses an HSK body.
     *
     * @throws MalformedPacketException (ERR code HSKF) naming what is wrong
     */
    public static Handshake parse(byte[] body) {
        if (body.length < 1) {
            throw bad("HSK body is empty");
        }
        if (body.length > MAX_BODY) {
            throw bad("HSK body of " + body.length + " bytes is longer than " + MAX_BODY);
        }
        int flag = body[0] & 0xff;
        if (flag > 1) {
            throw bad("HSK compression flag must be 0 or 1, got " + flag);
        }
        LiteralParser p = new LiteralParser(new String(body, 1, body.length - 1, StandardCharsets.UTF_8));
        p.skipSpace();
        p.expect('[');
        p.skipSpace();
        LiteralParser.Value v = p.value();
        if (v.quoted() || !v.text().matches("-?[0-9]{1,9}")) {
            throw bad("HSK version must be an integer, got " + v.text());
        }
        int version = Integer.parseInt(v.text());
        String token = null;
        boolean textToken = false;
        p.skipSpace();
        if (p.peek() == ',') {
            p.next();
            p.skipSpace();
            if (p.peek() != ']') {
                LiteralParser.Value t = p.value();
                textToken = t.quoted();
                token = !t.quoted() && t.text().equals("None") ? null : t.text();
                p.skipSpace();
                // Extra elements are tolerated (a newer server may send more) but ignored.
                while (p.peek() == ',') {
                    p.next();
                    p.skipSpace();
                    if (p.peek() == ']') {
                        break;
                    }
                    p.value();
                    p.skipSpace();
                }
            }
        }
        p.expect(']');
        p.skipSpace();
        if (!p.atEnd()) {
            throw bad("HSK text has trailing characters after ']'");
        }
        return new Handshake(flag == 1, version, token, textToken);
    }

    static MalformedPacketException bad(String message) {
        return new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.HSK.code(), message,
                ErrCode.HSKF);
    }

    /** A tiny reader for the literal subset above; hand-written because no library parses Python literals. */
    private static final class LiteralParser {
        record Value(String text, boolean quoted) {
        }

        private final String s;
        private int pos;

        LiteralParser(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return atEnd() ? '\0' : s.charAt(pos);
        }

        char next() {
            if (atEnd()) {
                throw bad("HSK text ends early");
            }
            return s.charAt(pos++);
        }

        void skipSpace() {
            while (!atEnd() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        void expect(char c) {
            if (peek() != c) {
                throw bad("HSK text: expected '" + c + "' at position " + pos);
            }
            pos++;
        }

        Value value() {
            char c = peek();
            if (c == '\'' || c == '"') {
                pos++;
                StringBuilder sb = new StringBuilder();
                while (true) {
                    char ch = next();
                    if (ch == c) {
                        return new Value(sb.toString(), true);
                    }
                    if (ch == '\\') {
                        ch = next();
                    }
                    sb.append(ch);
                }
            }
            int start = pos;
            while (!atEnd() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '-' || s.charAt(pos) == '_')) {
                pos++;
            }
            String word = s.substring(start, pos);
            if (word.matches("-?[0-9]+|None|True|False")) {
                return new Value(word, false);
            }
            throw bad("HSK text: unsupported element '" + (word.isEmpty() ? String.valueOf(c) : word)
                    + "' at position " + start + " (integers, strings, None, True, False only)");
        }
    }
}
