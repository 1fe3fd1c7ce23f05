package io.dosp.protocol.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The little JSON the server and the client need without a JSON library: string literals written with every
 * control character escaped, the messaging layer's error object ({@code {"code","message","field"}},
 * {@code docs/messaging.md} section 2) written, and the string members of a JSON object read (values of other types
 * are checked and skipped). Nesting is bounded; any malformed input is an {@link IllegalArgumentException}.
 */
public final class FlatJson {
    /** The deepest nesting {@link #stringFields} accepts inside skipped values. */
    static final int MAX_DEPTH = 32;

    private FlatJson() {
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * True when {@code body} is an empty array encoded as {@code contentType}: JSON {@code []} (whitespace allowed) or
     * MessagePack {@code 0x90}.
     */
    public static boolean isEmptyArray(int contentType, byte[] body) {
        if (contentType == 2) { // MessagePack
            return body.length == 1 && (body[0] & 0xFF) == 0x90;
        }
        if (contentType != 1 || body.length > 64) {
            return false;
        }
        return new String(body, StandardCharsets.UTF_8).replaceAll("[ \t\r\n]", "").equals("[]");
    }

    /** The messaging layer's error object, UTF-8: {@code {"code":..,"message":..}} and {@code "field"} when not null. */
    public static byte[] errorObject(String code, String message, String field) {
        StringBuilder sb = new StringBuilder("{\"code\":").append(quote(code)).append(",\"message\":")
                .append(quote(message == null ? "" : message));
        if (field != null) {
            sb.append(",\"field\":").append(quote(field));
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The members of the JSON object {@code json} (UTF-8) whose values are strings; other members are skipped.
     *
     * @throws IllegalArgumentException when {@code json} is not one JSON object
     */
    public static Map<String, String> stringFields(byte[] json) {
        Reader r = new Reader(new String(json, StandardCharsets.UTF_8));
        Map<String, String> out = new LinkedHashMap<>();
        r.space();
        r.expect('{');
        r.space();
        if (r.peek() == '}') {
            r.at++;
        } else {
            while (true) {
                r.space();
                String key = r.string();
                r.space();
                r.expect(':');
                r.space();
                if (r.peek() == '"') {
                    out.put(key, r.string());
                } else {
                    r.skipValue(0);
                }
                r.space();
                char c = r.next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw r.bad("',' or '}'");
                }
            }
        }
        r.space();
        if (r.at != r.s.length()) {
            throw r.bad("the end of the object");
        }
        return out;
    }

    private static final class Reader {
        final String s;
        int at;

        Reader(String s) {
            this.s = s;
        }

        char peek() {
            if (at >= s.length()) {
                throw bad("more input");
            }
            return s.charAt(at);
        }

        char next() {
            char c = peek();
            at++;
            return c;
        }

        void expect(char c) {
            if (next() != c) {
                at--;
                throw bad("'" + c + "'");
            }
        }

        void space() {
            while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
                at++;
            }
        }

        String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw bad("no control character in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (at + 4 > s.length()) {
                            throw bad("4 hex digits");
                        }
                        try {
                            sb.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
                        } catch (NumberFormatException x) {
                            throw bad("4 hex digits");
                        }
                        at += 4;
                    }
                    default -> throw bad("an escape");
                }
            }
        }

        void skipValue(int depth) {
            if (depth > MAX_DEPTH) {
                throw bad("at most " + MAX_DEPTH + " levels of nesting");
            }
            char c = peek();
            if (c == '"') {
                string();
            } else if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                at++;
                space();
                if (peek() == close) {
                    at++;
                    return;
                }
                while (true) {
                    space();
                    if (c == '{') {
                        string();
                        space();
                        expect(':');
                        space();
                    }
                    skipValue(depth + 1);
                    space();
                    char n = next();
                    if (n == close) {
                        return;
                    }
                    if (n != ',') {
                        throw bad("',' or '" + close + "'");
                    }
                }
            } else if (s.startsWith("true", at)) {
                at += 4;
            } else if (s.startsWith("false", at)) {
                at += 5;
            } else if (s.startsWith("null", at)) {
                at += 4;
            } else {
                int start = at;
                while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) {
                    at++;
                }
                if (at == start) {
                    throw bad("a JSON value");
                }
            }
        }

        IllegalArgumentException bad(String wanted) {
            return new IllegalArgumentException("not a JSON object: expected " + wanted + " at character " + at);
        }
    }
}
