package io.dosp.client.internal;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.SimplePacket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Requests waiting for their answer, one FIFO per reply type. DoSP has no correlation ids, but
 * the server answers each connection's requests of one type in order, so the oldest waiting
 * request of a type gets the next reply of that type, whatever else (S2C, broadcasts) arrives in
 * between. A request that timed out stays in line so its late answer is consumed by it and not
 * handed to the next request. Thread-safe.
 */
final class PendingRequests {
    private final Map<PacketType, Deque<CompletableFuture<SimplePacket>>> queues = new EnumMap<>(PacketType.class);

    /**
     * Registers a request and sends it while holding the type's lock, so the wire order of
     * requests is the queue order.
     */
    CompletableFuture<SimplePacket> register(PacketType replyType, Runnable send) {
        CompletableFuture<SimplePacket> f = new CompletableFuture<>();
        Deque<CompletableFuture<SimplePacket>> q;
        synchronized (queues) {
            q = queues.computeIfAbsent(replyType, k -> new ArrayDeque<>());
        }
        synchronized (q) {
            q.addLast(f);
            try {
                send.run();
            } catch (RuntimeException e) {
                q.removeLast();
                throw e;
            }
        }
        return f;
    }

    /** Hands a reply to the oldest request of its type; false when none was waiting. */
    boolean complete(PacketType replyType, SimplePacket reply) {
        return take(replyType, f -> f.complete(reply));
    }

    /** Fails the oldest request of a type (e.g. on an ERR that answers it); false when none was waiting. */
    boolean fail(PacketType replyType, Throwable error) {
        return take(replyType, f -> f.completeExceptionally(error));
    }

    /** Whether a request of this type is waiting. */
    boolean waiting(PacketType replyType) {
        Deque<CompletableFuture<SimplePacket>> q;
        synchronized (queues) {
            q = queues.get(replyType);
        }
        if (q == null) {
            return false;
        }
        synchronized (q) {
            return !q.isEmpty();
        }
    }

    /** Removes a request that will never be answered (e.g. an FN the reference answers with silence). */
    void forget(PacketType replyType, CompletableFuture<SimplePacket> f) {
        Deque<CompletableFuture<SimplePacket>> q;
        synchronized (queues) {
            q = queues.get(replyType);
        }
        if (q != null) {
            synchronized (q) {
                q.remove(f);
            }
        }
    }

    private boolean take(PacketType replyType, Consumer<CompletableFuture<SimplePacket>> action) {
        Deque<CompletableFuture<SimplePacket>> q;
        synchronized (queues) {
            q = queues.get(replyType);
        }
        if (q == null) {
            return false;
        }
        CompletableFuture<SimplePacket> f;
        synchronized (q) {
            f = q.pollFirst();
        }
        if (f == null) {
            return false;
        }
        action.accept(f);
        return true;
    }

    /** Fails everything (connection closed). */
    void failAll(Throwable error) {
        synchronized (queues) {
            for (Deque<CompletableFuture<SimplePacket>> q : queues.values()) {
                synchronized (q) {
                    for (CompletableFuture<SimplePacket> f : q) {
                        f.completeExceptionally(error);
                    }
                    q.clear();
                }
            }
        }
    }
}
