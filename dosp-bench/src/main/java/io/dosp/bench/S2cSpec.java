package io.dosp.bench;

/**
 * One s2c run: what to drive and how hard.
 *
 * @param target       {@code server} (a DoSP server at host:port) or {@code direct} (sender and receiver
 *                     connected to each other over loopback TCP, no server: the baseline)
 * @param label        name printed for the target (e.g. {@code server}, {@code python})
 * @param pairs        sender/receiver pairs
 * @param size         DATA bytes per message (plaintext bytes with a tunnel), at least 16
 * @param window       messages in flight per pair; 1 means closed loop (each message is echoed
 *                     back and the next one leaves when the echo arrives)
 * @param batch        most frames written per write/flush
 * @param warmupMillis time sent but not measured, at the start
 * @param durationMillis measured time
 * @param drainMillis  how long to wait, after sending stops, for messages still in flight
 * @param tunnel       seal every message in an end-to-end tunnel (spec 8)
 * @param threads      generator event-loop threads
 */
record S2cSpec(String target, String label, String host, int port, int pairs, int size, int window, int batch,
        long warmupMillis, long durationMillis, long drainMillis, boolean tunnel, int threads) {

    static final String SERVER = "server";
    static final String DIRECT = "direct";

    S2cSpec {
        if (!SERVER.equals(target) && !DIRECT.equals(target)) {
            throw new IllegalArgumentException("target must be server or direct, got " + target);
        }
        if (pairs < 1) {
            throw new IllegalArgumentException("pairs must be at least 1, got " + pairs);
        }
        if (size < Wire.STAMP) {
            throw new IllegalArgumentException("size must be at least " + Wire.STAMP + " bytes (sequence number and timestamp), got " + size);
        }
        if (window < 1 || batch < 1 || threads < 1) {
            throw new IllegalArgumentException("window, batch and threads must be at least 1");
        }
        if (durationMillis < 1 || warmupMillis < 0 || drainMillis < 0) {
            throw new IllegalArgumentException("duration must be positive, warm-up and drain not negative");
        }
    }

    boolean closedLoop() {
        return window == 1;
    }

    boolean direct() {
        return DIRECT.equals(target);
    }

    /** DATA bytes on the wire per message. */
    int dataLength() {
        return tunnel ? size + io.dosp.crypto.TunnelCipher.OVERHEAD : size;
    }

    S2cSpec withTarget(String newTarget, String newLabel, int newPort) {
        return new S2cSpec(newTarget, newLabel, host, newPort, pairs, size, window, batch, warmupMillis, durationMillis,
                drainMillis, tunnel, threads);
    }
}
