package io.dosp.cli.config;

import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The value types of the server settings. Every parser rejects bad input with a reason that names the input. */
public final class ValueTypes {
    private static final Pattern PLAIN_YAML = Pattern.compile("[A-Za-z0-9_./-][A-Za-z0-9_./:-]*");
    private static final Pattern YAML_SPECIAL = Pattern.compile(
            "(?i)(y|n|yes|no|on|off|true|false|null|~|[-+]?[0-9][0-9_.:]*|[-+]?\\.(inf|nan)|0x[0-9a-f]+|0o?[0-7]+)");
    private static final Pattern SIZE = Pattern.compile("(?i)([0-9][0-9_]*)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");
    private static final Pattern DURATION = Pattern.compile("(?i)([0-9][0-9_]*(?:\\.[0-9]+)?)\\s*(ms|s|m|min|h|d)?");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    private ValueTypes() {
    }

    /** An integer in {@code min..max}. */
    public static ValueType<Integer> integer(int min, int max) {
        return new Simple<>(range("integer", min, max), v -> Integer.toString(v),
                s -> (int) parseLong(s, min, max, range("integer", min, max)));
    }

    /** A port 0..65535 or {@code off} (also empty, {@code none}, {@code false}), which is -1. */
    public static ValueType<Integer> optionalPort() {
        String what = "port 0..65535, or off";
        return new Simple<>(what, v -> v < 0 ? "off" : Integer.toString(v), s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "", "off", "none", "false", "no" -> -1;
            default -> (int) parseLong(s, 0, 65535, what);
        }) {
            @Override
            public Integer nullValue() {
                return -1;
            }
        };
    }

    /** A web origin: {@code https://host[:port]} (scheme http or https), or {@code *} for any. */
    public static ValueType<String> origin() {
        return new Simple<>("origin such as https://chat.example.org, or *", ValueTypes::quote,
                s -> io.dosp.server.WebSocketConfig.normalizeOrigin(s));
    }

    /** A long integer in {@code min..max}. */
    public static ValueType<Long> longInteger(long min, long max) {
        return new Simple<>(range("integer", min, max), v -> Long.toString(v), s -> parseLong(s, min, max, range("integer", min, max)));
    }

    /** A byte count: a number of bytes, or with a binary unit ({@code 64KiB}, {@code 1MiB}, {@code 1G}). */
    public static ValueType<Integer> size(int min, int max) {
        String what = sizeDescription(min, max);
        return new Simple<>(what, v -> Integer.toString(v), s -> (int) parseSize(s, min, max, what));
    }

    /** A byte count that may exceed 2 GiB ({@link #size(int, int)} otherwise); {@code max} of {@link Long#MAX_VALUE} means no limit. */
    public static ValueType<Long> longSize(long min, long max) {
        String what = max == Long.MAX_VALUE ? "byte size >= " + min + " (bytes, or with K/M/G: 64MiB, 2G)"
                : sizeDescription(min, max);
        return new Simple<>(what, v -> Long.toString(v), s -> parseSize(s, min, max, what));
    }

    private static String sizeDescription(long min, long max) {
        return "byte size " + min + ".." + max + " (bytes, or with K/M/G: 64KiB, 1MiB)";
    }

    private static long parseSize(String s, long min, long max, String what) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a " + what + ", got '" + s + "'");
        }
        long n = parseLong(m.group(1), 0, Long.MAX_VALUE / (1L << 30), what);
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long factor = switch (unit.charAt(0)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1L;
        };
        long bytes = n * factor;
        if (bytes < min || bytes > max) {
            throw new IllegalArgumentException("must be a " + what + ", got '" + s + "' (" + bytes + " bytes)");
        }
        return bytes;
    }

    /** One of the constants of {@code type}, by name in any case ({@code drop}, {@code DROP}). */
    public static <E extends Enum<E>> ValueType<E> choice(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name());
        }
        String what = "one of " + String.join(", ", names);
        return new Simple<>(what, Enum::name, s -> {
            try {
                return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be " + what + ", got '" + s + "'", e);
            }
        });
    }

    /** A duration: seconds ({@code 300}, {@code 2.5}) or with a unit ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}). */
    public static ValueType<Duration> duration(boolean zeroMeansOff) {
        String what = "duration in seconds (300, 2.5) or with a unit (500ms, 30s, 5m, 1h)" + (zeroMeansOff ? "; 0 turns it off" : "");
        return new Simple<>(what, ValueTypes::renderDuration, s -> {
            Matcher m = DURATION.matcher(s.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("must be a " + what + ", got '" + s + "'");
            }
            BigDecimal n = new BigDecimal(m.group(1).replace("_", ""));
            String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
            BigDecimal millis = n.multiply(BigDecimal.valueOf(switch (unit) {
                case "ms" -> 1L;
                case "m", "min" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                default -> 1_000L;
            }));
            if (millis.compareTo(BigDecimal.valueOf(365L * 86_400_000L)) > 0) {
                throw new IllegalArgumentException("must be at most a year, got '" + s + "'");
            }
            Duration d = Duration.ofMillis(millis.longValue());
            if (d.isZero() && !zeroMeansOff) {
                throw new IllegalArgumentException("must be positive, got '" + s + "'");
            }
            return d;
        }) {
            @Override
            public Duration nullValue() {
                return zeroMeansOff ? Duration.ZERO : null;
            }
        };
    }

    /** {@code true}/{@code false} (also yes/no, on/off, 1/0). */
    public static ValueType<Boolean> bool() {
        return new Simple<>("true or false", b -> Boolean.toString(b), s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1", "y" -> Boolean.TRUE;
            case "false", "no", "off", "0", "n" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("must be true or false, got '" + s + "'");
        });
    }

    /** Non-empty text without surrounding spaces. */
    public static ValueType<String> optionalText() {
        return new Simple<>("text (empty for none)", ValueTypes::quote, String::trim);
    }

    /** Non-empty text. */
    public static ValueType<String> text() {
        return new Simple<>("text", ValueTypes::quote, s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return s.trim();
        });
    }

    /** A file path. */
    public static ValueType<Path> path() {
        return new Simple<>("file path", p -> quote(p.toString()), s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("must be a file path, got an empty value");
            }
            try {
                return Path.of(s.trim());
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("'" + s + "' is not a valid path: " + e.getReason());
            }
        });
    }

    /** A vIP template ({@code 7.10.0.x}, {@code 10.7.x.x}, {@code 10.7.0.0/16}), kept as written. */
    public static ValueType<String> template() {
        return new Simple<>("vIP template such as 7.10.0.x, 10.7.x.x or 10.7.0.0/16", ValueTypes::quote, s -> {
            VipTemplate.parse(s);
            return s.trim();
        });
    }

    /** A vIP in dotted form. */
    public static ValueType<Vip> vip() {
        return new Simple<>("vIP such as 7.10.0.5", v -> quote(v.toString()), Vip::parse);
    }

    /** An admin token: at least 16 characters, no spaces ({@code sha256_hex(user:password)} or random hex). */
    public static ValueType<String> token() {
        return new Simple<>("admin token (at least 16 characters, no spaces)", ValueTypes::quote, s -> {
            String t = s.trim();
            if (t.length() < 16 || t.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("admin tokens must be at least 16 characters without spaces"
                        + " (sha256 of user:password is one: printf '%s' 'user:password' | sha256sum)");
            }
            return t;
        });
    }

    /** A client machine hash (normally 64 hex characters). */
    public static ValueType<String> hash() {
        return new Simple<>("client hash (64 hex characters)", ValueTypes::quote, s -> {
            String h = s.trim().toLowerCase(Locale.ROOT);
            if (h.isEmpty() || h.chars().anyMatch(c -> Character.digit(c, 16) < 0)) {
                throw new IllegalArgumentException("a client hash is hex text (64 characters), got '" + s + "'");
            }
            return h;
        });
    }

    /** An IP address literal (IPv4 or IPv6), normalised as the server compares it. */
    public static ValueType<String> ipAddress() {
        return new Simple<>("IP address such as 203.0.113.7", ValueTypes::quote, s -> {
            String t = s.trim();
            if (!(IPV4.matcher(t).matches() || t.contains(":"))) {
                throw new IllegalArgumentException("must be an IP address (names are not resolved), got '" + s + "'");
            }
            try {
                return InetAddress.getByName(t).getHostAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("must be an IP address, got '" + s + "'");
            }
        });
    }

    /** A federation peer {@code HOST:PORT[:TEMPLATE]}. */
    public static ValueType<PeerSpec> peer() {
        return new Simple<>("peer HOST:PORT[:TEMPLATE]", p -> quote(p.toString()), PeerSpec::parse);
    }

    /** A list of {@code item}: a YAML sequence, or comma-separated text in flags and environment variables. */
    public static <T> ValueType<List<T>> list(ValueType<T> item) {
        return new ValueType<>() {
            @Override
            public List<T> parse(String text) {
                List<String> items = new ArrayList<>();
                for (String s : text.split(",")) {
                    if (!s.isBlank()) {
                        items.add(s.trim());
                    }
                }
                return parseItems(items);
            }

            @Override
            public List<T> parseItems(List<String> items) {
                List<T> out = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    try {
                        out.add(item.parse(items.get(i)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("item " + (i + 1) + ": " + e.getMessage(), e);
                    }
                }
                return List.copyOf(out);
            }

            @Override
            public String describe() {
                return "list of " + item.describe();
            }

            @Override
            public String render(List<T> value) {
                List<String> parts = new ArrayList<>();
                value.forEach(v -> parts.add(item.render(v)));
                return "[" + String.join(", ", parts) + "]";
            }

            @Override
            public boolean isList() {
                return true;
            }

            @Override
            public List<T> nullValue() {
                return List.of();
            }
        };
    }

    /** Text as YAML: plain when YAML reads it back as the same string, double-quoted otherwise. */
    public static String quote(String s) {
        if (PLAIN_YAML.matcher(s).matches() && !YAML_SPECIAL.matcher(s).matches()) {
            return s;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    static String renderDuration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : ms + "ms";
    }

    private static long parseLong(String s, long min, long max, String what) {
        String t = s.trim().replace("_", "");
        long v;
        try {
            v = Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be an " + what + ", got '" + s + "'");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be an " + what + ", got " + v);
        }
        return v;
    }

    private static String range(String kind, long min, long max) {
        if (max == Integer.MAX_VALUE || max == Long.MAX_VALUE) {
            return kind + " >= " + min;
        }
        return kind + " " + min + ".." + max;
    }

    /** A scalar type from a parser and a renderer. */
    private static class Simple<T> implements ValueType<T> {
        private final String description;
        private final Function<T, String> renderer;
        private final Function<String, T> parser;

        Simple(String description, Function<T, String> renderer, Function<String, T> parser) {
            this.description = description;
            this.renderer = renderer;
            this.parser = parser;
        }

        @Override
        public T parse(String text) {
            return parser.apply(text);
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public String render(T value) {
            return renderer.apply(value);
        }
    }
}
