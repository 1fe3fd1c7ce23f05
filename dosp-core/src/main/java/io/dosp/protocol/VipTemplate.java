package io.dosp.protocol;

/**
 * A vIP template: the block of virtual addresses one server hands out (spec section 4),
 * stored as a base address and a prefix length.
 *
 * <h2>Accepted text</h2>
 * <ul>
 *   <li>Four dotted parts whose trailing parts vary: {@code 7.10.0.x}, {@code 7.10.0.{x}},
 *       {@code 10.7.x.x}, {@code 10.{x}.{x}.{x}}. Each varying part is {@code x} or {@code {x}};
 *       the fixed parts are numbers 0..255. A varying part may only be followed by varying
 *       parts ({@code 10.x.0.x} is rejected), and at least one part must vary (a plain
 *       address is not a template).</li>
 *   <li>CIDR notation {@code a.b.c.d/n} with {@code n} in 8..30 and all host bits of the base
 *       zero: {@code 10.7.0.0/16} is the same template as {@code 10.7.x.x}.</li>
 * </ul>
 * Surrounding whitespace is ignored. {@link #toString()} gives the canonical form: the
 * {@code x} form when the prefix is a multiple of 8 (this is the form sent in SD
 * advertisements and the only one the Python reference understands), CIDR otherwise.
 *
 * <h2>Addresses never handed out to clients</h2>
 * Of the addresses a template {@linkplain #contains(Vip) contains}, these are not
 * {@linkplain #isAssignable(Vip) assignable}:
 * <ul>
 *   <li>the network address (all host bits 0), e.g. {@code 7.10.0.0};</li>
 *   <li>the server's own address, base + 1 ({@link #serverVip()}), e.g. {@code 7.10.0.1};</li>
 *   <li>the broadcast address (all host bits 1), e.g. {@code 7.10.0.255};</li>
 *   <li>any address whose last octet is 0 or 255, so that wide templates such as
 *       {@code 10.7.x.x} never hand out {@code 10.7.3.0} or {@code 10.7.3.255}, which many
 *       tools treat specially.</li>
 * </ul>
 * For {@code 7.10.0.x} this leaves exactly {@code .2} to {@code .254}: 253 clients, as the
 * reference.
 *
 * <p>Immutable and thread-safe; equality is by base address and prefix length.
 */
public final class VipTemplate {

    /** Smallest accepted prefix length ({@code 10.x.x.x}). */
    public static final int MIN_PREFIX = 8;

    /** Largest accepted prefix length (a /30 leaves one client address). */
    public static final int MAX_PREFIX = 30;

    private final int base;
    private final int prefix;

    private VipTemplate(int base, int prefix) {
        this.base = base;
        this.prefix = prefix;
    }

    /**
     * The template with network address {@code base} and prefix length {@code prefixLength}.
     *
     * @throws IllegalArgumentException if the prefix is not in 8..30 or {@code base} has host bits set
     */
    public static VipTemplate of(Vip base, int prefixLength) {
        if (base == null) {
            throw new IllegalArgumentException("invalid vIP template: base address is null");
        }
        String text = base + "/" + prefixLength;
        checkPrefix(text, prefixLength);
        checkHostBitsZero(text, base.value(), prefixLength);
        return new VipTemplate(base.value(), prefixLength);
    }

