package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.StreamMetadata;
import io.dosp.messaging.StreamProgress;
import io.dosp.messaging.StreamResult;
import io.dosp.messaging.StreamTransfer;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream being sent. The pump reads the source and sends chunks on a sending thread, one pump at a time
 * ({@code running}), while there is credit and the connection is writable; credit and writability reschedule it.
 * The result future is the one arbiter of the end: whoever completes it first (the receiver's answer, a cancel, a
 * failure) decides, and the pump stops when it sees it done.
 */
final class OutgoingStream implements StreamTransfer {
    private static final Logger LOG = LoggerFactory.getLogger(OutgoingStream.class);
    private final StreamEngine engine;
    private final Vip peer;
    private final long id;
    private final StreamMetadata metadata;
    private final InputStream source;
    private final boolean secure;
    private final MessageDigest digest;
    private final CompletableFuture<StreamResult> result = new CompletableFuture<>();
    private final List<Consumer<StreamProgress>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong granted = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long sent;
    private volatile boolean ended;
    private volatile byte[] sha256;
    private volatile ScheduledFuture<?> openTimer;

    OutgoingStream(StreamEngine engine, Vip peer, long id, StreamMetadata metadata, InputStream source,
            boolean secure) {
        this.secure = secure;
        this.engine = engine;
        this.peer = peer;
        this.id = id;
        this.metadata = metadata;
        this.source = source;
        this.digest = sha256();
        result.whenComplete((r, e) -> {
            ScheduledFuture<?> t = openTimer;
            if (t != null) {
                t.cancel(false);
            }
            try {
                source.close();
            } catch (IOException ignored) {
                // closing after the end: nothing to report
            }
        });
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public Vip peer() {
        return peer;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public CompletableFuture<StreamResult> result() {
        return result;
    }

    @Override
    public long bytesSent() {
        return sent;
    }

    @Override
    public StreamTransfer onProgress(Consumer<StreamProgress> listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    @Override
    public boolean cancel(String reason) {
        String why = reason == null ? "" : reason;
        if (!result.completeExceptionally(Failures.of(ErrorCode.CANCELLED, "cancelled here: " + why))) {
            return false;
        }
        engine.sendQuietly(peer, new Envelope(Envelope.CANCEL, 0, id, "", Envelope.TEXT,
                why.getBytes(StandardCharsets.UTF_8)), secure);
        return true;
    }

    /** Fails the stream; {@code tellPeer}: also CANCEL it at the receiver. */
    void fail(RpcException e, boolean tellPeer) {
        if (result.completeExceptionally(e) && tellPeer) {
            engine.sendQuietly(peer, new Envelope(Envelope.CANCEL, 0, id, "", Envelope.TEXT,
                    e.getMessage().getBytes(StandardCharsets.UTF_8)), secure);
        }
    }

    void armOpenTimer(ScheduledExecutorService timer, Duration timeout) {
        if (result.isDone()) {
            return;
        }
        openTimer = timer.schedule(() -> {
            if (granted.get() == 0) {
                fail(Failures.of(ErrorCode.TIMEOUT, "no answer to STREAM_OPEN from " + peer + " within "
                        + timeout.toMillis() + " ms"), true);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- from the receiver (any thread, never blocks) ----

    void onCredit(byte[] body) {
        if (body.length != 4) {
            fail(Failures.of(ErrorCode.UNSUPPORTED, "a CREDIT body of " + body.length
                    + " bytes (not a u32)"), true);
            return;
        }
        long more = ((body[0] & 0xFFL) << 24) | ((body[1] & 0xFFL) << 16) | ((body[2] & 0xFFL) << 8) | (body[3] & 0xFFL);
        granted.addAndGet(more);
        schedule();
    }

    void onResponse(byte[] body) {
        JsonNode r = Json.readObject(body);
        if (!ended) {
            fail(Failures.of(ErrorCode.UNSUPPORTED, "a RESPONSE before STREAM_END"), true);
            return;
        }
        String ours = HexFormat.of().formatHex(sha256);
        if (r == null || !r.path("sha256").isTextual() || !r.path("bytes").canConvertToLong()) {
            fail(Failures.of(ErrorCode.UNSUPPORTED, "the RESPONSE to a stream is not"
                    + " {\"bytes\": N, \"sha256\": \"hex\"}"), false);
        } else if (!ours.equalsIgnoreCase(r.get("sha256").asText()) || r.get("bytes").asLong() != sent) {
            fail(Failures.of(ErrorCode.INTEGRITY, "the receiver confirmed "
                    + r.get("bytes").asLong() + " bytes with SHA-256 " + LogText.of(r.get("sha256").asText())
                    + ", we sent " + sent + " with " + ours), false);
        } else {
            result.complete(new StreamResult(sent, ours));
        }
    }

    void onError(Envelope e) {
        WireError w = WireError.parse(e);
        fail(new WireError(LogText.of(w.code()), LogText.of(w.message()), null).toException(peer, "stream " + id), false);
    }

    // ---- the pump (a sending thread) ----

    void schedule() {
        if (!result.isDone() && !ended && running.compareAndSet(false, true)) {
            try {
                engine.execute(this::pump);
            } catch (RuntimeException e) {
                running.set(false);
                fail(Failures.of(ErrorCode.DISCONNECTED, "the messaging layer is closed"), true);
            }
        }
    }

    private void pump() {
        int max = engine.maxChunk();
        while (true) {
            if (result.isDone() || ended) {
                running.set(false);
                return;
            }
            if (metadata.size() >= 0 && sent == metadata.size()) {
                running.set(false);
                if (sourceAtEnd()) {
                    sendEnd(); // every announced byte is out: no credit needed to end
                }
                return;
            }
            long avail = granted.get() - sent;
            if (avail <= 0) {
                running.set(false);
                // a grant that came after the check above and found the pump still running: take it
                if (granted.get() - sent > 0 && running.compareAndSet(false, true)) {
                    continue;
                }
                return;
            }
            CompletableFuture<Void> writable;
            try {
                writable = engine.wire().whenWritable();
            } catch (RuntimeException e) {
                running.set(false);
                fail(Failures.of(ErrorCode.DISCONNECTED, e.getMessage(), e), false);
                return;
            }
            if (!writable.isDone()) {
                running.set(false);
                writable.whenComplete((v, e) -> {
                    if (e != null) {
                        fail(Failures.of(ErrorCode.DISCONNECTED, "the connection ended: "
                                + e.getMessage(), e), false);
                    } else {
                        schedule();
                    }
                });
                return;
            }
            if (!step((int) Math.min(avail, max))) {
                running.set(false);
                return;
            }
        }
    }

    /** Reads and sends one chunk of at most {@code n} bytes, or the end; false when the pump must stop. */
    private boolean step(int n) {
        byte[] buf = new byte[n];
        int r;
        try {
            r = source.readNBytes(buf, 0, n);
        } catch (IOException | RuntimeException e) {
            if (!result.isDone()) {
                LOG.debug("Stream {} to {}: the source failed: {}", id, peer, e.toString());
            }
            fail(Failures.of(ErrorCode.SEND_FAILED, "reading the source failed: " + e, e), true);
            return false;
        }
        if (result.isDone()) {
            return false;
        }
        long size = metadata.size();
        if (size >= 0 && sent + r > size) {
            fail(Failures.of(ErrorCode.SEND_FAILED, "the source is longer than the announced "
                    + size + " bytes"), true);
            return false;
        }
        try {
            if (r > 0) {
                digest.update(buf, 0, r);
                byte[] body = r == n ? buf : java.util.Arrays.copyOf(buf, r);
                engine.wire().send(peer, new Envelope(Envelope.STREAM_CHUNK, 0, id, "", Envelope.RAW, body), secure);
                sent += r;
                // bytes the receiver has not read yet, as far as its grants say (it grants as it reads)
                engine.sent(sent - Math.max(0, granted.get() - engine.options().window()));
                progress();
            }
            if (r < n) {
                if (size >= 0 && sent != size) {
                    fail(Failures.of(ErrorCode.SEND_FAILED, "the source ended after " + sent
                            + " of the announced " + size + " bytes"), true);
                    return false;
                }
                sendEnd();
                return false;
            }
        } catch (RuntimeException e) {
            fail(Failures.of(ErrorCode.DISCONNECTED, "could not send: " + e.getMessage(), e), false);
            return false;
        }
        return true;
    }

    /** True when the source has nothing after the announced size; fails the stream otherwise. */
    private boolean sourceAtEnd() {
        try {
            if (source.read() == -1) {
                return true;
            }
            fail(Failures.of(ErrorCode.SEND_FAILED, "the source is longer than the announced "
                    + metadata.size() + " bytes"), true);
        } catch (IOException | RuntimeException e) {
            fail(Failures.of(ErrorCode.SEND_FAILED, "reading the source failed: " + e, e), true);
        }
        return false;
    }

    private void sendEnd() {
        if (ended || result.isDone()) {
            return;
        }
        sha256 = digest.digest();
        ended = true;
        try {
            engine.wire().send(peer, new Envelope(Envelope.STREAM_END, 0, id, "", Envelope.RAW, sha256), secure);
        } catch (RuntimeException e) {
            fail(Failures.of(ErrorCode.DISCONNECTED, "could not send: " + e.getMessage(), e), false);
        }
    }

    private void progress() {
        if (listeners.isEmpty()) {
            return;
        }
        StreamProgress p = new StreamProgress(sent, metadata.size());
        for (Consumer<StreamProgress> l : listeners) {
            try {
                l.accept(p);
            } catch (RuntimeException e) {
                LOG.warn("A progress listener of stream {} to {} threw", id, peer, e);
            }
        }
    }

    @Override
    public String toString() {
        return "StreamTransfer[" + id + " to " + peer + ", " + sent + " bytes sent]";
    }
}
