package io.dosp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The client-server extension frames of this project: packet type {@link PacketType#EXT} (0x1F), body
 * {@code kind(1) payload}. They are negotiated so a reference peer never sees one:
 *
 * <ol>
 *   <li>After AIP and HSK, a client of ours sends {@link #HELLO} listing the features it speaks. A reference server
 *       answers ERR UKNP (a bare {@code 09}) and keeps the connection, as it does for any unknown type; the client
 *       then uses none.</li>
 *   <li>A server of ours answers {@link #WELCOME} with the features it enables for this connection: those the client
 *       offered that the server has on, and those it requires (for instance {@link #FEATURE_AUTH} with admission on).
 *       From then on either side may send the frames of an enabled feature, and no other.</li>
 * </ol>
 *
 * <p>HELLO and WELCOME payload: {@code version(1)=1 count(1)} then {@code count} times {@code length(1) name}, a
 * name being 1 to {@value #MAX_NAME_LENGTH} bytes of {@code a-z 0-9 - .}; at most {@value #MAX_FEATURES} names.
 * Unknown names are ignored by both sides. Kinds are allocated in ranges per feature (below); a frame of a kind
 * whose feature is not enabled is answered with ERR UKNP and a text.
 */
public final class Ext {
    /** Client to server: the features the client speaks. */
    public static final int HELLO = 0x01;
    /** Server to client: the features enabled for this connection. */
    public static final int WELCOME = 0x02;
    /** First kind of the admission feature ({@link #FEATURE_AUTH}); its kinds are {@code 0x10..0x1F}. */
    public static final int AUTH_FIRST = 0x10;
    /** First kind of the peer-gone feature ({@link #FEATURE_PEER_GONE}); its kinds are {@code 0x20..0x2F}. */
    public static final int PEER_GONE_FIRST = 0x20;
    /** First kind of the vouch feature ({@link #FEATURE_VOUCH}); its kinds are {@code 0x30..0x3F}. */
    public static final int VOUCH_FIRST = 0x30;
    /** First kind of the groups feature ({@link #FEATURE_GROUPS}); its kinds are {@code 0x50..0x5F} (docs/network.md). */
    public static final int GROUPS_FIRST = 0x50;
    /** First kind of the names feature ({@link #FEATURE_NAMES}); its kinds are {@code 0x60..0x6F} (docs/network.md). */
    public static final int NAMES_FIRST = 0x60;
    /** First kind of the presence feature ({@link #FEATURE_PRESENCE}); its kinds are {@code 0x70..0x7F} (docs/network.md). */
    public static final int PRESENCE_FIRST = 0x70;
    /** First kind of the network views feature ({@link #FEATURE_NETWORK}); its kinds are {@code 0x80..0x8F} (docs/network.md). */
    public static final int NETWORK_FIRST = 0x80;
    /** First kind of the resume feature ({@link #FEATURE_RESUME}); its kinds are {@code 0x90..0x9F} ({@link Resume}). */
    public static final int RESUME_FIRST = 0x90;
    /** First kind of the functions feature ({@link #FEATURE_FUNCTIONS}); its kinds are {@code 0x40..0x4F}. */
    public static final int FUNCTIONS_FIRST = 0x40;
    /**
     * Client to server, feature {@link #FEATURE_FUNCTIONS}: a call of a server function with arguments. Payload: one
     * messaging envelope ({@link Envelope}) of kind REQUEST: the function's name, the caller's call id, the positional
     * arguments as a JSON or MessagePack array ({@code docs/messaging.md}, "Server functions").
     */
    public static final int FN_CALL = 0x40;
    /**
     * Server to client, feature {@link #FEATURE_FUNCTIONS}: the answer to an {@link #FN_CALL}. Payload: one envelope of
     * kind RESPONSE or ERROR, flag REPLY, the call's id.
     */
    public static final int FN_REPLY = 0x41;
    /**
     * Server to client, feature {@link #FEATURE_PEER_GONE}: a vIP the client exchanged S2C with recently changed
     * hands. Payload {@code vip(4) reason(1) [text UTF-8]}, see {@link PeerGone}.
     */
    public static final int PEER_GONE = 0x20;

    /** Client admission: login before anything else (kinds {@code 0x10..0x1F}). */
    public static final String FEATURE_AUTH = "auth";
    /** The server tells a client when a vIP it exchanged S2C with changes hands (kinds {@code 0x20..0x2F}). */
    public static final String FEATURE_PEER_GONE = "peer-gone";
    /** The server says which user and identity hold a vIP (kinds {@code 0x30..0x3F}). */
    public static final String FEATURE_VOUCH = "vouch";
    /** Server functions with arguments, typed and discoverable (kinds {@code 0x40..0x4F}). */
    public static final String FEATURE_FUNCTIONS = "functions";

    /** Groups across the federation: join, leave, send to a group, members (kinds {@code 0x50..0x5F}). */
    public static final String FEATURE_GROUPS = "groups";
    /** Names unique across the federation: register, unregister, resolve (kinds {@code 0x60..0x6F}). */
    public static final String FEATURE_NAMES = "names";
    /** Presence: watch a vIP, a name or a group, joined/left events (kinds {@code 0x70..0x7F}). */
    public static final String FEATURE_PRESENCE = "presence";
    /** Network-wide views: clients, groups, names of every server (kinds {@code 0x80..0x8F}). */
    public static final String FEATURE_NETWORK = "network";
    /**
     * Cluster mode: the node gives the client a resume secret for its vIP, and a client whose node was lost gets that
     * vIP back on another node with it (kinds {@code 0x90..0x9F}, {@link Resume}; {@code docs/cluster.md}).
     */
    public static final String FEATURE_RESUME = "resume";

    /** The version byte of HELLO and WELCOME. */
    public static final int VERSION = 1;
    /** The most feature names in one HELLO or WELCOME. */
    public static final int MAX_FEATURES = 32;
    /** The longest feature name, in bytes. */
    public static final int MAX_NAME_LENGTH = 32;

    /** The longest text a PEER_GONE carries, in bytes (a longer one is cut by the sender, refused by the reader). */
    public static final int MAX_PEER_GONE_TEXT = 200;

    private Ext() {
    }

    /**
     * A PEER_GONE notice: {@code vip} changed hands for {@code reason} ({@code PeerGone.LEFT} ...), with an
     * optional server-made {@code text}. The holder's own words (its EXIT reason) are never carried.
     *
     * @param vip    the vIP whose holder is gone
     * @param reason why, one of the {@code PeerGone} reason codes (any byte: readers treat unknown codes as
     *               "gone")
     * @param text   what the server says, empty for none; UTF-8 at most {@value #MAX_PEER_GONE_TEXT} bytes
     */
    public record PeerGone(Vip vip, int reason, String text) {
        /** The holder ended its connection (EXIT) or the connection was lost. */
        public static final int LEFT = 1;
        /** The holder moved to another vIP (RQIP); it is still connected, under another vIP. */
        public static final int MOVED = 2;
        /** The server removed the holder: an admin kick or ban, a blocked hash. */
        public static final int KICKED = 3;
        /** The holder's admission (login, vouched identity) was revoked. */
        public static final int REVOKED = 4;
        /** The server closed the holder's connection for its own reasons: idle, too slow, a protocol error. */
        public static final int DROPPED = 5;
        /**
         * The holder was on another server of the federation, and that server is no longer reachable from here (the
         * network directory withdrew its clients); the holder may still be connected there.
         */
        public static final int UNREACHABLE = 6;

        /** Checks the fields. */
        public PeerGone {
            if (reason < 0 || reason > 0xFF) {
                throw new IllegalArgumentException("PEER_GONE reason " + reason + " is not a byte");
            }
            text = text == null ? "" : text;
        }

        /** The reason as a word: {@code left}, {@code moved}, {@code kicked}, {@code revoked}, {@code dropped},
         * {@code unreachable}. */
        public String reasonName() {
            return switch (reason) {
                case LEFT -> "left";
                case MOVED -> "moved";
                case KICKED -> "kicked";
                case REVOKED -> "revoked";
                case DROPPED -> "dropped";
                case UNREACHABLE -> "unreachable";
                default -> "gone (reason " + reason + ")";
            };
        }

        /** The reason and the text, e.g. {@code kicked: Disconnected by admin} (the text may come from a server). */
        public String describe() {
            return text.isEmpty() ? reasonName() : reasonName() + ": " + text;
        }

        /** This notice as an EXT frame; a text over {@value Ext#MAX_PEER_GONE_TEXT} UTF-8 bytes is cut. */
        public SimplePacket toFrame() {
            byte[] t = cut(text.getBytes(StandardCharsets.UTF_8), MAX_PEER_GONE_TEXT);
            byte[] payload = new byte[Vip.BYTES + 1 + t.length];
            System.arraycopy(vip.toBytes(), 0, payload, 0, Vip.BYTES);
            payload[Vip.BYTES] = (byte) reason;
            System.arraycopy(t, 0, payload, Vip.BYTES + 1, t.length);
            return frame(PEER_GONE, payload);
        }

        /**
         * Reads a PEER_GONE frame.
         *
         * @throws MalformedPacketException when {@code p} is not an EXT PEER_GONE frame, is shorter than
         *                                  {@code vip(4) reason(1)}, or its text is too long
         */
        public static PeerGone parse(SimplePacket p) {
            if (kind(p) != PEER_GONE) {
                throw bad("EXT kind " + kind(p) + " is not PEER_GONE");
            }
            int len = p.bodyLength() - 1;
            if (len < Vip.BYTES + 1) {
                throw bad("EXT PEER_GONE of " + len + " bytes (at least vip(4) reason(1))");
            }
            if (len - Vip.BYTES - 1 > MAX_PEER_GONE_TEXT) {
                throw bad("EXT PEER_GONE text of " + (len - Vip.BYTES - 1) + " bytes (at most "
                        + MAX_PEER_GONE_TEXT + ")");
            }
            byte[] b = p.body();
            return new PeerGone(Vip.fromBytes(b, 1), b[1 + Vip.BYTES] & 0xff,
                    new String(b, 2 + Vip.BYTES, len - Vip.BYTES - 1, StandardCharsets.UTF_8));
        }

        /** {@code utf8} cut to at most {@code max} bytes, not inside a character. */
        private static byte[] cut(byte[] utf8, int max) {
            if (utf8.length <= max) {
                return utf8;
            }
            int end = max;
            while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
                end--; // utf8[end] continues a character: cut before that character starts
            }
            byte[] out = new byte[end];
            System.arraycopy(utf8, 0, out, 0, end);
            return out;
        }
    }

    /** An EXT frame of {@code kind} carrying {@code payload} (copied). */
    public static SimplePacket frame(int kind, byte[] payload) {
        if (kind < 0 || kind > 0xFF) {
            throw new IllegalArgumentException("EXT kind " + kind + " is not a byte (0..255)");
        }
        byte[] body = new byte[1 + payload.length];
        body[0] = (byte) kind;
        System.arraycopy(payload, 0, body, 1, payload.length);
        return new SimplePacket(PacketType.EXT.code(), body, 0, body.length);
    }

    /** HELLO offering {@code features}. */
    public static SimplePacket hello(Collection<String> features) {
        return frame(HELLO, encodeFeatures(features));
    }

    /** WELCOME enabling {@code features}. */
    public static SimplePacket welcome(Collection<String> features) {
        return frame(WELCOME, encodeFeatures(features));
    }

    /**
     * The kind byte of an EXT frame.
     *
     * @throws MalformedPacketException when {@code p} is not EXT or has no kind byte
     */
    public static int kind(SimplePacket p) {
        if (p.typeCode() != PacketType.EXT.code()) {
            throw bad("not an EXT frame");
        }
        if (p.bodyLength() < 1) {
            throw bad("EXT frame without a kind byte");
        }
        return p.bodyByte(0) & 0xff;
    }

    /** The payload of an EXT frame (after the kind byte), copied. */
    public static byte[] payload(SimplePacket p) {
        kind(p);
        byte[] body = p.body();
        byte[] out = new byte[body.length - 1];
        System.arraycopy(body, 1, out, 0, out.length);
        return out;
    }

    /** The feature a kind belongs to, or {@code null} for HELLO, WELCOME and unallocated kinds. */
    public static String featureOf(int kind) {
        return switch (kind >> 4) {
            case 1 -> FEATURE_AUTH;
            case 2 -> FEATURE_PEER_GONE;
            case 3 -> FEATURE_VOUCH;
            case 4 -> FEATURE_FUNCTIONS;
            case 5 -> FEATURE_GROUPS;
            case 6 -> FEATURE_NAMES;
            case 7 -> FEATURE_PRESENCE;
            case 8 -> FEATURE_NETWORK;
            case 9 -> FEATURE_RESUME;
            default -> null;
        };
    }

    /**
     * The feature names of a HELLO or WELCOME frame, in wire order.
     *
     * @throws MalformedPacketException when the payload does not follow the layout above
     */
    public static Set<String> features(SimplePacket p) {
        int kind = kind(p);
        if (kind != HELLO && kind != WELCOME) {
            throw bad("EXT kind " + kind + " carries no feature list");
        }
        byte[] b = p.body();
        if (b.length < 3) {
            throw bad("EXT feature list shorter than its 2-byte header");
        }
        if ((b[1] & 0xff) != VERSION) {
            throw bad("EXT feature list version " + (b[1] & 0xff)
                    + " (this implementation speaks " + VERSION + ")");
        }
        int count = b[2] & 0xff;
        if (count > MAX_FEATURES) {
            throw bad("EXT feature list of " + count + " names (at most "
                    + MAX_FEATURES + ")");
        }
        Set<String> out = new LinkedHashSet<>();
        int at = 3;
        for (int i = 0; i < count; i++) {
            if (at >= b.length) {
                throw bad("EXT feature list ends after " + i + " of " + count + " names");
            }
            int len = b[at++] & 0xff;
            if (len == 0 || len > MAX_NAME_LENGTH || at + len > b.length) {
                throw bad("EXT feature name " + (i + 1) + " has a bad length " + len);
            }
            String name = new String(b, at, len, StandardCharsets.US_ASCII);
            if (!validName(name)) {
                throw bad("EXT feature name " + (i + 1)
                        + " is not made of a-z 0-9 - .");
            }
            out.add(name);
            at += len;
        }
        if (at != b.length) {
            throw bad("EXT feature list has " + (b.length - at) + " bytes after its names");
        }
        return Collections.unmodifiableSet(out);
    }

    private static MalformedPacketException bad(String message) {
        return new MalformedPacketException(MalformedPacketException.Reason.BAD_BODY, PacketType.EXT.code(), message,
                ErrCode.UKNP);
    }

    private static byte[] encodeFeatures(Collection<String> features) {
        if (features.size() > MAX_FEATURES) {
            throw new IllegalArgumentException("at most " + MAX_FEATURES + " features, got " + features.size());
        }
        int size = 2;
        for (String f : features) {
            if (!validName(f)) {
                throw new IllegalArgumentException("feature name '" + f + "' is not 1.." + MAX_NAME_LENGTH
                        + " characters of a-z 0-9 - .");
            }
            size += 1 + f.length();
        }
        byte[] out = new byte[size];
        out[0] = (byte) VERSION;
        out[1] = (byte) features.size();
        int at = 2;
        for (String f : features) {
            out[at++] = (byte) f.length();
            byte[] name = f.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, out, at, name.length);
            at += name.length;
        }
        return out;
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
