package io.dosp.client;

import io.dosp.crypto.Fingerprint;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel identities this client knows, in the manner of SSH's {@code known_hosts}: a pin maps
 * a vIP <i>on a server</i> to a fingerprint (a vIP changes hands when its client leaves, and the
 * same vIP on two servers is two peers). In memory ({@link #inMemory()}), or in a file
 * ({@link #file(Path)}, e.g. {@code ~/.dosp/known_peers}) of lines
 *
 * <pre>
 * # comment
 * SERVER VIP FINGERPRINT
 * 127.0.0.1:7744 7.10.0.3 SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU
 * </pre>
 *
 * (a line with a later pin for the same server and vIP overrides an earlier one; lines that cannot
 * be read are skipped with a warning naming them). New pins are appended; {@link #forget} and
 * changed pins rewrite the file whole, atomically. The file is created owner-only. Changes take
 * effect in memory at once; the file is written in order on a background thread of the store, so a
 * pin made during a handshake never blocks a network thread ({@link #flush()} waits for the writes;
 * {@link DospClient#close()} calls it).
 *
 * <p>At most {@code maxEntries} pins (default {@value #DEFAULT_MAX_ENTRIES}): peers can make a
 * client meet many vIPs, and trust on first use pins each; past the limit a new identity is
 * still accepted on first use but not pinned (logged).
 *
 * <p>Thread-safe; share one store between clients to let them share pins.
 */
public final class KnownPeers {
    private static final Logger LOG = LoggerFactory.getLogger(KnownPeers.class);
    /** Pins kept at most by default. */
    public static final int DEFAULT_MAX_ENTRIES = 65_536;
    private static final String HEADER = "# DoSP known peers: SERVER VIP FINGERPRINT (a tunnel peer's identity, pinned)\n";

    private static final long FLUSH_TIMEOUT_SECONDS = 5;
    private final Path file;
    private final int maxEntries;
    private final Map<String, Fingerprint> pins = new LinkedHashMap<>();
    /** The file's writer: one daemon thread, created on the first write; writes in the order of the changes. */
    private ExecutorService writer;

    private KnownPeers(Path file, int maxEntries) {
        this.file = file;
        this.maxEntries = maxEntries;
    }

    /** An empty store in memory, with the default limit. */
    public static KnownPeers inMemory() {
        return new KnownPeers(null, DEFAULT_MAX_ENTRIES);
    }

    /**
     * The store kept in {@code file}, read now if it exists (created on the first pin otherwise).
     *
     * @param file e.g. {@code ~/.dosp/known_peers}
     * @return the store
     * @throws UncheckedIOException when the file exists but cannot be read
     */
    public static KnownPeers file(Path file) {
        KnownPeers k = new KnownPeers(Objects.requireNonNull(file, "file"), DEFAULT_MAX_ENTRIES);
        if (Files.exists(file)) {
            try {
                k.read(Files.readAllLines(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read known peers file " + file + ": " + e.getMessage(), e);
            }
        }
        return k;
    }

    private void read(List<String> lines) {
        int n = 0;
        for (String line : lines) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            try {
                if (f.length != 3) {
                    throw new IllegalArgumentException("expected SERVER VIP FINGERPRINT");
                }
                Vip vip = Vip.parse(f[1]);
                Fingerprint fp = Fingerprint.parse(f[2]);
                if (pins.size() < maxEntries) {
                    pins.put(key(f[0], vip), fp);
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("Known peers file {} line {} skipped: {}", file, n, LogText.of(e.getMessage()));
            }
        }
    }

    private static String key(String server, Vip vip) {
        return server.toLowerCase(Locale.ROOT) + " " + vip;
    }

    /** Where the store is kept, empty in memory. */
    public Optional<Path> path() {
        return Optional.ofNullable(file);
    }

    /**
     * The identity pinned for {@code vip} on {@code server}.
     *
     * @param server the server, {@code host:port}
     * @param vip the peer's vIP
     * @return the pinned fingerprint, if any
     */
    public synchronized Optional<Fingerprint> pinned(String server, Vip vip) {
        return Optional.ofNullable(pins.get(key(server, vip)));
    }

    /**
     * Pins {@code fingerprint} for {@code vip} on {@code server}, replacing an earlier pin (written
     * to the file at once; a write failure is logged and the pin kept in memory).
     *
     * @param server the server, {@code host:port}
     * @param vip the peer's vIP
     * @param fingerprint its identity
     * @return false when the store is full and nothing was pinned
     */
    public synchronized boolean pin(String server, Vip vip, Fingerprint fingerprint) {
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (server.isBlank() || server.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a server name has no spaces: '" + LogText.of(server) + "'");
        }
        String k = key(server, vip);
        Fingerprint before = pins.get(k);
        if (fingerprint.equals(before)) {
            return true;
        }
        if (before == null && pins.size() >= maxEntries) {
            LOG.warn("Known peers store is full ({} pins): {} on {} not pinned", maxEntries, vip, LogText.of(server));
            return false;
        }
        pins.put(k, fingerprint);
        if (before == null) {
            String line = k + " " + fingerprint + "\n";
            write(() -> append(line));
        } else {
            rewriteLater();
        }
        return true;
    }

    /**
     * Forgets the pin of {@code vip} on {@code server} (the file is rewritten).
     *
     * @param server the server, {@code host:port}
     * @param vip the peer's vIP
     * @return whether there was one
     */
    public synchronized boolean forget(String server, Vip vip) {
        if (pins.remove(key(server, vip)) == null) {
            return false;
        }
        rewriteLater();
        return true;
    }

    /** The number of pins. */
    public synchronized int size() {
        return pins.size();
    }

    /**
     * Waits (up to 5 s) until the file holds every change made so far; at once in memory.
     *
     * @return false when the writes did not finish in time
     */
    public boolean flush() {
        ExecutorService w;
        synchronized (this) {
            w = writer;
        }
        if (w == null) {
            return true;
        }
        try {
            w.submit(() -> { }).get(FLUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Queues a write of the file (under the lock, so writes run in the order of the changes). */
    private void write(Runnable task) {
        if (file == null) {
            return;
        }
        if (writer == null) {
            writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dosp-known-peers");
                t.setDaemon(true);
                return t;
            });
        }
        writer.execute(task);
    }

    private void rewriteLater() {
        StringBuilder sb = new StringBuilder(HEADER);
        pins.forEach((k, f) -> sb.append(k).append(' ').append(f).append('\n'));
        String text = sb.toString();
        write(() -> rewrite(text));
    }

    private void append(String line) {
        try {
            if (!Files.exists(file)) {
                create();
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("Cannot write known peers file {}: {} (the pin is kept in memory)", file, e.toString());
        }
    }

    private void create() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.exists(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, HEADER, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private void rewrite(String sb) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".known_peers-", ".tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("Cannot rewrite known peers file {}: {} (the change is kept in memory)", file, e.toString());
        }
    }

    /** {@code KnownPeers[N pins, file]}. */
    @Override
    public synchronized String toString() {
        return "KnownPeers[" + pins.size() + " pins" + (file != null ? ", " + file : ", in memory") + "]";
    }
}
