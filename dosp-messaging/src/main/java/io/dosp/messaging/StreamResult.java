package io.dosp.messaging;

/**
 * A completed stream, as its receiver confirmed it (the RESPONSE to STREAM_END).
 *
 * @param bytes  the number of bytes the receiver read
 * @param sha256 the SHA-256 of those bytes, lower-case hex, checked by the receiver against the sender's
 */
public record StreamResult(long bytes, String sha256) {
}
