package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.crypto.TunnelCipher;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.StreamHandler;
import io.dosp.messaging.StreamMetadata;
import io.dosp.messaging.StreamOptions;
import io.dosp.messaging.StreamStats;
import io.dosp.messaging.StreamTransfer;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams in both directions over a {@link StreamWire}, transport-agnostic (wire format: {@code docs/messaging.md}
 * section 4). Envelopes come in through {@link #handle} (on any thread, typically an I/O thread: it never blocks
 * there); a sender's source is read on a stream sending thread, a receiver's handler runs on a stream handler
 * thread. Both pools are bounded by {@link StreamOptions#maxStreams()}, as is the number of streams per direction.
 *
 * <p>Flow control: a receiver grants {@code window} bytes at first and more as its application reads, so it never
 * holds more than {@code window} bytes of a stream; a sender never sends more chunk bytes than granted, and before
 * each chunk waits for its connection to be writable, so nothing builds up in its own channel either.
 *
 * <p>Stream ids come from the shared id source of the messaging layer ({@code ids}), so a RESPONSE, ERROR or
 * CANCEL id names either a call or a stream of ours, never both; {@link #handle} returns false for envelopes that
 * are not a stream's, for the calls to take.
 */
public final class StreamEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamEngine.class);
    /** Envelope bytes around a chunk's body: the header, an empty name, the content type. */
    static final int CHUNK_ENVELOPE_OVERHEAD = Envelope.HEADER_BYTES + 1;

    private final StreamWire wire;
    private final StreamOptions options;
    private final LongSupplier ids;
    private final Map<String, StreamHandler> handlers = new ConcurrentHashMap<>();
    private final Map<Key, OutgoingStream> outgoing = new ConcurrentHashMap<>();
    private final Map<Key, IncomingStreamImpl> incoming = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> outgoingPerPeer = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> incomingPerPeer = new ConcurrentHashMap<>();
    private final AtomicInteger outgoingCount = new AtomicInteger();
    private final AtomicInteger incomingCount = new AtomicInteger();
    private final ExecutorService senders;
    private final ExecutorService handlerThreads;
    private final ScheduledExecutorService timer;
    private final AtomicLong droppedEnvelopes = new AtomicLong();
    private final AtomicLong maxBufferedBytes = new AtomicLong();
    private final AtomicLong maxUnconfirmedBytes = new AtomicLong();
    private final AtomicLong completedOut = new AtomicLong();
    private final AtomicLong completedIn = new AtomicLong();
    private final AtomicLong failedOut = new AtomicLong();
    private final AtomicLong failedIn = new AtomicLong();
    private volatile boolean closed;

    /** What identifies a stream: the peer and the id (of the side that started it). */
    record Key(int peer, long id) {
        static Key of(Vip peer, long id) {
            return new Key(peer.value(), id);
        }
    }

    /**
     * An engine on {@code wire} with {@code options}; {@code ids} gives fresh 32-bit ids (shared with calls).
     */
    public StreamEngine(StreamWire wire, StreamOptions options, LongSupplier ids) {
        this.wire = Objects.requireNonNull(wire, "wire");
        this.options = Objects.requireNonNull(options, "options");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.senders = pool("dosp-stream-send", options.maxStreams());
        this.handlerThreads = pool("dosp-stream-handler", options.maxStreams());
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("dosp-stream-timer"));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        long every = Math.max(10, Math.min(1000, options.idleTimeout().toMillis() / 4));
        t.scheduleWithFixedDelay(this::cancelIdle, every, every, TimeUnit.MILLISECONDS);
    }

    /** Cancels incoming streams whose sender stalled while their handler waits (the idle timeout). */
    private void cancelIdle() {
        long now = System.nanoTime();
        long idle = options.idleTimeout().toNanos();
        for (IncomingStreamImpl s : incoming.values()) {
            if (s.idle(now, idle)) {
                LOG.debug("Stream {} idle for {}: cancelled", s, options.idleTimeout());
                s.cancel("no data from the sender for " + options.idleTimeout().toMillis() + " ms");
            }
        }
    }

    private static ExecutorService pool(String name, int max) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(max, max, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon(name));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The options. */
    public StreamOptions options() {
        return options;
    }

    // ---- handlers ----

    /** Registers {@code handler} for streams sent to {@code name}, replacing any before it. */
    public void register(String name, StreamHandler handler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (name.getBytes(StandardCharsets.UTF_8).length > Envelope.MAX_NAME_BYTES || name.isEmpty()) {
            throw new IllegalArgumentException("a stream handler name is 1.." + Envelope.MAX_NAME_BYTES + " UTF-8 bytes");
        }
        handlers.put(name, handler);
    }

    /** Removes the handler of {@code name}; streams already running go on. */
    public boolean unregister(String name) {
        return handlers.remove(name) != null;
    }

    /** The names of the registered stream handlers, sorted (for discovery). */
    public Set<String> handlerNames() {
        return new TreeSet<>(handlers.keySet());
    }

    // ---- sending ----

    /**
     * The largest chunk this side writes: the configured chunk size, cut to what one S2C at the client's maximum
     * frame size carries as a tunnel frame (the tunnel's overhead and the envelope's header off).
     */
    public int maxChunk() {
        int fits = wire.maxDataBytes() - TunnelCipher.OVERHEAD - CHUNK_ENVELOPE_OVERHEAD;
        return Math.max(1, Math.min(options.chunkSize(), fits));
    }

    /**
     * Starts a stream of {@code source} to {@code peer}'s handler {@code handler}. The source is read on a stream
     * sending thread, as credit and the connection allow, and closed at the end. Never throws for a stream that
     * cannot start: the transfer's result fails instead.
     */
    public StreamTransfer send(Vip peer, String handler, StreamMetadata metadata, InputStream source, boolean secure) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(source, "source");
        long id = ids.getAsLong() & 0xFFFF_FFFFL;
        OutgoingStream s = new OutgoingStream(this, peer, id, metadata, source, secure);
        if (closed) {
            s.fail(Failures.of(ErrorCode.DISCONNECTED, "the messaging layer is closed"), false);
            return s;
        }
        if (!reserve(outgoingCount, outgoingPerPeer, peer)) {
            s.fail(Failures.of(ErrorCode.TOO_MANY_CALLS, "already " + options.maxStreamsPerPeer()
                    + " streams to " + peer + " or " + options.maxStreams() + " in all"), false);
            return s;
        }
        Key key = Key.of(peer, id);
        outgoing.put(key, s);
        s.result().whenComplete((r, e) -> {
            outgoing.remove(key, s);
            release(outgoingCount, outgoingPerPeer, peer);
            (e == null ? completedOut : failedOut).incrementAndGet();
        });
        ObjectNode meta = Json.object();
        meta.put("name", metadata.name());
        meta.put("size", metadata.size());
        meta.put("contentType", metadata.contentType());
        try {
            wire.send(peer, new Envelope(Envelope.STREAM_OPEN, 0, id, handler, Envelope.JSON, Json.write(meta)), secure);
        } catch (RuntimeException e) {
            s.fail(Failures.of(ErrorCode.DISCONNECTED, "STREAM_OPEN not sent: " + e.getMessage(), e),
                    false);
            return s;
        }
        s.armOpenTimer(timer, options.openTimeout());
        return s;
    }

    private boolean reserve(AtomicInteger total, Map<Integer, AtomicInteger> perPeer, Vip peer) {
        if (total.incrementAndGet() > options.maxStreams()) {
            total.decrementAndGet();
            return false;
        }
        AtomicInteger n = perPeer.computeIfAbsent(peer.value(), k -> new AtomicInteger());
        if (n.incrementAndGet() > options.maxStreamsPerPeer()) {
            n.decrementAndGet();
            total.decrementAndGet();
            return false;
        }
        return true;
    }

    private void release(AtomicInteger total, Map<Integer, AtomicInteger> perPeer, Vip peer) {
        total.decrementAndGet();
        perPeer.computeIfPresent(peer.value(), (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    void execute(Runnable pump) {
        senders.execute(pump);
    }

    StreamWire wire() {
        return wire;
    }

    void sent(long unconfirmed) {
        maxUnconfirmedBytes.accumulateAndGet(unconfirmed, Math::max);
    }

    void buffered(long bytes) {
        maxBufferedBytes.accumulateAndGet(bytes, Math::max);
    }

    // ---- receiving ----

    /**
     * Takes an envelope from {@code from}. Returns true when it was a stream's (handled, or dropped and counted
     * as late: a chunk of a stream already ended), false when it is not (a call's RESPONSE, ERROR or CANCEL, or
     * another kind). Never blocks.
     */
    public boolean handle(Vip from, boolean tunneled, Envelope e) {
        switch (e.kind()) {
            case Envelope.STREAM_OPEN -> {
                if (e.isReply()) {
                    droppedEnvelopes.incrementAndGet();
                } else {
                    onOpen(from, wire.secureFor(tunneled), e);
                }
                return true;
            }
            case Envelope.STREAM_CHUNK, Envelope.STREAM_END -> {
                IncomingStreamImpl s = e.isReply() ? null : incoming.get(Key.of(from, e.id()));
                if (s == null) {
                    droppedEnvelopes.incrementAndGet(); // late: after a cancel or refusal of ours
                } else if (e.kind() == Envelope.STREAM_CHUNK) {
                    s.onChunk(e.bodyBytes());
                } else {
                    s.onEnd(e.bodyBytes());
                }
                return true;
            }
            case Envelope.CREDIT -> {
                OutgoingStream s = e.isReply() ? outgoing.get(Key.of(from, e.id())) : null;
                if (s == null) {
                    droppedEnvelopes.incrementAndGet();
                } else {
                    s.onCredit(e.bodyBytes());
                }
                return true;
            }
            case Envelope.CANCEL -> {
                String reason = LogText.of(new String(e.bodyBytes(), StandardCharsets.UTF_8));
                if (e.isReply()) {
                    OutgoingStream s = outgoing.get(Key.of(from, e.id()));
                    if (s == null) {
                        return false;
                    }
                    s.fail(Failures.of(ErrorCode.CANCELLED, "cancelled by the receiver: " + reason),
                            false);
                } else {
                    IncomingStreamImpl s = incoming.get(Key.of(from, e.id()));
                    if (s == null) {
                        return false;
                    }
                    s.fail(Failures.of(ErrorCode.CANCELLED, "cancelled by the sender: " + reason));
                }
                return true;
            }
            case Envelope.RESPONSE, Envelope.ERROR -> {
                OutgoingStream s = e.isReply() ? outgoing.get(Key.of(from, e.id())) : null;
                if (s == null) {
                    return false;
                }
                if (e.kind() == Envelope.RESPONSE) {
                    s.onResponse(e.bodyBytes());
                } else {
                    s.onError(e);
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void onOpen(Vip from, boolean secure, Envelope e) {
        long id = e.id();
        Key key = Key.of(from, id);
        if (incoming.containsKey(key)) {
            droppedEnvelopes.incrementAndGet(); // a repeated open: the stream already running keeps the id
            return;
        }
        StreamHandler handler = handlers.get(e.name());
        if (closed) {
            refuse(from, secure, id, ErrorCode.CANCELLED, "the messaging layer is closing");
            return;
        }
        if (handler == null) {
            refuse(from, secure, id, ErrorCode.NO_SUCH_METHOD, "no stream handler " + LogText.of(e.name()));
            return;
        }
        JsonNode meta = e.contentType() == Envelope.JSON ? Json.readObject(e.bodyBytes()) : null;
        if (meta == null || (meta.has("size") && !meta.get("size").canConvertToLong())) {
            refuse(from, secure, id, ErrorCode.UNSUPPORTED, "STREAM_OPEN metadata is not a JSON object as in"
                    + " docs/messaging.md 4");
            return;
        }
        StreamMetadata metadata;
        try {
            metadata = new StreamMetadata(meta.path("name").asText(""), meta.path("size").asLong(-1),
                    meta.path("contentType").asText(StreamMetadata.OCTET_STREAM));
        } catch (IllegalArgumentException bad) {
            refuse(from, secure, id, ErrorCode.UNSUPPORTED, "STREAM_OPEN metadata: " + bad.getMessage());
            return;
        }
        if (metadata.size() > options.maxStreamBytes()) {
            refuse(from, secure, id, ErrorCode.TOO_LARGE, "a stream of " + metadata.size() + " bytes is over this"
                    + " receiver's bound of " + options.maxStreamBytes());
            return;
        }
        if (!reserve(incomingCount, incomingPerPeer, from)) {
            refuse(from, secure, id, ErrorCode.TOO_MANY_CALLS, "this receiver already has "
                    + options.maxStreamsPerPeer() + " streams from " + from + " or " + options.maxStreams() + " in all");
            return;
        }
        IncomingStreamImpl s = new IncomingStreamImpl(this, from, id, e.name(), metadata, secure);
        incoming.put(key, s);
        try {
            s.start();
            handlerThreads.execute(() -> runHandler(handler, s, key));
        } catch (RuntimeException ex) {
            incoming.remove(key, s);
            release(incomingCount, incomingPerPeer, from);
            s.fail(Failures.of(ErrorCode.DISCONNECTED, "could not start: " + ex.getMessage()));
        }
    }

    private void runHandler(StreamHandler handler, IncomingStreamImpl s, Key key) {
        try {
            handler.onStream(s);
            s.finish();
        } catch (Throwable t) {
            s.handlerFailed(t);
        } finally {
            incoming.remove(key, s);
            release(incomingCount, incomingPerPeer, s.from());
            (s.succeeded() ? completedIn : failedIn).incrementAndGet();
        }
    }

    /** Answers a STREAM_OPEN (or a stream) with ERROR {@code code}. */
    void refuse(Vip to, boolean secure, long id, ErrorCode code, String message) {
        LOG.debug("Stream {} from {} refused: {} {}", id, to, code, message);
        sendQuietly(to, WireError.of(code, message).envelope(id), secure);
    }

    /** Sends an envelope that ends or controls a stream; a failure to send is logged, the stream ends anyway. */
    void sendQuietly(Vip to, Envelope e, boolean secure) {
        // Asynchronous: this runs on the dispatch thread too, which must not wait for a tunnel to open.
        wire.sendAsync(to, e, secure).whenComplete((v, ex) -> {
            if (ex != null) {
                LOG.debug("Could not send {} to {}: {}", e, to, ex.getMessage());
            }
        });
    }

    /**
     * An envelope of {@code from} was dropped before it reached us (the messaging layer's inbox was full; only its
     * header is left): the stream it belongs to cannot complete. An incoming one is answered {@code TOO_LARGE}, an
     * outgoing one is cancelled.
     */
    public void overflow(Vip from, boolean tunneled, Envelope header) {
        Key key = Key.of(from, header.id());
        if (!header.isReply() && (header.kind() == Envelope.STREAM_CHUNK || header.kind() == Envelope.STREAM_END)) {
            IncomingStreamImpl s = incoming.get(key);
            if (s != null) {
                s.failAndAnswer(ErrorCode.TOO_LARGE, "a chunk was dropped: the receiver's inbox was full");
            }
        } else if (header.kind() == Envelope.STREAM_OPEN && !header.isReply()) {
            refuse(from, wire.secureFor(tunneled), header.id(), ErrorCode.TOO_MANY_CALLS,
                    "the receiver's inbox is full");
        } else if (header.isReply()) {
            OutgoingStream s = outgoing.get(key);
            if (s != null) {
                s.fail(Failures.of(ErrorCode.CANCELLED, "an answer of the receiver was dropped:"
                        + " this side's inbox was full"), true);
            }
        }
    }

    // ---- peers and the connection ----

    /** {@code peer} is gone (ERR S2CF, a PEER_GONE notice): every stream with it fails now. */
    public void peerGone(Vip peer, String reason) {
        RpcException why = Failures.of(ErrorCode.PEER_GONE, peer + " is gone: " + reason);
        for (OutgoingStream s : List.copyOf(outgoing.values())) {
            if (s.peer().equals(peer)) {
                s.fail(why, false);
            }
        }
        for (IncomingStreamImpl s : List.copyOf(incoming.values())) {
            if (s.from().equals(peer)) {
                s.fail(why);
            }
        }
    }

    /** Our connection ended: every stream fails with {@code DISCONNECTED}. */
    public void disconnected(String reason) {
        RpcException why = Failures.of(ErrorCode.DISCONNECTED, reason);
        List<OutgoingStream> out = new ArrayList<>(outgoing.values());
        out.forEach(s -> s.fail(why, false));
        List<IncomingStreamImpl> in = new ArrayList<>(incoming.values());
        in.forEach(s -> s.fail(why));
    }

    /** Fails every stream (cancelling them at the peers) and stops the threads. */
    @Override
    public void close() {
        closed = true;
        for (OutgoingStream s : List.copyOf(outgoing.values())) {
            s.cancel("the sender closed");
        }
        for (IncomingStreamImpl s : List.copyOf(incoming.values())) {
            s.cancel("the receiver closed");
        }
        senders.shutdown();
        handlerThreads.shutdown();
        timer.shutdownNow();
    }

    // ---- stats ----

    /** Counts and peaks of this engine. */
    public StreamStats stats() {
        return new StreamStats(outgoing.size(), incoming.size(), completedOut.get(), failedOut.get(), completedIn.get(),
                failedIn.get(), droppedEnvelopes.get(), maxBufferedBytes.get(), maxUnconfirmedBytes.get());
    }
}
