package io.dosp.messaging;

/**
 * How far a stream has come, reported to {@link StreamTransfer#onProgress} listeners.
 *
 * @param bytes the bytes sent so far (for a transfer) or read so far (for an incoming stream)
 * @param total the announced size, {@code -1} when unknown
 */
public record StreamProgress(long bytes, long total) {
    /** The fraction done, {@code 0..1}, or {@code -1} when the total is unknown. */
    public double fraction() {
        return total < 0 ? -1 : total == 0 ? 1 : Math.min(1.0, (double) bytes / total);
    }
}
