package io.dosp.client.internal;

import io.dosp.client.PresenceTarget;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of the network frames (docs/network.md): the requests of the features {@code groups},
 * {@code names}, {@code presence} and {@code network} encoded as EXT frames, and the server's frames (RESULT,
 * GROUP_MESSAGE, NAME_LOST, EVENT) read into immutable values. Integers are big-endian; {@code str} is
 * {@code len(1)} then 1..64 bytes of {@code a-z 0-9 . _ -} (first {@code a-z 0-9}). Every reader checks each length
 * against the frame and throws {@link MalformedPacketException}. Stateless.
 */
public final class NetworkFrames {
    // groups
    static final int JOIN = 0x50;
    static final int LEAVE = 0x51;
    static final int SEND = 0x52;
    static final int GROUP_MESSAGE = 0x53;
    static final int MEMBERS = 0x54;
    static final int GROUPS_RESULT = 0x5F;
    // names
    static final int REGISTER = 0x60;
    static final int UNREGISTER = 0x61;
    static final int RESOLVE = 0x62;
    static final int NAME_LOST = 0x63;
    static final int NAMES_RESULT = 0x6F;
    // presence
    static final int WATCH = 0x70;
    static final int UNWATCH = 0x71;
    static final int EVENT = 0x72;
    static final int PRESENCE_RESULT = 0x7F;
    // network views
    static final int CLIENTS = 0x80;
    static final int GROUPS = 0x81;
    static final int NAMES = 0x82;
    static final int NETWORK_RESULT = 0x8F;

    /** The longest group or name, in bytes. */
    public static final int MAX_NAME = 64;
    /** The length of a name's re-claim token and of a group message id. */
    static final int TOKEN_BYTES = 16;

    /** The RESULT statuses, by code. */
    static final String[] STATUS = {"OK", "BAD_REQUEST", "LIMIT", "NOT_ALLOWED", "NOT_MEMBER", "TAKEN", "NOT_FOUND",
        "TOO_LARGE", "UNAVAILABLE"};
    static final int OK = 0;
    static final int NOT_MEMBER = 4;
    static final int TAKEN = 5;
    static final int NOT_FOUND = 6;

    /** The reasons of presence events and NAME_LOST, by code. */
    static final String[] REASON = {"none", "left", "moved", "kicked", "revoked", "dropped", "unreachable",
        "requested", "conflict", "expired"};

    private NetworkFrames() {
    }

    /** The status's name, or {@code status N} for a code this client does not know. */
    static String statusName(int status) {
        return status < STATUS.length ? STATUS[status] : "status " + status;
    }

    /** The reason's name, or {@code reason N} for a code this client does not know. */
    static String reasonName(int reason) {
        return reason < REASON.length ? REASON[reason] : "reason " + reason;
    }

