package io.dosp.messaging.internal;

import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Two stream engines joined in memory: what one side sends is encoded, decoded and handed to the other on a single
 * "I/O" thread per direction, in order. Each direction checks the wire contract as it goes (chunk bytes never over
 * the credit seen, chunk bodies within the frame budget) and records every envelope; its writability can be turned
 * off and on.
 */
final class StreamPipe implements AutoCloseable {
    static final Vip A = Vip.parse("7.10.0.1");
    static final Vip B = Vip.parse("7.10.0.2");

    final Side a;
    final Side b;

    StreamPipe(int maxDataBytes, io.dosp.messaging.StreamOptions optionsA, io.dosp.messaging.StreamOptions optionsB) {
        AtomicLong ids = new AtomicLong();
        a = new Side(A, maxDataBytes);
        b = new Side(B, maxDataBytes);
        a.peer = b;
        b.peer = a;
        a.engine = new StreamEngine(a, optionsA, ids::incrementAndGet);
        b.engine = new StreamEngine(b, optionsB, ids::incrementAndGet);
    }

    @Override
    public void close() throws InterruptedException {
        a.engine.close();
        b.engine.close();
        a.io.shutdown();
        b.io.shutdown();
        a.io.awaitTermination(10, TimeUnit.SECONDS);
        b.io.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** One end: its engine, and the wire out of it. */
    static final class Side implements StreamWire {
        final Vip vip;
        final int maxDataBytes;
        final ExecutorService io;
        Side peer;
        StreamEngine engine;
        final List<Envelope> sentLog = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Envelopes from the other side are given here instead of to the engine when set (a rogue peer's view). */
        volatile BiConsumer<Vip, Envelope> intercept;
        private final Object lock = new Object();
        private CompletableFuture<Void> writable = CompletableFuture.completedFuture(null);
        // per stream id of ours: credit seen from the other side and chunk bytes sent
        private final java.util.Map<Long, long[]> flow = new java.util.concurrent.ConcurrentHashMap<>();

        Side(Vip vip, int maxDataBytes) {
            this.vip = vip;
            this.maxDataBytes = maxDataBytes;
            this.io = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pipe-io-" + vip);
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public boolean secureFor(boolean tunneled) {
            return tunneled;
        }

        @Override
        public void send(Vip to, Envelope e, boolean secure) {
            byte[] wireBytes = e.encode();
            if (wireBytes.length > maxDataBytes) {
                violations.add("an envelope of " + wireBytes.length + " bytes over the S2C budget of " + maxDataBytes);
            }
            if (e.kind() == Envelope.STREAM_CHUNK) {
                long[] f = flow.computeIfAbsent(e.id(), k -> new long[2]);
                synchronized (f) {
                    f[1] += e.bodyLength();
                    if (f[1] > f[0]) {
                        violations.add("stream " + e.id() + ": " + f[1] + " chunk bytes sent against " + f[0]
                                + " granted");
                    }
                }
            }
            sentLog.add(e);
            peer.io.execute(() -> peer.receive(vip, wireBytes));
        }

        private void receive(Vip from, byte[] bytes) {
            Envelope e;
            try {
                e = Envelope.decode(bytes);
            } catch (Envelope.MalformedEnvelopeException ex) {
                throw new IllegalStateException(ex);
            }
            if (e.kind() == Envelope.CREDIT && e.isReply()) {
                long[] f = flow.computeIfAbsent(e.id(), k -> new long[2]);
                byte[] c = e.bodyBytes();
                synchronized (f) {
                    f[0] += ((c[0] & 0xFFL) << 24) | ((c[1] & 0xFFL) << 16) | ((c[2] & 0xFFL) << 8) | (c[3] & 0xFFL);
                }
            }
            BiConsumer<Vip, Envelope> i = intercept;
            if (i != null) {
                i.accept(from, e);
            } else {
                engine.handle(from, false, e);
            }
        }

        /** Sends raw envelope bytes as if this side's engine had. */
        void sendRaw(Envelope e) {
            byte[] bytes = e.encode();
            sentLog.add(e);
            peer.io.execute(() -> peer.receive(vip, bytes));
        }

        void writable(boolean on) {
            CompletableFuture<Void> done = null;
            synchronized (lock) {
                if (on && !writable.isDone()) {
                    done = writable;
                } else if (!on && writable.isDone()) {
                    writable = new CompletableFuture<>();
                }
            }
            if (done != null) {
                done.complete(null);
            }
        }

        @Override
        public CompletableFuture<Void> whenWritable() {
            synchronized (lock) {
                return writable;
            }
        }

        @Override
        public int maxDataBytes() {
            return maxDataBytes;
        }

        long chunkBytesSent() {
            synchronized (sentLog) {
                return sentLog.stream().filter(x -> x.kind() == Envelope.STREAM_CHUNK).mapToLong(Envelope::bodyLength)
                        .sum();
            }
        }

        long count(int kind) {
            synchronized (sentLog) {
                return sentLog.stream().filter(x -> x.kind() == kind).count();
            }
        }
    }
}
