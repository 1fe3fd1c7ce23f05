package io.dosp.server.internal.network;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.PacketType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The encodings shared by the network frames (docs/network.md "Common encodings"): big-endian integers, {@code str}
 * (a group or a name: {@code len(1)} then 1..64 bytes of {@code a-z 0-9 . _ -}, first {@code a-z 0-9}), {@code str0}
 * (a user: {@code len(1)} UTF-8, may be empty), the RESULT statuses and the reasons. Stateless.
 */
final class NetWire {
    /** The longest group or name, in bytes. */
    static final int MAX_NAME = 64;
    /** The longest explanation text, in bytes. */
    static final int MAX_TEXT = 200;
    /** The most entries in one listing RESULT. */
    static final int PAGE = 4096;

    // RESULT statuses
    static final int OK = 0;
    static final int BAD_REQUEST = 1;
    static final int LIMIT = 2;
    static final int NOT_ALLOWED = 3;
    static final int NOT_MEMBER = 4;
    static final int TAKEN = 5;
    static final int NOT_FOUND = 6;
    static final int TOO_LARGE = 7;
    static final int UNAVAILABLE = 8;

    // reasons
    static final int NONE = 0;
    static final int LEFT = 1;
    static final int MOVED = 2;
    static final int KICKED = 3;
    static final int REVOKED = 4;
    static final int DROPPED = 5;
    static final int UNREACHABLE = 6;
    static final int REQUESTED = 7;
    static final int CONFLICT = 8;
    static final int EXPIRED = 9;

    private static final HexFormat HEX = HexFormat.of();

    private NetWire() {
    }

    /** Whether {@code s} is a valid group or name. */
    static boolean validName(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_NAME) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    static String hex(byte[] id) {
        return HEX.formatHex(id);
    }

    static byte[] unhex(String id) {
        return HEX.parseHex(id);
    }

    /** A reader over a frame body; every read checks the bounds and throws {@link MalformedPacketException}. */
    static final class Reader {
        private final byte[] b;
        private int at;
        private final int end;

        Reader(byte[] b, int from) {
            this.b = b;
            this.at = from;
            this.end = b.length;
        }

        /** The whole array read from. */
        byte[] whole() {
            return b;
        }

        int remaining() {
            return end - at;
        }

        private void need(int n) {
            if (end - at < n) {
                throw bad("frame ends early (" + n + " more bytes expected at " + at + ")");
            }
        }

        int u8() {
            need(1);
            return b[at++] & 0xff;
        }

        int u16() {
            need(2);
            int v = ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
            at += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
            at += 4;
            return v;
        }

        long i64() {
            return ((long) i32() << 32) | (i32() & 0xffffffffL);
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = new byte[n];
            System.arraycopy(b, at, out, 0, n);
            at += n;
            return out;
        }

        /** A group or a name; throws when its length or charset is wrong. */
        String str() {
            int n = u8();
            need(n);
            String s = new String(b, at, n, StandardCharsets.US_ASCII);
            at += n;
            if (!validName(s)) {
                throw bad("a group or name must be 1 to " + MAX_NAME + " bytes of a-z 0-9 . _ - (starting a-z 0-9)");
            }
            return s;
        }

        /** A user: {@code len(1)} UTF-8. */
        String str0() {
            int n = u8();
            need(n);
            String s = new String(b, at, n, StandardCharsets.UTF_8);
            at += n;
            return s;
        }

        byte[] rest() {
            return bytes(end - at);
        }

        void end() {
            if (at != end) {
                throw bad((end - at) + " bytes after the end of the frame's layout");
            }
        }
    }

    /** A growable big-endian writer. */
    static final class Writer {
        private final ByteArrayOutputStream out;

        Writer(int size) {
            out = new ByteArrayOutputStream(size);
        }

        Writer u8(int v) {
            out.write(v);
            return this;
        }

        Writer u16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Writer i32(int v) {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Writer i64(long v) {
            i32((int) (v >>> 32));
            return i32((int) v);
        }

        Writer bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        /** A group or name (already valid). */
        Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            out.write(b.length);
            return bytes(b);
        }

        /** A user, cut to 255 bytes. */
        Writer str0(String s) {
            byte[] b = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 255) {
                b = java.util.Arrays.copyOf(b, 255);
            }
            out.write(b.length);
            return bytes(b);
        }

        /** A text, cut to {@value #MAX_TEXT} bytes (not inside a character). */
        Writer text(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_TEXT) {
                int e = MAX_TEXT;
                while (e > 0 && (b[e] & 0xC0) == 0x80) {
                    e--;
                }
                b = java.util.Arrays.copyOf(b, e);
            }
            return bytes(b);
        }

        int size() {
            return out.size();
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static MalformedPacketException bad(String why) {
        return new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.EXT.code(), why,
                ErrCode.UKNP);
    }
}
