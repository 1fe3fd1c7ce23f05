package io.dosp.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The body of an SD (0x06) federation advertisement (spec section 9): the templates a server
 * owns (hop 0) or can reach through others (hop n).
 *
 * <h2>Wire format</h2>
 * <pre>
 * version(1)=1  count(1)  count × entry
 * entry = host_len(1) host(UTF-8) port(2, big-endian) template_len(1) template(ASCII) hop_count(1)
 * </pre>
 * The reference always sends {@code 01 00} (no entries); that decodes to {@link #EMPTY}.
 *
 * <h2>What is accepted</h2>
 * <ul>
 *   <li>host: 1..255 bytes of well-formed UTF-8 without control characters;</li>
 *   <li>port: 0..65535. Port 0 is allowed and means "no connectable port given": a route
 *       learned from an advertisement goes over the link it arrived on, so the port is
 *       informational;</li>
 *   <li>template: 1..255 ASCII characters from {@code 0-9 . x { } /} that
 *       {@link VipTemplate#parse(String)} accepts. We encode {@link VipTemplate#toString()},
 *       so octet-aligned templates travel as {@code 7.10.0.x}, the only form the Python
 *       reference understands; other prefixes travel as CIDR, understood only by this
 *       project;</li>
 *   <li>hop count: 0..255;</li>
 *   <li>at most 255 entries; several entries may name the same template (choosing among
 *       them is the router's job).</li>
 * </ul>
 * {@link #decode(byte[])} reports anything else (wrong version, truncation, fewer or more
 * bytes than the count says, bad host or template) as a {@link ProtocolException} with
 * {@link ErrCode#SDF}, and never throws anything else for any byte array. Constructing an
 * {@link Entry} or an advertisement that could not be encoded throws
 * {@link IllegalArgumentException}, so {@link #encode()} always succeeds.
 *
 * <p>Immutable and thread-safe.
 *
 * @param entries the entries, in wire order (copied; unmodifiable)
 */
public record Advertisement(List<Entry> entries) {

    /** The only version of the SD body. */
    public static final int VERSION = 1;

    /** Most entries one advertisement can carry (the count is one byte). */
    public static final int MAX_ENTRIES = 255;

    /** Longest host or template, in bytes (their lengths are one byte). */
    public static final int MAX_TEXT_BYTES = 255;

    /** The advertisement with no entries, {@code 01 00} on the wire. */
    public static final Advertisement EMPTY = new Advertisement(List.of());

    /** Smallest possible entry: 1-byte host, shortest template ({@code 1.x.x.x}), lengths, port, hop. */
    private static final int MIN_ENTRY_BYTES = 1 + 1 + 2 + 1 + 7 + 1;

    /**
     * An advertisement of {@code entries}.
     *
     * @throws IllegalArgumentException if {@code entries} is null, holds a null or has more than 255 entries
     */
    public Advertisement {
        if (entries == null) {
            throw new IllegalArgumentException("advertisement entries: null");
        }
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("advertisement has " + entries.size()
                    + " entries; at most " + MAX_ENTRIES + " fit in one SD packet");
        }
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i) == null) {
                throw new IllegalArgumentException("advertisement entry " + (i + 1) + " is null");
            }
        }
        entries = List.copyOf(entries);
    }

    /** An advertisement of the given entries, in order (see the canonical constructor). */
    public static Advertisement of(Entry... entries) {
        return new Advertisement(Arrays.asList(entries));
    }

    /** The SD body: {@code version count entries}. */
    public byte[] encode() {
        byte[][] hosts = new byte[entries.size()][];
        byte[][] templates = new byte[entries.size()][];
        int size = 2;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            hosts[i] = e.host().getBytes(StandardCharsets.UTF_8);
            templates[i] = e.template().toString().getBytes(StandardCharsets.US_ASCII);
            size += 1 + hosts[i].length + 2 + 1 + templates[i].length + 1;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) VERSION).put((byte) entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            out.put((byte) hosts[i].length).put(hosts[i]);
            out.putShort((short) e.port());
            out.put((byte) templates[i].length).put(templates[i]);
            out.put((byte) e.hopCount());
        }
        return out.array();
    }

    /**
     * Parses an SD body.
     *
     * @param body the SD packet body (after any decompression)
     * @throws ProtocolException with {@link ErrCode#SDF} if the body is malformed
     * @throws NullPointerException if {@code body} is null
     */
    public static Advertisement decode(byte[] body) {
        Objects.requireNonNull(body, "body");
        if (body.length < 2) {
            throw sdf("SD advertisement too short: " + body.length + " byte(s), need at least 2 (version, count)");
        }
        int version = body[0] & 0xff;
        if (version != VERSION) {
            throw sdf("SD advertisement version " + version + " is not supported (expected " + VERSION + ")");
        }
        int count = body[1] & 0xff;
        int remaining = body.length - 2;
        if ((long) count * MIN_ENTRY_BYTES > remaining) {
            throw sdf("SD advertisement claims " + count + " entries but only " + remaining
                    + " bytes follow (each entry needs at least " + MIN_ENTRY_BYTES + ")");
        }
        List<Entry> entries = new ArrayList<>(count);
        int pos = 2;
        for (int n = 1; n <= count; n++) {
            String where = "SD advertisement entry " + n + " of " + count;
            need(body, pos, 1, where, "host length");
            int hostLen = body[pos++] & 0xff;
            if (hostLen == 0) {
                throw sdf(where + ": host is empty");
            }
            need(body, pos, hostLen, where, "host");
            String host = decodeHost(body, pos, hostLen, where);
            pos += hostLen;
            need(body, pos, 2, where, "port");
            int port = ((body[pos] & 0xff) << 8) | (body[pos + 1] & 0xff);
            pos += 2;
            need(body, pos, 1, where, "template length");
            int templateLen = body[pos++] & 0xff;
            if (templateLen == 0) {
                throw sdf(where + ": template is empty");
            }
            need(body, pos, templateLen, where, "template");
            VipTemplate template = decodeTemplate(body, pos, templateLen, where);
            pos += templateLen;
            need(body, pos, 1, where, "hop count");
            int hop = body[pos++] & 0xff;
            try {
                entries.add(new Entry(host, port, template, hop));
            } catch (IllegalArgumentException e) { // not expected: every field was checked above
                throw sdf(where + ": " + e.getMessage());
            }
        }
        if (pos != body.length) {
            throw sdf("SD advertisement has " + (body.length - pos) + " trailing byte(s) after its "
                    + count + " entries");
        }
        return new Advertisement(entries);
    }

    private static void need(byte[] body, int pos, int n, String where, String what) {
        if (body.length - pos < n) {
            throw sdf(where + " is truncated: " + what + " needs " + n + " byte(s), "
                    + (body.length - pos) + " left");
        }
    }

    private static String decodeHost(byte[] body, int pos, int len, String where) {
        String host;
        try {
            host = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body, pos, len))
                    .toString();
        } catch (CharacterCodingException e) {
            throw sdf(where + ": host is not valid UTF-8");
        }
        String bad = hostProblem(host);
        if (bad != null) {
            throw sdf(where + ": " + bad);
        }
        return host;
    }

    private static VipTemplate decodeTemplate(byte[] body, int pos, int len, String where) {
        for (int i = 0; i < len; i++) {
            int b = body[pos + i] & 0xff;
            if (!isTemplateChar(b)) {
                throw sdf(where + ": template byte " + i + " (0x" + Integer.toHexString(b)
                        + ") is not one of 0-9 . x { } /");
            }
        }
        String text = new String(body, pos, len, StandardCharsets.US_ASCII);
        try {
            return VipTemplate.parse(text);
        } catch (IllegalArgumentException e) {
            throw sdf(where + ": " + e.getMessage());
        }
    }

    private static boolean isTemplateChar(int b) {
        return (b >= '0' && b <= '9') || b == '.' || b == 'x' || b == '{' || b == '}' || b == '/';
    }

    /** What is wrong with {@code host} as an advertised host, or null if nothing. */
    private static String hostProblem(String host) {
        if (host.isEmpty()) {
            return "host is empty";
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (Character.isISOControl(c)) {
                return "host contains control character U+" + String.format("%04X", (int) c) + " at index " + i;
            }
        }
        return null;
    }

    private static ProtocolException sdf(String message) {
        return new ProtocolException(message, ErrCode.SDF);
    }

    /**
     * One advertised route: the template, how far away its owner is, and the advertised
     * server's host and port. Immutable.
     *
     * @param host     the advertising server's host name or address: 1..255 UTF-8 bytes, no control characters
     * @param port     its client port, 0..65535 (0: none given)
     * @param template the vIP template this entry routes
     * @param hopCount 0 when the advertiser owns the template, n when it is n hops away; 0..255
     */
    public record Entry(String host, int port, VipTemplate template, int hopCount) {

        /**
         * An entry; see the parameter descriptions for the limits.
         *
         * @throws IllegalArgumentException naming the bad value if any limit is broken
         */
        public Entry {
            if (host == null) {
                throw new IllegalArgumentException("advertisement host: null");
            }
            String bad = hostProblem(host);
            if (bad != null) {
                throw new IllegalArgumentException("advertisement host '" + host.replaceAll("\\p{Cntrl}", "?")
                        + "': " + bad);
            }
            int hostBytes = utf8Length(host);
            if (hostBytes > MAX_TEXT_BYTES) {
                throw new IllegalArgumentException("advertisement host '" + host.substring(0, 32) + "…' is "
                        + hostBytes + " UTF-8 bytes; at most " + MAX_TEXT_BYTES + " fit");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("advertisement port " + port + " for host '" + host
                        + "' is not in 0..65535");
            }
            if (template == null) {
                throw new IllegalArgumentException("advertisement template for host '" + host + "': null");
            }
            if (hopCount < 0 || hopCount > 255) {
                throw new IllegalArgumentException("advertisement hop count " + hopCount + " for template "
                        + template + " is not in 0..255");
            }
        }

        /**
         * An entry whose template is given as text.
         *
         * @throws IllegalArgumentException if the template text does not parse or any limit is broken
         */
        public Entry(String host, int port, String template, int hopCount) {
            this(host, port, VipTemplate.parse(template), hopCount);
        }

        /** This entry with another hop count (e.g. {@code hopCount() + 1} when passing a route on). */
        public Entry withHopCount(int newHopCount) {
            return new Entry(host, port, template, newHopCount);
        }

        private static int utf8Length(String s) {
            try {
                return StandardCharsets.UTF_8.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(s))
                        .remaining();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("advertisement host contains an unpaired surrogate"
                        + " and cannot be encoded as UTF-8");
            }
        }
    }
}
