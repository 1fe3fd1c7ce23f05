package io.dosp.server.internal.admin;

import io.dosp.server.ServerStartException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin tokens AUTH accepts. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual} against every configured token, so neither the length nor the
 * content of a guess shows in the time taken. When none is configured, one is generated: kept in
 * memory only, or, when a token file is configured, written to a file only its owner can read (reused
 * on restart if that file still holds a valid one). A reload may replace configured tokens
 * ({@link #replace}). Thread-safe (the token list is one volatile reference to an immutable list).
 */
public final class AdminTokens {
    private static final Logger LOG = LoggerFactory.getLogger(AdminTokens.class);
    private static final int GENERATED_BYTES = 32;
    /** Fewer estimated bits than this make a configured token weak (warned about at start). */
    static final int STRONG_BITS = 128;

    private volatile List<byte[]> digests;
    private final Path generatedFile;
    private final String generated;

    private AdminTokens(List<byte[]> digests, Path generatedFile, String generated) {
        this.digests = digests;
        this.generatedFile = generatedFile;
        this.generated = generated;
    }

    /**
     * Tokens from config, or a generated one: written to {@code tokenFile} (read back from it when it
     * holds one), or in memory only when {@code tokenFile} is null.
     */
    public static AdminTokens load(Set<String> configured, Path tokenFile) {
        if (!configured.isEmpty()) {
            warnAboutWeakTokens(List.copyOf(configured));
            return new AdminTokens(configured.stream().map(AdminTokens::sha256).toList(), null, null);
        }
        if (tokenFile == null) {
            String token = HexFormat.of().formatHex(randomBytes());
            LOG.info("No admin token configured: generated one in memory (DospServer.generatedAdminToken(); set"
                    + " access.adminTokenFile to have it written to a file)");
            return new AdminTokens(List.of(sha256(token)), null, token);
        }
        String token = readExisting(tokenFile);
        if (token == null) {
            token = HexFormat.of().formatHex(randomBytes());
            write(tokenFile, token);
            LOG.info("No admin token configured: generated one and wrote it to {} (owner-only; starts with {}...)",
                    tokenFile.toAbsolutePath(), token.substring(0, 4));
        } else {
            LOG.info("No admin token configured: using the one in {} (starts with {}...)", tokenFile.toAbsolutePath(),
                    token.substring(0, 4));
        }
        return new AdminTokens(List.of(sha256(token)), tokenFile.toAbsolutePath(), token);
    }

    /** The generated token, or null when tokens were configured. */
    public String generated() {
        return generated;
    }

    /** Whether the tokens are configured ones (not a generated one). */
    public boolean configured() {
        return generated == null;
    }

    /**
     * Replaces the configured tokens (a reload); the caller makes sure {@code tokens} is not empty and that
     * these are configured tokens (a generated token is not replaced by a reload).
     */
    public void replace(Set<String> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("at least one token");
        }
        warnAboutWeakTokens(List.copyOf(tokens));
        digests = tokens.stream().map(AdminTokens::sha256).toList();
    }

    /** Where the generated token is, or null when tokens were configured. */
    public Path generatedFile() {
        return generatedFile;
    }

    /** Whether {@code candidate} is one of the tokens; constant time in the candidate. */
    public boolean matches(String candidate) {
        byte[] d = sha256(candidate);
        boolean ok = false;
        for (byte[] t : digests) { // one read of the volatile list
            ok |= MessageDigest.isEqual(d, t);
        }
        return ok;
    }

    /**
     * Warns (without showing the token) about every configured token with fewer than
     * {@value #STRONG_BITS} bits by {@link #estimatedBits}: AUTH guessing is throttled per address,
     * but a short token falls to many addresses.
     */
    static void warnAboutWeakTokens(List<String> configured) {
        for (int i = 0; i < configured.size(); i++) {
            String t = configured.get(i);
            int bits = estimatedBits(t);
            if (bits < STRONG_BITS) {
                LOG.warn("Admin token {} of {} is weak: {} characters, about {} bits; use at least {} bits of random "
                        + "material, e.g. 32 hex characters ('openssl rand -hex 32'), or leave admin_tokens empty to "
                        + "have one generated", i + 1, configured.size(), t.length(), bits, STRONG_BITS);
            }
        }
    }

    /**
     * A rough upper bound of the random bits in {@code token}: its length times log2 of the alphabet
     * its characters suggest (digits only: 10; hex only: 16; otherwise 26 per letter case present, 10 for digits, 33
     * for other printable characters). Repetitive text (fewer than 8 distinct characters) counts 0.
     * A token that is {@code sha256(user:password)} scores 256 however weak the password: only its
     * maker knows.
     */
    static int estimatedBits(String token) {
        if (token.chars().distinct().count() < 8) {
            return 0;
        }
        int alphabet;
        if (token.chars().allMatch(c -> c >= '0' && c <= '9')) {
            alphabet = 10;
        } else if (token.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
            alphabet = 16;
        } else {
            boolean lower = token.chars().anyMatch(c -> c >= 'a' && c <= 'z');
            boolean upper = token.chars().anyMatch(c -> c >= 'A' && c <= 'Z');
            boolean digit = token.chars().anyMatch(c -> c >= '0' && c <= '9');
            boolean other = token.chars().anyMatch(c -> !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
                    && !(c >= '0' && c <= '9'));
            alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
        }
        return (int) Math.floor(token.length() * (Math.log(alphabet) / Math.log(2)));
    }

    private static String readExisting(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            String s = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (s.length() >= 16 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                try {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                    if (!perms.stream().allMatch(p -> p.name().startsWith("OWNER"))) {
                        LOG.warn("Admin token file {} is readable by others ({}); restrict it to its owner",
                                file.toAbsolutePath(), PosixFilePermissions.toString(perms));
                    }
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: nothing to check
                }
                return s;
            }
            return null;
        } catch (IOException e) {
            throw new ServerStartException("cannot read admin token file " + file.toAbsolutePath() + ": " + e.getMessage()
                    + " (fix its permissions, or set adminTokenFile elsewhere)", e);
        }
    }

    private static void write(Path file, String token) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
        } catch (FileAlreadyExistsException e) {
            throw new ServerStartException("admin token file " + file.toAbsolutePath() + " appeared while writing it", e);
        } catch (IOException e) {
            throw new ServerStartException("cannot write admin token file " + file.toAbsolutePath() + ": " + e
                    + " (choose a writable adminTokenFile, or configure adminTokens)", e);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[GENERATED_BYTES];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** SHA-256 of the UTF-8 text. */
    public static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** The reference's token rule: {@code sha256_hex(username + ":" + password)}. */
    public static String tokenFor(String username, String password) {
        return HexFormat.of().formatHex(sha256(username + ":" + password));
    }
}