    /** Whether {@code s} is a valid group or name (docs/network.md "Common encodings"). */
    public static boolean validName(String s) {
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

    /** {@code s} when valid; otherwise an {@link IllegalArgumentException} saying what a {@code what} may be. */
    public static String checkName(String what, String s) {
        if (!validName(s)) {
            throw new IllegalArgumentException("a " + what + " is 1 to " + MAX_NAME
                    + " characters of a-z 0-9 . _ - starting with a-z or 0-9, not '" + s + "'");
        }
        return s;
    }

    // ---- requests (client to server) ----

    static SimplePacket join(int req, String group) {
        return frame(JOIN, req, w -> str(w, group));
    }

    static SimplePacket leave(int req, String group) {
        return frame(LEAVE, req, w -> str(w, group));
    }

    static SimplePacket send(int req, String group, byte[] data) {
        return frame(SEND, req, w -> {
            str(w, group);
            w.writeBytes(data);
        });
    }

    static SimplePacket members(int req, int offset, String group) {
        return frame(MEMBERS, req, w -> {
            u32(w, offset);
            str(w, group);
        });
    }

    /** REGISTER, with the token of an earlier registration ({@code null}: none). */
    static SimplePacket register(int req, String name, byte[] token) {
        return frame(REGISTER, req, w -> {
            str(w, name);
            if (token != null) {
                if (token.length != TOKEN_BYTES) {
                    throw new IllegalArgumentException("a name token is " + TOKEN_BYTES + " bytes");
                }
                w.writeBytes(token);
            }
        });
    }

    static SimplePacket unregister(int req, String name) {
        return frame(UNREGISTER, req, w -> str(w, name));
    }

    static SimplePacket resolve(int req, String name) {
        return frame(RESOLVE, req, w -> str(w, name));
    }

    static SimplePacket watch(int req, PresenceTarget target) {
        return frame(WATCH, req, w -> target(w, target));
    }

    static SimplePacket unwatch(int req, PresenceTarget target) {
        return frame(UNWATCH, req, w -> target(w, target));
    }

    /** CLIENTS, GROUPS or NAMES from {@code offset}. */
    static SimplePacket listing(int kind, int req, int offset) {
        if (kind != CLIENTS && kind != GROUPS && kind != NAMES) {
            throw new IllegalArgumentException("not a listing kind: " + kind);
        }
        return frame(kind, req, w -> u32(w, offset));
    }

    private interface Body {
        void write(ByteArrayOutputStream w);
    }

    private static SimplePacket frame(int kind, int req, Body body) {
        ByteArrayOutputStream w = new ByteArrayOutputStream(32);
        u32(w, req);
        body.write(w);
        return Ext.frame(kind, w.toByteArray());
    }

    private static void u32(ByteArrayOutputStream w, int v) {
        w.write(v >>> 24);
        w.write(v >>> 16);
        w.write(v >>> 8);
        w.write(v);
    }

    private static void str(ByteArrayOutputStream w, String s) {
        checkName("group or name", s);
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        w.write(b.length);
        w.writeBytes(b);
    }

    private static void target(ByteArrayOutputStream w, PresenceTarget t) {
        switch (t.kind()) {
            case VIP -> {
                w.write(1);
                w.writeBytes(Vip.parse(t.value()).toBytes());
            }
            case NAME -> {
                w.write(2);
                str(w, t.value());
            }
            case GROUP -> {
                w.write(3);
                str(w, t.value());
            }
            default -> throw new IllegalArgumentException("unknown presence target " + t);
        }
    }

    // ---- server frames ----

    /** A RESULT: {@code req(4) status(1) payload}; with a status other than OK the payload is a text. */
    record Result(int kind, int req, int status, byte[] payload) {
        /** The payload as the server's text (for a refusal), UTF-8, unescaped: escape before showing it. */
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Whether {@code kind} is one of the four RESULT kinds. */
    static boolean isResult(int kind) {
        return kind == GROUPS_RESULT || kind == NAMES_RESULT || kind == PRESENCE_RESULT || kind == NETWORK_RESULT;
    }

    /** The RESULT kind of the feature a request kind belongs to. */
    static int resultKindOf(int requestKind) {
        return (requestKind & 0xF0) | 0x0F;
    }

    static Result result(SimplePacket p) {
        Reader r = new Reader(p);
        int kind = r.kind;
        if (!isResult(kind)) {
            throw bad("EXT kind 0x" + Integer.toHexString(kind) + " is not a RESULT");
        }
        return new Result(kind, r.i32(), r.u8(), r.rest());
    }

    /** GROUP_MESSAGE: {@code msg_id(16) sender:vip(4) group:str data}. */
    record GroupMessageFrame(byte[] messageId, Vip sender, String group, byte[] data) {
    }

    static GroupMessageFrame groupMessage(SimplePacket p) {
        Reader r = new Reader(p).expect(GROUP_MESSAGE);
        return new GroupMessageFrame(r.bytes(TOKEN_BYTES), r.vip(), r.str(), r.rest());
    }

    /** NAME_LOST: {@code name:str reason(1) winner:vip(4)}. */
    record NameLost(String name, int reason, Vip winner) {
    }

    static NameLost nameLost(SimplePacket p) {
        Reader r = new Reader(p).expect(NAME_LOST);
        NameLost n = new NameLost(r.str(), r.u8(), r.vip());
        r.end();
        return n;
    }

    /** EVENT: {@code target event(1) vip(4) reason(1)}; {@code joined} for event 1, left for 2. */
    record Event(PresenceTarget target, boolean joined, Vip vip, int reason) {
    }

    static Event event(SimplePacket p) {
        Reader r = new Reader(p).expect(EVENT);
        PresenceTarget t = r.target();
        int e = r.u8();
        if (e != 1 && e != 2) {
            throw bad("presence EVENT " + e + " (1 joined, 2 left)");
        }
        Event ev = new Event(t, e == 1, r.vip(), r.u8());
        r.end();
        return ev;
    }

    // ---- OK payloads ----

    /** SEND's OK: {@code msg_id(16) members(4)}. */
    record Sent(byte[] messageId, long members) {
    }

    static Sent sent(byte[] payload) {
        Reader r = new Reader(payload);
        Sent s = new Sent(r.bytes(TOKEN_BYTES), r.u32());
        r.end();
        return s;
    }

    /** REGISTER's OK: {@code token(16)}. */
    static byte[] token(byte[] payload) {
        Reader r = new Reader(payload);
        byte[] t = r.bytes(TOKEN_BYTES);
        r.end();
        return t;
    }

    /** RESOLVE's OK: {@code vip(4)}. */
    static Vip resolved(byte[] payload) {
        Reader r = new Reader(payload);
        Vip v = r.vip();
        r.end();
        return v;
    }

    /** One page of a listing: {@code total(4) count(2)} then the entries. */
    record Page<T>(long total, List<T> entries) {
    }

    /** An entry of CLIENTS: {@code vip(4) user:str0}. */
    record ClientEntry(Vip vip, String user) {
    }

    /** An entry of GROUPS ({@code group:str members(4)}) or NAMES ({@code name:str vip(4)}). */
    record NamedEntry(String name, long members, Vip vip) {
    }

    /** A page of MEMBERS. */
    static Page<Vip> membersPage(byte[] payload) {
        Reader r = new Reader(payload);
        long total = r.u32();
        int count = r.u16();
        List<Vip> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(r.vip());
        }
        r.end();
        return new Page<>(total, List.copyOf(out));
    }

    static Page<ClientEntry> clientsPage(byte[] payload) {
        Reader r = new Reader(payload);
        long total = r.u32();
        int count = r.u16();
        List<ClientEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new ClientEntry(r.vip(), r.str0()));
        }
        r.end();
        return new Page<>(total, List.copyOf(out));
    }

    static Page<NamedEntry> groupsPage(byte[] payload) {
        Reader r = new Reader(payload);
        long total = r.u32();
        int count = r.u16();
        List<NamedEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new NamedEntry(r.str(), r.u32(), null));
        }
        r.end();
        return new Page<>(total, List.copyOf(out));
    }

    static Page<NamedEntry> namesPage(byte[] payload) {
        Reader r = new Reader(payload);
        long total = r.u32();
        int count = r.u16();
        List<NamedEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new NamedEntry(r.str(), 0, r.vip()));
        }
        r.end();
        return new Page<>(total, List.copyOf(out));
    }

    private static MalformedPacketException bad(String message) {
        return new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.EXT.code(), message,
                ErrCode.UKNP);
    }

    /** Bounds-checked reads over a frame body or a payload. */
    private static final class Reader {
        private final byte[] b;
        private int at;
        final int kind;

        /** Over an EXT frame's payload (after its kind byte). */
        Reader(SimplePacket p) {
            this.kind = Ext.kind(p);
            this.b = p.body();
            this.at = 1;
        }

        Reader(byte[] payload) {
            this.kind = -1;
            this.b = payload;
            this.at = 0;
        }

        Reader expect(int k) {
            if (kind != k) {
                throw bad("EXT kind 0x" + Integer.toHexString(kind) + " where 0x" + Integer.toHexString(k)
                        + " was expected");
            }
            return this;
        }

        private void need(int n) {
            if (b.length - at < n) {
                throw bad("network frame ends early (" + n + " more bytes expected at byte " + at + " of "
                        + b.length + ")");
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

        long u32() {
            return i32() & 0xffffffffL;
        }

        Vip vip() {
            need(Vip.BYTES);
            Vip v = Vip.fromBytes(b, at);
            at += Vip.BYTES;
            return v;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = new byte[n];
            System.arraycopy(b, at, out, 0, n);
            at += n;
            return out;
        }

        String str() {
            int n = u8();
            need(n);
            String s = new String(b, at, n, StandardCharsets.US_ASCII);
            at += n;
            if (!validName(s)) {
                throw bad("a group or name of " + n + " bytes that is not 1 to " + MAX_NAME
                        + " bytes of a-z 0-9 . _ -");
            }
            return s;
        }

        String str0() {
            int n = u8();
            need(n);
            String s = new String(b, at, n, StandardCharsets.UTF_8);
            at += n;
            return s;
        }

        PresenceTarget target() {
            int type = u8();
            return switch (type) {
                case 1 -> PresenceTarget.vip(vip());
                case 2 -> PresenceTarget.name(str());
                case 3 -> PresenceTarget.group(str());
                default -> throw bad("presence target type " + type + " (1 vIP, 2 name, 3 group)");
            };
        }

        byte[] rest() {
            return bytes(b.length - at);
        }

        void end() {
            if (at != b.length) {
                throw bad("network frame has " + (b.length - at) + " bytes after its fields");
            }
        }
    }
}
