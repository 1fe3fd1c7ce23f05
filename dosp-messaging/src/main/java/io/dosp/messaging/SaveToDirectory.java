package io.dosp.messaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A {@link StreamHandler} that saves each stream as a file in one directory, under a safe version of the name the
 * sender announced: only its last path element, letters, digits, {@code . _ -} kept (anything else becomes
 * {@code _}), no leading dot, at most {@value #MAX_NAME_CHARS} characters, {@code stream} when nothing is left. An
 * existing file is never overwritten: {@code a.bin} becomes {@code a-1.bin}, {@code a-2.bin}, ... The bytes go to
 * a hidden temporary file first and are moved onto the reserved name only once the stream's SHA-256 matched; a
 * stream that fails leaves nothing behind. A stream longer than {@code maxBytes} (announced or sent) is refused
 * with {@code TOO_LARGE}.
 */
public final class SaveToDirectory implements StreamHandler {
    /** The longest file name it writes. */
    public static final int MAX_NAME_CHARS = 100;
    private static final int MAX_SUFFIX = 10_000;

    private final Path directory;
    private final long maxBytes;
    private final BiConsumer<IncomingStream, Path> saved;

    /**
     * Saves into {@code directory} (created when missing), streams of at most {@code maxBytes}; {@code saved} hears
     * of each file saved (on the stream's handler thread; may be null).
     */
    public SaveToDirectory(Path directory, long maxBytes, BiConsumer<IncomingStream, Path> saved) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be at least 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.saved = saved == null ? (s, p) -> { } : saved;
    }

    /** The directory files are saved in. */
    public Path directory() {
        return directory;
    }

    @Override
    public void onStream(IncomingStream stream) throws IOException {
        long size = stream.metadata().size();
        if (size > maxBytes) {
            throw new RpcException(ErrorCode.TOO_LARGE, "a file of " + size + " bytes is over this"
                    + " receiver's bound of " + maxBytes);
        }
        Files.createDirectories(directory);
        Path target = reserve(safeName(stream.metadata().name()));
        Path part = Files.createTempFile(directory, ".dosp-", ".part");
        boolean done = false;
        try {
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                copy(stream.input(), out);
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(part);
                Files.deleteIfExists(target);
            }
        }
        saved.accept(stream, target);
    }

    private void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            total += n;
            if (total > maxBytes) {
                throw new RpcException(ErrorCode.TOO_LARGE, "over this receiver's bound of " + maxBytes
                        + " bytes");
            }
            out.write(buf, 0, n);
        }
    }

    /** Creates the first free name of {@code name}, {@code name-1}, ... (atomically: never one that exists). */
    private Path reserve(String name) throws IOException {
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int i = 0; i < MAX_SUFFIX; i++) {
            Path p = directory.resolve(i == 0 ? name : base + "-" + i + ext);
            try {
                Files.createFile(p);
                return p;
            } catch (FileAlreadyExistsException taken) {
                // the next suffix
            }
        }
        throw new IOException("no free name for " + name + " in " + directory);
    }

    /** A file name from a peer's stream name: its last element, safe characters only, never hidden, bounded. */
    static String safeName(String announced) {
        String s = announced == null ? "" : announced.replace('\\', '/');
        s = s.substring(s.lastIndexOf('/') + 1);
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-'
                || c == '_') ? (char) c : '_'));
        int start = 0;
        while (start < b.length() && b.charAt(start) == '.') {
            start++;
        }
        String safe = b.substring(start);
        if (safe.length() > MAX_NAME_CHARS) {
            int dot = safe.lastIndexOf('.');
            String ext = dot > 0 && safe.length() - dot <= 16 ? safe.substring(dot) : "";
            safe = safe.substring(0, MAX_NAME_CHARS - ext.length()) + ext;
        }
        return safe.isEmpty() ? "stream" : safe;
    }
}