    /**
     * Parses a template such as {@code 7.10.0.x}, {@code 10.7.{x}.{x}} or {@code 10.7.0.0/16}.
     *
     * @throws IllegalArgumentException naming the input and what is wrong with it
     */
    public static VipTemplate parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid vIP template: null");
        }
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid vIP template '" + text + "': empty");
        }
        int slash = s.indexOf('/');
        return slash >= 0 ? parseCidr(text, s, slash) : parseDotted(text, s);
    }

    private static VipTemplate parseCidr(String text, String s, int slash) {
        String addr = s.substring(0, slash);
        String len = s.substring(slash + 1);
        if (len.isEmpty() || len.length() > 2 || !allDigits(len)) {
            throw new IllegalArgumentException("invalid vIP template '" + text
                    + "': prefix length '" + len + "' is not a number in " + MIN_PREFIX + ".." + MAX_PREFIX);
        }
        int prefix = Integer.parseInt(len);
        checkPrefix(text, prefix);
        String[] parts = splitFour(text, addr);
        int value = 0;
        for (int i = 0; i < 4; i++) {
            if (isVarying(parts[i])) {
                throw new IllegalArgumentException("invalid vIP template '" + text
                        + "': use either 'x' parts or a /prefix, not both");
            }
            value = (value << 8) | octet(text, parts[i]);
        }
        checkHostBitsZero(text, value, prefix);
        return new VipTemplate(value, prefix);
    }

    private static VipTemplate parseDotted(String text, String s) {
        String[] parts = splitFour(text, s);
        int value = 0;
        int varying = 0;
        for (int i = 0; i < 4; i++) {
            if (isVarying(parts[i])) {
                varying++;
                value <<= 8;
            } else {
                if (varying > 0) {
                    throw new IllegalArgumentException("invalid vIP template '" + text + "': part " + (i + 1)
                            + " ('" + parts[i] + "') follows a varying part; only the trailing parts may vary");
                }
                value = (value << 8) | octet(text, parts[i]);
            }
        }
        if (varying == 0) {
            throw new IllegalArgumentException("invalid vIP template '" + text
                    + "': no varying part; a plain address is not a template (write e.g. 7.10.0.x)");
        }
        if (varying == 4) {
            throw new IllegalArgumentException("invalid vIP template '" + text
                    + "': all four parts vary; at least the first part must be fixed");
        }
        return new VipTemplate(value, 32 - 8 * varying);
    }

    private static String[] splitFour(String text, String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("invalid vIP template '" + text
                    + "': expected four dotted parts, got " + parts.length);
        }
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("invalid vIP template '" + text + "': empty part");
            }
        }
        return parts;
    }

    private static boolean isVarying(String part) {
        return part.equals("x") || part.equals("{x}");
    }

    private static int octet(String text, String part) {
        if (part.length() > 3 || !allDigits(part)) {
            throw new IllegalArgumentException("invalid vIP template '" + text + "': part '" + part
                    + "' is neither a number in 0..255 nor 'x' / '{x}'");
        }
        int v = Integer.parseInt(part);
        if (v > 255) {
            throw new IllegalArgumentException("invalid vIP template '" + text + "': part '" + part
                    + "' is greater than 255");
        }
        return v;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static void checkPrefix(String text, int prefix) {
        if (prefix < MIN_PREFIX || prefix > MAX_PREFIX) {
            throw new IllegalArgumentException("invalid vIP template '" + text + "': prefix length " + prefix
                    + " is not in " + MIN_PREFIX + ".." + MAX_PREFIX);
        }
    }

    private static void checkHostBitsZero(String text, int value, int prefix) {
        int hostMask = (int) ((1L << (32 - prefix)) - 1);
        if ((value & hostMask) != 0) {
            throw new IllegalArgumentException("invalid vIP template '" + text + "': base address "
                    + new Vip(value) + " has host bits set for a /" + prefix + " (did you mean "
                    + new Vip(value & ~hostMask) + "/" + prefix + "?)");
        }
    }

    /** The network address (all host bits 0), e.g. {@code 7.10.0.0} for {@code 7.10.0.x}. */
    public Vip base() {
        return new Vip(base);
    }

    /** The prefix length: 24 for {@code 7.10.0.x}, 16 for {@code 10.7.x.x}. */
    public int prefixLength() {
        return prefix;
    }

    /** The number of addresses in the block, assignable or not (256 for a /24). */
    public int size() {
        return 1 << (32 - prefix);
    }

    /** The server's own address: base + 1, e.g. {@code 7.10.0.1}. */
    public Vip serverVip() {
        return new Vip(base + 1);
    }

    /** The broadcast address (all host bits 1), e.g. {@code 7.10.0.255}. */
    public Vip broadcastVip() {
        return new Vip(base + size() - 1);
    }

    /** True if {@code vip} lies in this block (assignable or not); false for {@code null}. */
    public boolean contains(Vip vip) {
        return vip != null && ((vip.value() ^ base) >>> (32 - prefix)) == 0;
    }

    /**
     * True if {@code vip} may be handed out to a client: it is in the block and is none of the
     * excluded addresses listed in the class comment. False for {@code null}.
     */
    public boolean isAssignable(Vip vip) {
        return vip != null && contains(vip) && isAssignableIndex(vip.value() - base);
    }

    /**
     * The number of addresses that may be handed out to clients: 253 for {@code 7.10.0.x},
     * 65,023 for {@code 10.7.x.x}.
     */
    public int capacity() {
        int size = size();
        if (prefix >= 24) {
            // One partial /24: only network, server and broadcast are excluded (the network
            // address is the only one that can end in .0, the broadcast the only .255).
            return size - 3;
        }
        // Whole /24 blocks of 254 (no .0, no .255; this covers network and broadcast), minus the server.
        return (size >>> 8) * 254 - 1;
    }

    /** Host index ({@code vip - base}) of an address this template contains. */
    int indexOf(Vip vip) {
        return vip.value() - base;
    }

    /** The address at host index {@code index} (0 = network address). */
    Vip vipAt(int index) {
        return new Vip(base + index);
    }

    /** Whether host index {@code index} (in 0..size-1) is assignable. */
    boolean isAssignableIndex(int index) {
        if (index <= 1 || index >= size() - 1) {
            return false;
        }
        int last = (base + index) & 0xff;
        return last != 0 && last != 255;
    }

    /**
     * Why {@code vip} may not be handed out, or {@code null} if it may. For error messages.
     */
    String unassignableReason(Vip vip) {
        if (vip == null) {
            return "vIP is null";
        }
        if (!contains(vip)) {
            return "vIP " + vip + " is outside template " + this;
        }
        int index = indexOf(vip);
        if (index == 0) {
            return "vIP " + vip + " is the network address of template " + this;
        }
        if (index == 1) {
            return "vIP " + vip + " is the server's own address in template " + this;
        }
        if (index == size() - 1) {
            return "vIP " + vip + " is the broadcast address of template " + this;
        }
        int last = vip.value() & 0xff;
        if (last == 0 || last == 255) {
            return "vIP " + vip + " ends in ." + last + ", which is never handed out";
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VipTemplate t && t.base == base && t.prefix == prefix;
    }

    @Override
    public int hashCode() {
        return base * 31 + prefix;
    }

    /**
     * Canonical text: {@code 7.10.0.x} / {@code 10.7.x.x} when the prefix is a multiple of 8
     * (the wire form for SD advertisements), {@code 10.7.128.0/17} otherwise.
     */
    @Override
    public String toString() {
        if (prefix % 8 != 0) {
            return new Vip(base) + "/" + prefix;
        }
        StringBuilder sb = new StringBuilder(16);
        int fixed = prefix / 8;
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                sb.append('.');
            }
            if (i < fixed) {
                sb.append((base >>> (24 - 8 * i)) & 0xff);
            } else {
                sb.append('x');
            }
        }
        return sb.toString();
    }
}
