package io.dosp.crypto;

import io.dosp.protocol.DospException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An identity key file could not be read, written or trusted: missing or unreadable, not a DoSP
 * identity file, or readable by other users (a private key must be the owner's alone, as SSH
 * insists). The message names the file and says what to do.
 */
public final class IdentityFileException extends DospException {
    private static final long serialVersionUID = 1L;
    /** The file (not serialised: {@link Path} is not serialisable). */
    private final transient Path file;

    /**
     * A failure with {@code file}.
     *
     * @param file the identity file
     * @param message what is wrong and what to do; never key material
     * @param cause the underlying error, or {@code null}
     */
    public IdentityFileException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The identity file. */
    public Path file() {
        return file;
    }
}
