package io.dosp.it.messaging;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.locks.LockSupport;

/**
 * A reader that consumes at most {@code bytesPerSecond} on average: the slow application of the streaming tests.
 * It paces itself (parks until its budget allows the next read); it is not a wait for any event, only a rate.
 */
final class RateLimitedInput extends FilterInputStream {
    private final long bytesPerSecond;
    private final long start = System.nanoTime();
    private long read;

    RateLimitedInput(InputStream in, long bytesPerSecond) {
        super(in);
        this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = (int) Math.min(len, Math.max(1, bytesPerSecond / 50)); // at most a 20 ms slice per read
        long due = start + (long) ((read + n) * 1e9 / bytesPerSecond);
        for (long wait; (wait = due - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while pacing");
            }
        }
        int r = super.read(b, off, n);
        if (r > 0) {
            read += r;
        }
        return r;
    }
}
