package io.dosp.protocol.internal;

/**
 * Makes a string a peer controls safe for a log line: every character that could end the line,
 * move the cursor, recolour a terminal or reorder what is shown is escaped, and the result is cut
 * to a maximum length with a note of how much was left out. Logs then hold exactly one line per
 * event, whatever a client sends as an EXIT reason, function name or host name.
 *
 * <ul>
 *   <li>{@code \n}, {@code \r}, {@code \t} and the backslash itself become {@code \n}, {@code \r},
 *       {@code \t}, {@code \\} (so the escaped text reads back unambiguously);</li>
 *   <li>other C0 controls and DEL become {@code \xHH} (ESC is {@code \x1b});</li>
 *   <li>C1 controls, format characters (bidi overrides, zero-width characters, BOM), line and
 *       paragraph separators, private-use, unassigned code points and lone surrogates become
 *       <code>&#92;uXXXX</code> (a supplementary character as its two surrogates);</li>
 *   <li>everything else (letters, digits, punctuation, symbols, emoji, spaces) is kept.</li>
 * </ul>
 *
 * <p>The escaped text is at most {@code maxLength} characters; when the input does not fit, what
 * was left out is counted: {@code "abc…(1048573 more)"} (characters of the input). Only the shown
 * part is scanned, so cutting a megabyte string costs as much as cutting a short one.
 *
 * <p>Hand-written: the escaping libraries at hand (commons-text's {@code escapeJava}, Logback's
 * JSON encoder) neither cut nor treat bidi and zero-width characters, and this is thirty lines.
 * Stateless and thread-safe. An internal of the DoSP modules, exported only to them.
 */
public final class LogText {
    /** How many characters of a peer's string a log line shows unless configured otherwise. */
    public static final int DEFAULT_MAX_LENGTH = 200;
    /** The smallest maximum length accepted: room for one escape and the note. */
    public static final int MIN_MAX_LENGTH = 16;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {
    }

    /** {@code s} escaped and cut to {@link #DEFAULT_MAX_LENGTH} characters; {@code "null"} for null. */
    public static String of(CharSequence s) {
        return of(s, DEFAULT_MAX_LENGTH);
    }

    /**
     * {@code s} escaped and cut to {@code maxLength} characters (plus the note of what was left
     * out); {@code "null"} for null.
     *
     * @throws IllegalArgumentException when {@code maxLength} is under {@link #MIN_MAX_LENGTH}
     */
    public static String of(CharSequence s, int maxLength) {
        if (maxLength < MIN_MAX_LENGTH) {
            throw new IllegalArgumentException("maxLength must be at least " + MIN_MAX_LENGTH + ", got " + maxLength);
        }
        if (s == null) {
            return "null";
        }
        int len = s.length();
        StringBuilder out = new StringBuilder(Math.min(len, maxLength) + 24);
        int i = 0;
        while (i < len) {
            char c = s.charAt(i);
            int n = Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1)) ? 2 : 1;
            int cp = n == 2 ? Character.toCodePoint(c, s.charAt(i + 1)) : c;
            int mark = out.length();
            if (needsEscape(cp)) {
                escape(out, cp);
            } else {
                out.append(c);
                if (n == 2) {
                    out.append(s.charAt(i + 1));
                }
            }
            if (out.length() > maxLength) {
                out.setLength(mark);
                break;
            }
            i += n;
        }
        if (i < len) {
            out.append("…(").append(len - i).append(" more)");
        }
        return out.toString();
    }

    /**
     * Whether {@code codePoint} is shown as it is: not a control, format, separator, private-use or
     * unassigned code point, nor a lone surrogate (the backslash is printable, but escaped by
     * {@link #of} so that escapes read back unambiguously).
     */
    public static boolean isPrintable(int codePoint) {
        return codePoint == '\\' || !needsEscape(codePoint);
    }

    private static boolean needsEscape(int cp) {
        if (cp == '\\') {
            return true;
        }
        if (cp >= 0x20 && cp < 0x7f) {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.PRIVATE_USE, Character.UNASSIGNED, Character.SURROGATE -> true;
            default -> false;
        };
    }

    private static void escape(StringBuilder out, int cp) {
        switch (cp) {
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (cp < 0x20 || cp == 0x7f) {
                    out.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
                } else if (Character.isBmpCodePoint(cp)) {
                    unicode(out, (char) cp);
                } else {
                    unicode(out, Character.highSurrogate(cp));
                    unicode(out, Character.lowSurrogate(cp));
                }
            }
        }
    }

    private static void unicode(StringBuilder out, char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
    }
}
