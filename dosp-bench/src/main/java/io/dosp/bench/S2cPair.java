package io.dosp.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sender and its receiver, and the counters they share across event loops: the sender's
 * window is {@code sent - delivered - refused}, so flow control costs no extra traffic.
 */
final class S2cPair {
    /** Made-up vIPs for direct mode: 10.255.x.y. */
    private static final int DIRECT_VIP_BASE = 0x0AFF0000;

    /** State every endpoint of one run reads. */
    static final class Run {
        final S2cSpec spec;
        /** Connections that completed their handshake (AIP + HSK, NATS PONG, or TCP connect in direct mode). */
        final CountDownLatch connected;
        /** Pairs whose tunnel is established. */
        final CountDownLatch tunnels;
        /** NATS subjects of this run start with it, so that runs sharing a nats-server never cross. */
        final String subjectPrefix = "dosp-bench." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        /** Set once the measured window is known; then senders may start. */
        volatile boolean running;
        /** Set when the run closes its connections: a close before that is a disconnect. */
        volatile boolean closing;
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
    /** Messages the server answered with ERR S2CF (sender's loop writes). */
    final AtomicLong refused = new AtomicLong();
    /** Echoes the sender has received, closed loop (sender's loop writes). */
    final AtomicLong echoed = new AtomicLong();
    /** Echoes the receiver has written, closed loop (receiver's loop writes). */
    final AtomicLong echoesSent = new AtomicLong();
    /** The sender stopped for lack of window and waits for the receiver to wake it. */
    final AtomicBoolean parked = new AtomicBoolean();

    S2cPair(int index, Run run) {
        this.index = index;
        S2cSpec spec = run.spec;
        int max = spec.dataLength();
        if (spec.nats()) {
            String toReceiver = run.subjectPrefix + "." + index + ".r";
            String toSender = run.subjectPrefix + "." + index + ".s";
            this.sender = new S2cEndpoint(this, run, true, e -> new NatsEndpointWire(toSender, toReceiver, max, e));
            this.receiver = new S2cEndpoint(this, run, false, e -> new NatsEndpointWire(toReceiver, toSender, max, e));
        } else if (spec.direct()) {
            int senderVip = DIRECT_VIP_BASE + 2 + 2 * index;
            this.sender = new S2cEndpoint(this, run, true, e -> new DospEndpointWire(senderVip, senderVip + 1, max, e));
            this.receiver = new S2cEndpoint(this, run, false, e -> new DospEndpointWire(senderVip + 1, senderVip, max, e));
        } else {
            this.sender = new S2cEndpoint(this, run, true, e -> new DospEndpointWire(max, e));
            this.receiver = new S2cEndpoint(this, run, false, e -> new DospEndpointWire(max, e));
        }
    }

    /** Both ends are connected: tell each where the other is. */
    void pairUp() {
        sender.wire.pairWith(receiver.wire);
        receiver.wire.pairWith(sender.wire);
    }

    /** Nothing still in flight: every message arrived or was refused. */
    boolean settled() {
        long s = sent.get() - refused.get();
        if (sender.run.spec.closedLoop()) {
            return echoed.get() >= s && delivered.get() >= s;
        }
        return delivered.get() >= s;
    }
}
