package io.dosp.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client's long-term tunnel identity: an Ed25519 key pair (JCA {@code "Ed25519"}). Its public
 * half travels in tunnel hellos ({@link IdentityBlock}) and signs them, so a peer can tell that the
 * tunnel's ephemeral X25519 key is ours and a relay in the middle cannot swap it unnoticed.
 *
 * <p>Stored as a PEM file that OpenSSL reads: the private key as PKCS#8 ({@code BEGIN PRIVATE KEY})
 * followed by its public key as X.509 SubjectPublicKeyInfo ({@code BEGIN PUBLIC KEY}); the JDK cannot
 * derive an Ed25519 public key from the private one, so both are kept and checked against each
 * other when loaded. The file is created with owner-only permissions ({@code rw-------}, in a
 * directory created {@code rwx------}), and a file that others may read or write is refused, as SSH
 * does with private keys.
 *
 * <p>Immutable and thread-safe ({@link #sign} makes its own {@link Signature} per call). The private
 * key never leaves this object except through {@link #toPem()}; {@link #toString()} shows the
 * fingerprint only.
 */
public final class Identity {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final int MAX_FILE_BYTES = 16 * 1024;

    private final PrivateKey privateKey;
    private final IdentityKey publicKey;

    private Identity(PrivateKey privateKey, IdentityKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * A new random identity (not stored anywhere).
     *
     * @return the identity
     * @throws IllegalStateException if the JDK has no Ed25519 (Java 15 and later all do)
     */
    public static Identity generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance(IdentityKey.ALGORITHM).generateKeyPair();
            return new Identity(kp.getPrivate(), IdentityKey.of(kp.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is missing from this JDK", e);
        }
    }

    /**
     * The identity stored in {@code file}, created there (with owner-only permissions) when the file
     * does not exist yet.
     *
     * @param file the identity file, e.g. {@code ~/.dosp/identity}
     * @return the identity
     * @throws IdentityFileException when it cannot be read, created or trusted
     */
    public static Identity loadOrCreate(Path file) {
        Objects.requireNonNull(file, "file");
        if (Files.exists(file)) {
            return load(file);
        }
        Identity created = generate();
        try {
            created.save(file);
        } catch (IdentityFileException e) {
            if (e.getCause() instanceof FileAlreadyExistsException) {
                return load(file); // another process created it first: use theirs
            }
            throw e;
        }
        return created;
    }

    /**
     * The identity stored in {@code file}.
     *
     * @param file the identity file
     * @return the identity
     * @throws IdentityFileException when the file is missing, unreadable, readable or writable by
     *     others, or not an identity file
     */
    public static Identity load(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            checkOwnerOnly(file);
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IdentityFileException(file, "identity file " + file + " is larger than " + MAX_FILE_BYTES
                        + " bytes: not an identity file", null);
            }
            return fromPem(Files.readString(file, StandardCharsets.US_ASCII), file);
        } catch (NoSuchFileException e) {
            throw new IdentityFileException(file, "identity file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IdentityFileException(file, "cannot read identity file " + file + ": " + e, e);
        }
    }

    private static void checkOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: the platform's ACLs decide
        }
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new IdentityFileException(file, "identity file " + file + " is accessible by others ("
                    + PosixFilePermissions.toString(perms) + "); it holds a private key: chmod 600 " + file, null);
        }
    }

    /**
     * The identity in PEM text as {@link #toPem()} writes it.
     *
     * @param pem the text
     * @return the identity
     * @throws IllegalArgumentException when it is not a DoSP identity (both blocks, matching keys)
     */
    public static Identity fromPem(String pem) {
        try {
            return fromPem(pem, null);
        } catch (IdentityFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e.getCause());
        }
    }

    private static Identity fromPem(String pem, Path file) {
        Path where = file != null ? file : Path.of("(text)");
        byte[] pkcs8 = null;
        byte[] spki = null;
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new IdentityFileException(where, "identity " + where + ": a PEM block is not base64", e);
            }
            switch (m.group(1)) {
                case "PRIVATE KEY" -> pkcs8 = der;
                case "PUBLIC KEY" -> spki = der;
                default -> {
                    // other blocks are ignored
                }
            }
        }
        if (pkcs8 == null || spki == null) {
            throw new IdentityFileException(where, "identity " + where + " must hold an Ed25519 'PRIVATE KEY' (PKCS#8)"
                    + " and its 'PUBLIC KEY' block", null);
        }
        try {
            KeyFactory kf = KeyFactory.getInstance(IdentityKey.ALGORITHM);
            PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            IdentityKey pub = IdentityKey.of(kf.generatePublic(new X509EncodedKeySpec(spki)));
            Identity id = new Identity(priv, pub);
            byte[] probe = "dosp identity self-check".getBytes(StandardCharsets.US_ASCII);
            if (!pub.verify(probe, id.sign(probe))) {
                throw new IdentityFileException(where, "identity " + where + ": the public key does not belong to"
                        + " the private key", null);
            }
            return id;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IdentityFileException(where, "identity " + where + " is not an Ed25519 key pair: " + e.getMessage(), e);
        }
    }

    /**
     * The identity as PEM text: {@code PRIVATE KEY} (PKCS#8) then {@code PUBLIC KEY} (X.509). It
     * contains the private key: keep it private.
     *
     * @return the text, lines of 64 characters, ending with a newline
     */
    public String toPem() {
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(privateKey.getEncoded()) + "\n-----END PRIVATE KEY-----\n"
                + "-----BEGIN PUBLIC KEY-----\n" + b64.encodeToString(publicKey.publicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /**
     * Writes this identity to {@code file}, which must not exist yet: a new file with owner-only
     * permissions, written in full before it appears under its name (so a crash leaves no half
     * key). Missing parent directories are created owner-only.
     *
     * @param file where to store it
     * @throws IdentityFileException when it cannot be written, or the file exists
     */
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            boolean posix = Files.getFileStore(Files.exists(dir) ? dir : existingAncestor(dir))
                    .supportsFileAttributeView("posix");
            FileAttribute<?>[] dirAttrs = posix ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))} : new FileAttribute<?>[0];
            FileAttribute<?>[] fileAttrs = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                    : new FileAttribute<?>[0];
            Files.createDirectories(dir, dirAttrs);
            if (Files.exists(file)) {
                throw new FileAlreadyExistsException(file.toString());
            }
            tmp = Files.createTempFile(dir, ".identity-", ".tmp", fileAttrs);
            Files.writeString(tmp, toPem(), StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, tmp); // appears whole, and fails if another process created it meanwhile
                Files.delete(tmp);
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (UnsupportedOperationException | FileSystemException e) {
                Files.move(tmp, file); // no hard links on this file system: fails too if the file exists
            }
            if (Files.isSymbolicLink(file) || Files.size(file) == 0) {
                throw new IOException("the file changed while it was written");
            }
            tmp = null;
        } catch (FileAlreadyExistsException e) {
            throw new IdentityFileException(file, "identity file " + file + " already exists; not overwritten", e);
        } catch (IOException e) {
            throw new IdentityFileException(file, "cannot write identity file " + file + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temp file holds no more than the file we failed to write
                }
            }
        }
    }

    private static Path existingAncestor(Path p) {
        Path q = p;
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q != null ? q : Path.of(".").toAbsolutePath();
    }

    /** The public key, as peers see it. */
    public IdentityKey publicKey() {
        return publicKey;
    }

    /** The fingerprint of the public key. */
    public Fingerprint fingerprint() {
        return publicKey.fingerprint();
    }

    /**
     * Signs {@code message} with Ed25519.
     *
     * @param message the bytes to sign
     * @return the 64-byte signature
     */
    public byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance(IdentityKey.ALGORITHM);
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** {@code Identity[SHA256:...]}: never the private key. */
    @Override
    public String toString() {
        return "Identity[" + fingerprint() + "]";
    }
}
