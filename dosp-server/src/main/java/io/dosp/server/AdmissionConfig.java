package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.crypto.Scram;
import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Login;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Client admission (off by default, so reference clients keep working): who may use the server, with which vIP, and
 * whom each may send to. With it on, a connection must log in (this project's {@code auth} client extension: a
 * SCRAM-SHA-256 challenge-response, so no password or replayable secret crosses the wire) before it may do anything
 * but PING and EXIT; a user may have a fixed vIP, be an admin, belong to groups and have its own rate limits; grants
 * say which users and groups may send S2C to which. Part of {@link ServerConfig} ({@link ServerConfig#admission()});
 * validated in {@link Builder#build()}, errors naming the field as {@code admission.<name>}.
 *
 * <p>Users and grants come from {@link Builder#user}/{@link Builder#grant} and from a users file
 * ({@link Builder#usersFile}), read when the configuration is built. The file has one entry per line ({@code #}
 * starts a comment):
 *
 * <pre>
 * user NAME SCRAM-SHA-256$ITERATIONS:SALT$STOREDKEY:SERVERKEY [vip=V] [admin] [groups=G1,G2]
 *      [packet_rate_limit=N] [byte_rate_limit=N]
 * grant FROM[,FROM...] -&gt; TO[,TO...]
 * </pre>
 *
 * where FROM and TO are {@code user:NAME}, {@code group:NAME}, {@code anonymous} (clients admitted without login,
 * see {@link #allowAnonymous()}) or {@code *} (everyone admitted), and TO may also be {@code remote} (destinations
 * outside this server's template, reached over federation). {@code dosp user add} prints a {@code user} line.
 *
 * <p>Policy: with no grant at all, every admitted client may send to every other (admission alone decides who is
 * in); with one grant or more, an S2C is delivered only when a grant allows its sender to reach its destination, and
 * is otherwise answered with ERR S2CF {@code not allowed by the admission policy}. Admins are subject to grants too.
 *
 * <p>Immutable and thread-safe.
 */
public final class AdmissionConfig {
    /** Admission is off: every connection gets a vIP, as in the reference. */
    public static final boolean DEFAULT_ENABLED = false;
    /** Connections must log in: anonymous clients are not admitted. */
    public static final boolean DEFAULT_ALLOW_ANONYMOUS = false;
    /** How long a connection may take to log in before EXIT {@code Timed out waiting for login}. */
    public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(10);
    /** Failed logins one address may make (then refused unchecked for {@code limits.authBan}). */
    public static final int DEFAULT_MAX_LOGIN_FAILURES_PER_ADDRESS = 10;
    /** Failed logins for one user name from anywhere (then refused unchecked for {@code limits.authBan}). */
    public static final int DEFAULT_MAX_LOGIN_FAILURES_PER_USER = 20;

    /**
     * One user.
     *
     * @param name            1..64 UTF-8 bytes, no spaces, {@code ,} or {@code :}
     * @param verifier        the stored SCRAM verifier (never the password)
     * @param vip             the user's fixed vIP (the same on every login; RQIP limited to it), or empty
     * @param admin           whether its sessions are admin (as after AUTH)
     * @param groups          the groups grants name it by
     * @param packetRateLimit packets per second its sessions may send, 0 for the server's limit only
     * @param byteRateLimit   bytes per second its sessions may send, 0 for the server's limit only
     */
    public record User(String name, Scram.Verifier verifier, Optional<Vip> vip, boolean admin, Set<String> groups,
            long packetRateLimit, long byteRateLimit) {
        /** Copies the groups. */
        public User {
            groups = Set.copyOf(groups);
        }

        /** A user with only a name and verifier. */
        public static User of(String name, Scram.Verifier verifier) {
            return new User(name, verifier, Optional.empty(), false, Set.of(), 0, 0);
        }

        /** The users-file line for this user. */
        public String toLine() {
            StringBuilder b = new StringBuilder("user ").append(name).append(' ').append(verifier.encode());
            vip.ifPresent(v -> b.append(" vip=").append(v));
            if (admin) {
                b.append(" admin");
            }
            if (!groups.isEmpty()) {
                b.append(" groups=").append(String.join(",", new java.util.TreeSet<>(groups)));
            }
            if (packetRateLimit > 0) {
                b.append(" packet_rate_limit=").append(packetRateLimit);
            }
            if (byteRateLimit > 0) {
                b.append(" byte_rate_limit=").append(byteRateLimit);
            }
            return b.toString();
        }

        /**
         * Reads a {@code user} line (with or without the leading {@code user} word).
         *
         * @throws IllegalArgumentException saying what is wrong (never echoing the verifier)
         */
        public static User parseLine(String line) {
            List<String> words = words(line);
            if (!words.isEmpty() && words.get(0).equals("user")) {
                words = words.subList(1, words.size());
            }
            if (words.size() < 2) {
                throw new IllegalArgumentException("a user line reads: user NAME VERIFIER [vip=V] [admin] [groups=G,...]");
            }
            String name = words.get(0);
            if (!Login.validUser(name)) {
                throw new IllegalArgumentException("user name '" + name + "' must be 1..64 bytes without spaces, ',' or ':'");
            }
            Scram.Verifier verifier = Scram.Verifier.parse(words.get(1));
            Optional<Vip> vip = Optional.empty();
            boolean admin = false;
            Set<String> groups = new LinkedHashSet<>();
            long packets = 0;
            long bytes = 0;
            for (String w : words.subList(2, words.size())) {
                int eq = w.indexOf('=');
                String key = eq < 0 ? w : w.substring(0, eq);
                String value = eq < 0 ? "" : w.substring(eq + 1);
                switch (key) {
                    case "admin" -> admin = true;
                    case "vip" -> vip = Optional.of(Vip.parse(value));
                    case "groups" -> {
                        for (String g : value.split(",")) {
                            if (!Login.validUser(g)) {
                                throw new IllegalArgumentException("group name '" + g + "' of user " + name
                                        + " must be 1..64 bytes without spaces, ',' or ':'");
                            }
                            groups.add(g);
                        }
                    }
                    case "packet_rate_limit" -> packets = nonNegative(key, value);
                    case "byte_rate_limit" -> bytes = nonNegative(key, value);
                    default -> throw new IllegalArgumentException("unknown user attribute '" + key
                            + "' (vip=, admin, groups=, packet_rate_limit=, byte_rate_limit=)");
                }
            }
            return new User(name, verifier, vip, admin, groups, packets, bytes);
        }

        @Override
        public String toString() {
            return "user " + name; // the verifier stays out of logs
        }
    }

    /**
     * One grant: every principal of {@code from} may send S2C to every principal of {@code to}. A principal is
     * {@code user:NAME}, {@code group:NAME}, {@code anonymous}, {@code *}, and (in {@code to}) {@code remote}; a
     * {@code to} may also be {@code join:GROUP}, {@code send:GROUP} or {@code name:NAME} (what a client may do with
     * groups and names, docs/network.md: exact, {@code *}, or a prefix ending in {@code *}).
     */
    public record Grant(List<String> from, List<String> to) {
        /** Validates the principals. */
        public Grant {
            from = List.copyOf(from);
            to = List.copyOf(to);
            if (from.isEmpty() || to.isEmpty()) {
                throw new IllegalArgumentException("a grant needs at least one principal on each side");
            }
            for (String p : from) {
                checkPrincipal(p, false);
            }
            for (String p : to) {
                checkPrincipal(p, true);
            }
        }

        /** Reads {@code FROM[,FROM] -> TO[,TO]} (with or without the leading {@code grant} word). */
        public static Grant parseLine(String line) {
            String s = line.strip();
            if (s.startsWith("grant ")) {
                s = s.substring(6);
            }
            int arrow = s.indexOf("->");
            if (arrow < 0) {
                throw new IllegalArgumentException("a grant reads: grant FROM[,FROM...] -> TO[,TO...]");
            }
            return new Grant(principals(s.substring(0, arrow)), principals(s.substring(arrow + 2)));
        }

        /** The users-file line for this grant. */
        public String toLine() {
            return "grant " + String.join(",", from) + " -> " + String.join(",", to);
        }

        private static List<String> principals(String side) {
            List<String> out = new ArrayList<>();
            for (String p : side.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.strip());
                }
            }
            return out;
        }

        private static void checkPrincipal(String p, boolean target) {
            if (p.equals("*") || p.equals("anonymous") || (target && p.equals("remote"))) {
                return;
            }
            int colon = p.indexOf(':');
            String kind = colon < 0 ? "" : p.substring(0, colon);
            if ((kind.equals("user") || kind.equals("group")) && Login.validUser(p.substring(colon + 1))) {
                return;
            }
            if (target && (kind.equals("join") || kind.equals("send") || kind.equals("name"))
                    && p.substring(colon + 1).matches("\\*|[a-z0-9][a-z0-9._-]{0,63}\\*?")) {
                return;
            }
            throw new IllegalArgumentException("grant principal '" + p + "' must be user:NAME, group:NAME, anonymous, *"
                    + (target ? ", remote, join:GROUP, send:GROUP or name:NAME" : ""));
        }
    }

    private final boolean enabled;
    private final boolean allowAnonymous;
    private final Duration loginTimeout;
    private final int maxLoginFailuresPerAddress;
    private final int maxLoginFailuresPerUser;
    private final Optional<Path> usersFile;
    private final List<User> inlineUsers;
    private final List<Grant> inlineGrants;
    private final List<User> users;
    private final List<Grant> grants;

    private AdmissionConfig(Builder b, List<User> users, List<Grant> grants) {
        enabled = b.enabled;
        allowAnonymous = b.allowAnonymous;
        loginTimeout = b.loginTimeout;
        maxLoginFailuresPerAddress = b.maxLoginFailuresPerAddress;
        maxLoginFailuresPerUser = b.maxLoginFailuresPerUser;
        usersFile = Optional.ofNullable(b.usersFile);
        inlineUsers = List.copyOf(b.users);
        inlineGrants = List.copyOf(b.grants);
        this.users = List.copyOf(users);
        this.grants = List.copyOf(grants);
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: admission off. */
    public static AdmissionConfig defaults() {
        return builder().build();
    }

    /** Whether connections must log in ({@link #DEFAULT_ENABLED}). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Whether clients that do not log in are admitted anyway (as without admission, but grants may restrict them
     * through the principal {@code anonymous}); default false.
     */
    public boolean allowAnonymous() {
        return allowAnonymous;
    }

    /** How long a connection may take to log in ({@link #DEFAULT_LOGIN_TIMEOUT}). */
    public Duration loginTimeout() {
        return loginTimeout;
    }

    /** Failed logins per address before its logins are refused unchecked for {@code limits.authBan}; 0: no limit. */
    public int maxLoginFailuresPerAddress() {
        return maxLoginFailuresPerAddress;
    }

    /** Failed logins per user name before its logins are refused unchecked for {@code limits.authBan}; 0: no limit. */
    public int maxLoginFailuresPerUser() {
        return maxLoginFailuresPerUser;
    }

    /** The users file, when one is configured. */
    public Optional<Path> usersFile() {
        return usersFile;
    }

    /** Every user: those given to the builder, then those of the users file. */
    public List<User> users() {
        return users;
    }

    /** Every grant: those given to the builder, then those of the users file. */
    public List<Grant> grants() {
        return grants;
    }

    /** A builder preset with this configuration (the users file is read again when it is built). */
    public Builder toBuilder() {
        Builder b = new Builder().enabled(enabled).allowAnonymous(allowAnonymous).loginTimeout(loginTimeout)
                .maxLoginFailuresPerAddress(maxLoginFailuresPerAddress).maxLoginFailuresPerUser(maxLoginFailuresPerUser)
                .usersFile(usersFile.orElse(null));
        inlineUsers.forEach(b::user);
        inlineGrants.forEach(b::grant);
        return b;
    }

    /** Checks the users against the server's template and blocked vIPs (called by {@link ServerConfig.Builder#build()}). */
    void check(VipTemplate template, Set<Vip> blocked) {
        for (User u : users) {
            if (u.vip().isPresent()) {
                Vip v = u.vip().get();
                require(template.contains(v) && template.isAssignable(v), "admission.users",
                        "user " + u.name() + ": vip=" + v + " is not an assignable vIP of the template " + template);
                require(!blocked.contains(v), "admission.users", "user " + u.name() + ": vip=" + v + " is blocked");
            }
        }
    }

    private static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        for (String w : line.strip().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private static long nonNegative(String key, String value) {
        try {
            long v = Long.parseLong(value);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(key + " must be a whole number >= 0, got '" + value + "'");
    }

    /** Builds an {@link AdmissionConfig}; not thread-safe. */
    public static final class Builder {
        private boolean enabled = DEFAULT_ENABLED;
        private boolean allowAnonymous = DEFAULT_ALLOW_ANONYMOUS;
        private Duration loginTimeout = DEFAULT_LOGIN_TIMEOUT;
        private int maxLoginFailuresPerAddress = DEFAULT_MAX_LOGIN_FAILURES_PER_ADDRESS;
        private int maxLoginFailuresPerUser = DEFAULT_MAX_LOGIN_FAILURES_PER_USER;
        private Path usersFile;
        private final List<User> users = new ArrayList<>();
        private final List<Grant> grants = new ArrayList<>();

        private Builder() {
        }

        /** Turns client admission on or off. */
        public Builder enabled(boolean on) {
            this.enabled = on;
            return this;
        }

        /** Admits clients that do not log in (principal {@code anonymous}). */
        public Builder allowAnonymous(boolean on) {
            this.allowAnonymous = on;
            return this;
        }

        /** How long a connection may take to log in. */
        public Builder loginTimeout(Duration timeout) {
            this.loginTimeout = timeout;
            return this;
        }

        /** Failed logins per address before a ban; 0: no per-address limit. */
        public Builder maxLoginFailuresPerAddress(int n) {
            this.maxLoginFailuresPerAddress = n;
            return this;
        }

        /** Failed logins per user name before a ban; 0: no per-user limit. */
        public Builder maxLoginFailuresPerUser(int n) {
            this.maxLoginFailuresPerUser = n;
            return this;
        }

        /** A users file to read at {@link #build()} (null: none). */
        public Builder usersFile(Path file) {
            this.usersFile = file;
            return this;
        }

        /** Adds a user. */
        public Builder user(User user) {
            this.users.add(user);
            return this;
        }

        /** Adds a user from a users-file line. */
        public Builder user(String line) {
            return user(User.parseLine(line));
        }

        /** Adds a grant. */
        public Builder grant(Grant grant) {
            this.grants.add(grant);
            return this;
        }

        /** Adds a grant from {@code FROM[,FROM] -> TO[,TO]}. */
        public Builder grant(String line) {
            return grant(Grant.parseLine(line));
        }

        /**
         * Reads the users file, validates and builds.
         *
         * @throws InvalidConfigException naming the first invalid field ({@code admission.usersFile} with the line,
         *                                {@code admission.users}, ...) and why
         */
        public AdmissionConfig build() {
            require(loginTimeout != null && !loginTimeout.isNegative() && !loginTimeout.isZero(), "admission.loginTimeout",
                    "must be positive");
            require(maxLoginFailuresPerAddress >= 0, "admission.maxLoginFailuresPerAddress", "must be >= 0");
            require(maxLoginFailuresPerUser >= 0, "admission.maxLoginFailuresPerUser", "must be >= 0");
            List<User> allUsers = new ArrayList<>(users);
            List<Grant> allGrants = new ArrayList<>(grants);
            if (usersFile != null) {
                readFile(usersFile, allUsers, allGrants);
            }
            Map<String, String> names = new HashMap<>();
            Map<Vip, String> vips = new HashMap<>();
            for (User u : allUsers) {
                require(names.put(u.name(), u.name()) == null, "admission.users", "user " + u.name() + " is given twice");
                if (u.vip().isPresent()) {
                    String other = vips.put(u.vip().get(), u.name());
                    require(other == null, "admission.users", "users " + other + " and " + u.name()
                            + " have the same vip=" + u.vip().get());
                }
            }
            require(!enabled || !allUsers.isEmpty() || allowAnonymous, "admission.users",
                    "admission is on but no user is configured (add users with 'dosp user add', or allow anonymous clients)");
            return new AdmissionConfig(this, allUsers, allGrants);
        }

        private static void readFile(Path file, List<User> users, List<Grant> grants) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InvalidConfigException("admission.usersFile", "cannot read " + file + ": " + e.getMessage());
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int hash = line.indexOf('#');
                String s = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (s.isEmpty()) {
                    continue;
                }
                String first = s.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
                try {
                    switch (first) {
                        case "user" -> users.add(User.parseLine(s));
                        case "grant" -> grants.add(Grant.parseLine(s));
                        default -> throw new IllegalArgumentException("a line starts with 'user' or 'grant'");
                    }
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigException("admission.usersFile", file + " line " + (i + 1) + ": "
                            + e.getMessage());
                }
            }
        }
    }
}
