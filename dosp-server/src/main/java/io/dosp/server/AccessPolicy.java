package io.dosp.server;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.protocol.InvalidConfigException;
import io.dosp.protocol.Vip;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Who may connect and who may administer a server at start: admin tokens (or the file a generated
 * one goes to), banned and whitelisted client hashes, vIPs refused for RQIP and banned remote
 * addresses. Part of {@link ServerConfig} ({@link ServerConfig#access()}); the admin commands
 * change the running server's copy, never this value. Validated in {@link Builder#build()}, errors
 * naming the field as {@code access.<name>}.
 *
 * <p>Immutable and thread-safe.
 */
public final class AccessPolicy {
    /**
     * The file name {@code dosp serve} writes a generated admin token to (in its working directory), and
     * {@code dosp admin} reads. An embedded server writes no file unless {@link Builder#adminTokenFile} is set.
     */
    public static final Path CLI_ADMIN_TOKEN_FILE = Path.of("dosp-admin.token");
    /** vIPs refused for RQIP: {@code 0.0.0.0} and {@code 127.0.0.1}, as the reference. */
    public static final Set<Vip> DEFAULT_BLOCKED_VIPS = Set.of(Vip.ZERO, Vip.parse("127.0.0.1"));
    /** Whitelist mode is off: every client hash not banned is admitted. */
    public static final boolean DEFAULT_WHITELIST_ENABLED = false;

    private final Set<String> adminTokens;
    private final Path adminTokenFile;
    private final Set<String> bannedHashes;
    private final Set<String> whitelistHashes;
    private final boolean whitelistEnabled;
    private final Set<Vip> blockedVips;
    private final Set<String> bannedAddresses;

    private AccessPolicy(Builder b) {
        adminTokens = Set.copyOf(b.adminTokens);
        adminTokenFile = b.adminTokenFile;
        bannedHashes = lowerCase(b.bannedHashes);
        whitelistHashes = lowerCase(b.whitelistHashes);
        whitelistEnabled = b.whitelistEnabled;
        blockedVips = Set.copyOf(b.blockedVips);
        bannedAddresses = Set.copyOf(b.bannedAddresses);
    }

    private static Set<String> lowerCase(Set<String> hashes) {
        Set<String> lower = new LinkedHashSet<>();
        hashes.forEach(h -> lower.add(h.toLowerCase(Locale.ROOT)));
        return Set.copyOf(lower);
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: {@code builder().build()}. */
    public static AccessPolicy defaults() {
        return builder().build();
    }

    /** Admin tokens accepted by AUTH (empty: one is generated at start). */
    public Set<String> adminTokens() {
        return adminTokens;
    }

    /**
     * Where a generated admin token is written (owner-only permissions) and read back on restart; null
     * (the default) keeps a generated token in memory only ({@code DospServer.generatedAdminToken()}).
     */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    /** Client hashes refused at CLIENT_INFO, in lower case. */
    public Set<String> bannedHashes() {
        return bannedHashes;
    }

    /** Client hashes admitted in whitelist mode, in lower case. */
    public Set<String> whitelistHashes() {
        return whitelistHashes;
    }

    /** Whether only whitelisted client hashes may stay connected. */
    public boolean whitelistEnabled() {
        return whitelistEnabled;
    }

    /** vIPs refused for RQIP ({@link #DEFAULT_BLOCKED_VIPS} by default). */
    public Set<Vip> blockedVips() {
        return blockedVips;
    }

    /** Remote IP addresses refused at accept (the reference's {@code banned_ip_list}). */
    public Set<String> bannedAddresses() {
        return bannedAddresses;
    }

    /** A builder preset with this policy. */
    public Builder toBuilder() {
        return new Builder()
                .adminTokens(adminTokens)
                .adminTokenFile(adminTokenFile)
                .bannedHashes(bannedHashes)
                .whitelistHashes(whitelistHashes)
                .whitelistEnabled(whitelistEnabled)
                .blockedVips(blockedVips)
                .bannedAddresses(bannedAddresses);
    }

    /** Builds an {@link AccessPolicy}; not thread-safe. */
    public static final class Builder {
        private Set<String> adminTokens = new LinkedHashSet<>();
        private Path adminTokenFile;
        private Set<String> bannedHashes = new LinkedHashSet<>();
        private Set<String> whitelistHashes = new LinkedHashSet<>();
        private boolean whitelistEnabled = DEFAULT_WHITELIST_ENABLED;
        private Set<Vip> blockedVips = new LinkedHashSet<>(DEFAULT_BLOCKED_VIPS);
        private Set<String> bannedAddresses = new LinkedHashSet<>();

        private Builder() {
        }

        /** Accepted admin tokens ({@code sha256_hex(user + ":" + password)} or random hex); replaces any set before. */
        public Builder adminTokens(Set<String> tokens) {
            this.adminTokens = new LinkedHashSet<>(tokens);
            return this;
        }

        /** Adds an accepted admin token. */
        public Builder adminToken(String token) {
            this.adminTokens.add(token);
            return this;
        }

        /** Where a generated admin token is written and read back on restart; null (the default): nowhere, memory only. */
        public Builder adminTokenFile(Path file) {
            this.adminTokenFile = file;
            return this;
        }

        /** Client hashes refused at CLIENT_INFO (any case). */
        public Builder bannedHashes(Set<String> hashes) {
            this.bannedHashes = new LinkedHashSet<>(hashes);
            return this;
        }

        /** Client hashes admitted in whitelist mode (any case). */
        public Builder whitelistHashes(Set<String> hashes) {
            this.whitelistHashes = new LinkedHashSet<>(hashes);
            return this;
        }

        /** Admit only whitelisted client hashes. */
        public Builder whitelistEnabled(boolean enabled) {
            this.whitelistEnabled = enabled;
            return this;
        }

        /** vIPs refused for RQIP (replaces the default {@code 0.0.0.0}, {@code 127.0.0.1}). */
        public Builder blockedVips(Set<Vip> vips) {
            this.blockedVips = new LinkedHashSet<>(vips);
            return this;
        }

        /** Remote IP addresses refused at accept. */
        public Builder bannedAddresses(Set<String> addresses) {
            this.bannedAddresses = new LinkedHashSet<>(addresses);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming the first invalid field ({@code access.adminTokens}, ...) and why
         */
        public AccessPolicy build() {
            for (String t : adminTokens) {
                require(t != null && t.length() >= 16 && t.chars().noneMatch(Character::isWhitespace), "access.adminTokens",
                        "tokens must be at least 16 characters without spaces");
            }
            return new AccessPolicy(this);
        }
    }
}
