package io.dosp.client.internal;

import io.dosp.client.ClientListener;
import io.dosp.client.DisconnectedException;
import io.dosp.client.Incoming;
import io.dosp.protocol.Packets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What a client keeps across reconnects: listeners and their serial callback executor, the
 * receive queue, and counters. Thread-safe.
 */
public final class ClientShared {
    /** Marks the end of the receive queue. */
    private static final Incoming CLOSED = new Incoming(Packets.ping(), false);

    private final List<ClientListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor callbacks = new SerialExecutor(SharedResources.callbackPool());
    private final BlockingQueue<Incoming> received;
    private final AtomicLong droppedMessages = new AtomicLong();
    final AtomicLong rejectedFrames = new AtomicLong();
    private volatile DisconnectedException closedBy;

    /** With a receive queue of {@code capacity}. */
    public ClientShared(int capacity) {
        received = new LinkedBlockingQueue<>(capacity);
    }

    /** Adds a listener. */
    public void addListener(ClientListener l) {
        listeners.add(l);
    }

    /** Removes a listener. */
    public void removeListener(ClientListener l) {
        listeners.remove(l);
    }

    /** Messages dropped because the receive queue was full. */
    public long droppedMessages() {
        return droppedMessages.get();
    }

    /** Tunnel frames that failed verification. */
    public long rejectedFrames() {
        return rejectedFrames.get();
    }

    /** Queues for {@code receive()} (dropping the oldest when full) and tells the listeners. */
    void deliver(Incoming in) {
        while (!received.offer(in)) {
            if (received.poll() != null) {
                droppedMessages.incrementAndGet();
            }
        }
        emit(l -> l.onMessage(in));
    }

    /** Runs {@code event} for every listener on the callback executor. */
    public void emit(Consumer<ClientListener> event) {
        if (listeners.isEmpty()) {
            return;
        }
        callbacks.execute(() -> {
            for (ClientListener l : listeners) {
                event.accept(l);
            }
        });
    }

    /** Next item; null on timeout (negative timeout: wait forever); throws once closed and drained. */
    public Incoming receive(long timeoutNanos) throws InterruptedException {
        Incoming i = timeoutNanos < 0 ? received.take() : received.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        if (i == CLOSED) {
            received.offer(CLOSED); // stay closed for every later call
            throw closedBy;
        }
        return i;
    }

    /** Ends the receive queue for good. */
    public void close(DisconnectedException cause) {
        if (closedBy == null) {
            closedBy = cause;
            while (!received.offer(CLOSED)) {
                received.poll();
            }
        }
    }
}
