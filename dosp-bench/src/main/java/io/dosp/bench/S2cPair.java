package io.dosp.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sender and its receiver, and the counters they share across event loops: the sender's
 * window is {@code sent - delivered}, so flow control costs no extra traffic.
 */
final class S2cPair {
    /** State every endpoint of one run reads. */
    static final class Run {
        final S2cSpec spec;
        /** Connections that completed their handshake (AIP + HSK, or TCP connect in direct mode). */
        final CountDownLatch connected;
        /** Pairs whose tunnel is established. */
        final CountDownLatch tunnels;
        /** Set once the measured window is known; then senders may start. */
        volatile boolean running;
        volatile long measureStart;
        volatile long measureEnd;
        /** First fatal problem seen by any endpoint (e.g. compression on, refused connection). */
        volatile String failure;

        Run(S2cSpec spec) {
            this.spec = spec;
            this.connected = new CountDownLatch(2 * spec.pairs());
            this.tunnels = new CountDownLatch(spec.tunnel() ? spec.pairs() : 0);
        }

        void fail(String why) {
            if (failure == null) {
                failure = why;
            }
        }
    }

    final int index;
    final S2cEndpoint sender;
    final S2cEndpoint receiver;
    /** Messages the sender has written (sender's loop writes). */
    final AtomicLong sent = new AtomicLong();
    /** Messages the receiver has received (receiver's loop writes). */
    final AtomicLong delivered = new AtomicLong();
    /** Echoes the sender has received, closed loop (sender's loop writes). */
    final AtomicLong echoed = new AtomicLong();
    /** Echoes the receiver has written, closed loop (receiver's loop writes). */
    final AtomicLong echoesSent = new AtomicLong();
    /** The sender stopped for lack of window and waits for the receiver to wake it. */
    final AtomicBoolean parked = new AtomicBoolean();

    S2cPair(int index, Run run) {
        this.index = index;
        this.sender = new S2cEndpoint(this, run, true);
        this.receiver = new S2cEndpoint(this, run, false);
    }

    /** Nothing still in flight. */
    boolean settled() {
        long s = sent.get();
        if (sender.run.spec.closedLoop()) {
            return echoed.get() >= s && delivered.get() >= s;
        }
        return delivered.get() >= s;
    }
}
