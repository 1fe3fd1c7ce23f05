package io.dosp.protocol;

/**
 * A virtual IPv4 address (vIP) as DoSP puts it on the wire: four bytes, big-endian
 * ({@code 7.10.0.2} is {@code 07 0a 00 02}).
 *
 * <p>Immutable value type; equality is by address. The zero address {@link #ZERO} is what a
 * client may put in the SRC field of an S2C packet for the server to fill in.
 */
public record Vip(int value) implements Comparable<Vip> {

    /** {@code 0.0.0.0}: "unset"; a client may send it as S2C SRC. */
    public static final Vip ZERO = new Vip(0);

    /** Number of bytes of a vIP on the wire. */
    public static final int BYTES = 4;

    /** The address {@code a.b.c.d}; each part must be 0..255. */
    public static Vip of(int a, int b, int c, int d) {
        checkOctet(a, "first", a, b, c, d);
        checkOctet(b, "second", a, b, c, d);
        checkOctet(c, "third", a, b, c, d);
        checkOctet(d, "fourth", a, b, c, d);
        return new Vip((a << 24) | (b << 16) | (c << 8) | d);
    }

    private static void checkOctet(int v, String which, int a, int b, int c, int d) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("invalid vIP " + a + "." + b + "." + c + "." + d
                    + ": " + which + " octet " + v + " is not in 0..255");
        }
    }

    /**
     * Parses dotted-quad text such as {@code 7.10.0.2}.
     *
     * @throws IllegalArgumentException naming the input and what is wrong with it
     */
    public static Vip parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid vIP: null");
        }
        String s = text.trim();
        int value = 0;
        int parts = 0;
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                if (i == start) {
                    throw new IllegalArgumentException("invalid vIP '" + text + "': empty part");
                }
                if (i - start > 3) {
                    throw new IllegalArgumentException("invalid vIP '" + text + "': part '"
                            + s.substring(start, i) + "' is not a number in 0..255");
                }
                int octet = 0;
                for (int j = start; j < i; j++) {
                    char ch = s.charAt(j);
                    if (ch < '0' || ch > '9') {
                        throw new IllegalArgumentException("invalid vIP '" + text + "': part '"
                                + s.substring(start, i) + "' is not a number in 0..255");
                    }
                    octet = octet * 10 + (ch - '0');
                }
                if (octet > 255) {
                    throw new IllegalArgumentException("invalid vIP '" + text + "': part '"
                            + s.substring(start, i) + "' is not a number in 0..255");
                }
                if (++parts > 4) {
                    throw new IllegalArgumentException("invalid vIP '" + text + "': more than four parts");
                }
                value = (value << 8) | octet;
                start = i + 1;
            }
        }
        if (parts != 4) {
            throw new IllegalArgumentException("invalid vIP '" + text + "': expected four dotted parts, got " + parts);
        }
        return new Vip(value);
    }

    /** Reads four big-endian bytes at {@code offset}. */
    public static Vip fromBytes(byte[] bytes, int offset) {
        if (bytes.length - offset < BYTES || offset < 0) {
            throw new IllegalArgumentException("a vIP needs 4 bytes, " + Math.max(0, bytes.length - offset) + " available");
        }
        return new Vip(((bytes[offset] & 0xff) << 24) | ((bytes[offset + 1] & 0xff) << 16)
                | ((bytes[offset + 2] & 0xff) << 8) | (bytes[offset + 3] & 0xff));
    }

    /** The four wire bytes, big-endian. */
    public byte[] toBytes() {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** Octet {@code i} (0 = first, most significant). */
    public int octet(int i) {
        if (i < 0 || i > 3) {
            throw new IndexOutOfBoundsException("octet index " + i);
        }
        return (value >>> (24 - 8 * i)) & 0xff;
    }

    /** True for {@code 0.0.0.0}. */
    public boolean isZero() {
        return value == 0;
    }

    @Override
    public int compareTo(Vip o) {
        return Integer.compareUnsigned(value, o.value);
    }

    /** Dotted-quad text, e.g. {@code 7.10.0.2}. */
    @Override
    public String toString() {
        return ((value >>> 24) & 0xff) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "." + (value & 0xff);
    }
}
