package io.dosp.messaging;

import java.util.Objects;

/**
 * What a STREAM_OPEN announces: a name (a file's name, or any label), the size in bytes ({@code -1} when unknown)
 * and a MIME content type. The receiver bounds the stream by {@code size} when it is known.
 *
 * @param name        a label for the stream, e.g. the file name (the receiver must not trust it as a path)
 * @param size        the number of bytes that will follow, or {@code -1}
 * @param contentType a MIME type, {@code application/octet-stream} when unknown
 */
public record StreamMetadata(String name, long size, String contentType) {
    /** The content type of bytes of no particular type. */
    public static final String OCTET_STREAM = "application/octet-stream";

    /** Checks the fields: a name (may be empty), a size of at least -1, a content type. */
    public StreamMetadata {
        name = name == null ? "" : name;
        if (size < -1) {
            throw new IllegalArgumentException("size must be -1 (unknown) or at least 0, got " + size);
        }
        contentType = contentType == null || contentType.isEmpty() ? OCTET_STREAM : contentType;
    }

    /** Metadata of a stream named {@code name} of {@code size} bytes ({@code -1}: unknown), octet-stream. */
    public static StreamMetadata of(String name, long size) {
        return new StreamMetadata(Objects.requireNonNull(name, "name"), size, OCTET_STREAM);
    }
}
