package io.dosp.client.internal;

import io.dosp.client.DisconnectedException;
import io.dosp.client.Incoming;
import io.dosp.protocol.Packets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The messages waiting for {@code DospClient.receive()}, kept across reconnects, with the counts
 * of what never reached it: messages dropped because the queue was full (the oldest go first) and
 * tunnel frames that failed verification. Closed once, when the client ends for good; after that
 * every read that finds the queue drained throws the cause.
 *
 * <p>Thread-safe: filled on I/O threads, read on application threads.
 */
public final class ReceiveQueue {
    /** Marks the end of the queue. */
    private static final Incoming CLOSED = new Incoming(Packets.ping(), false);

    private final BlockingQueue<Incoming> received;
    private final AtomicLong droppedMessages = new AtomicLong();
    private final AtomicLong rejectedTunnelFrames = new AtomicLong();
    private volatile DisconnectedException closedBy;

    /** A queue holding at most {@code capacity} messages. */
    public ReceiveQueue(int capacity) {
        received = new LinkedBlockingQueue<>(capacity);
    }

    /** Queues {@code in}, dropping (and counting) the oldest messages while the queue is full. */
    void add(Incoming in) {
        while (!received.offer(in)) {
            if (received.poll() != null) {
                droppedMessages.incrementAndGet();
            }
        }
    }

    /** Counts a tunnel frame that failed verification. */
    void tunnelFrameRejected() {
        rejectedTunnelFrames.incrementAndGet();
    }

    /** Messages dropped because the queue was full. */
    public long droppedMessages() {
        return droppedMessages.get();
    }

    /** Tunnel frames that failed verification. */
    public long rejectedTunnelFrames() {
        return rejectedTunnelFrames.get();
    }

    /**
     * The next message; null on timeout (a negative timeout waits forever).
     *
     * @throws DisconnectedException once the queue is closed and drained
     * @throws InterruptedException  when the waiting thread is interrupted
     */
    public Incoming take(long timeoutNanos) throws InterruptedException {
        Incoming i = timeoutNanos < 0 ? received.take() : received.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        if (i == CLOSED) {
            received.offer(CLOSED); // stay closed for every later call
            throw closedBy;
        }
        return i;
    }

    /** Ends the queue for good (later calls do nothing): readers get {@code cause} once it is drained. */
    public void close(DisconnectedException cause) {
        if (closedBy == null) {
            closedBy = cause;
            while (!received.offer(CLOSED)) {
                received.poll();
            }
        }
    }
}
