package io.dosp.bench;

import io.dosp.crypto.TunnelCipher;

/**
 * One s2c run: what to drive and how hard.
 *
 * @param target       {@code server} (a DoSP server at host:port), {@code direct} (sender and receiver
 *                     connected to each other over loopback TCP, no server: the baseline) or
 *                     {@code nats} (a nats-server at host:port, one subject per pair)
 * @param label        name printed for the target (e.g. {@code server}, {@code python})
 * @param pairs        sender/receiver pairs
 * @param size         DATA bytes per message (plaintext bytes with a tunnel), at least 16
 * @param window       messages in flight per pair; 1 means closed loop (each message is echoed
 *                     back and the next one leaves when the echo arrives); 0 means flood (no
 *                     application window: write whenever the channel is writable)
 * @param batch        most frames written per write/flush
 * @param warmupMillis time sent but not measured, at the start
 * @param durationMillis measured time
 * @param drainMillis  how long to wait, after sending stops, for messages still in flight
 * @param tunnel       seal every message in an end-to-end tunnel (spec 8)
 * @param threads      generator event-loop threads
 * @param cpuPid       the target's process, whose CPU time is read from {@code /proc} over the
 *                     measured window; null when unknown (or direct)
 */
record S2cSpec(String target, String label, String host, int port, int pairs, int size, int window, int batch,
        long warmupMillis, long durationMillis, long drainMillis, boolean tunnel, int threads, Long cpuPid) {

    static final String SERVER = "server";
    static final String DIRECT = "direct";
    static final String NATS = "nats";
    /** {@link #window} value for flood mode. */
    static final int FLOOD = 0;

    S2cSpec {
        if (!SERVER.equals(target) && !DIRECT.equals(target) && !NATS.equals(target)) {
            throw new IllegalArgumentException("target must be server, direct or nats, got " + target);
        }
        if (pairs < 1) {
            throw new IllegalArgumentException("pairs must be at least 1, got " + pairs);
        }
        if (size < Wire.STAMP) {
            throw new IllegalArgumentException("size must be at least " + Wire.STAMP + " bytes (sequence number and timestamp), got " + size);
        }
        if (window < 0 || batch < 1 || threads < 1) {
            throw new IllegalArgumentException("window must be at least 0 (0 = flood), batch and threads at least 1");
        }
        if (durationMillis < 1 || warmupMillis < 0 || drainMillis < 0) {
            throw new IllegalArgumentException("duration must be positive, warm-up and drain not negative");
        }
    }

    /** A run without a CPU reading of the target. */
    S2cSpec(String target, String label, String host, int port, int pairs, int size, int window, int batch,
            long warmupMillis, long durationMillis, long drainMillis, boolean tunnel, int threads) {
        this(target, label, host, port, pairs, size, window, batch, warmupMillis, durationMillis, drainMillis, tunnel,
                threads, null);
    }

    boolean closedLoop() {
        return window == 1;
    }

    boolean flood() {
        return window == FLOOD;
    }

    boolean direct() {
        return DIRECT.equals(target);
    }

    boolean nats() {
        return NATS.equals(target);
    }

    /** open, closed or flood. */
    String loopName() {
        return flood() ? "flood" : closedLoop() ? "closed" : "open";
    }

    /** DATA bytes on the wire per message. */
    int dataLength() {
        return tunnel ? size + TunnelCipher.OVERHEAD : size;
    }
}
