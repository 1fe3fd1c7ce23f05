package io.dosp.messaging.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dosp.messaging.IncomingStream;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.StreamMetadata;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream being received. Chunks arrive on the caller of {@link StreamEngine#handle} and wait here (never more
 * than the window: more than granted is refused with {@code TOO_LARGE}); the handler's thread reads them through
 * {@link #input()}, which hashes them and grants more credit as it goes, in steps of a quarter window.
 */
final class IncomingStreamImpl implements IncomingStream {
    private final StreamEngine engine;
    private final Vip from;
    private final long id;
    private final String handler;
    private final StreamMetadata metadata;
    private final int window;
    private final boolean secure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final MessageDigest digest = OutgoingStream.sha256();
    private final Reader reader = new Reader();
    // guarded by lock
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int headOffset;
    private long buffered;
    private long granted;
    private long received;
    private long consumed;
    private byte[] endDigest;
    private RpcException failure;
    private String sha256Hex;
    private boolean answered;

    IncomingStreamImpl(StreamEngine engine, Vip from, long id, String handler, StreamMetadata metadata,
            boolean secure) {
        this.secure = secure;
        this.engine = engine;
        this.from = from;
        this.id = id;
        this.handler = handler;
        this.metadata = metadata;
        this.window = engine.options().window();
    }

    @Override
    public Vip from() {
        return from;
    }

    @Override
    public String handler() {
        return handler;
    }

    @Override
    public StreamMetadata metadata() {
        return metadata;
    }

    @Override
    public InputStream input() {
        return reader;
    }

    @Override
    public long bytesRead() {
        lock.lock();
        try {
            return consumed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cancel(String reason) {
        String why = reason == null ? "" : reason;
        if (fail(Failures.of(ErrorCode.CANCELLED, "cancelled here: " + why))) {
            engine.sendQuietly(from, new Envelope(Envelope.CANCEL, Envelope.FLAG_REPLY, id, "", Envelope.TEXT,
                    why.getBytes(StandardCharsets.UTF_8)), secure);
        }
    }

    /** Accepts the stream: the first grant of a whole window. */
    void start() {
        lock.lock();
        try {
            granted = window;
        } finally {
            lock.unlock();
        }
        engine.wire().send(from, credit(window), secure);
    }

    private Envelope credit(long bytes) {
        byte[] b = {(byte) (bytes >>> 24), (byte) (bytes >>> 16), (byte) (bytes >>> 8), (byte) bytes};
        return new Envelope(Envelope.CREDIT, Envelope.FLAG_REPLY, id, "", Envelope.RAW, b);
    }

    // ---- from the sender (the caller of handle: never blocks) ----

    void onChunk(byte[] body) {
        String over = null;
        lock.lock();
        try {
            if (failure != null || endDigest != null) {
                return;
            }
            received += body.length;
            if (received > granted) {
                over = "the sender sent " + received + " bytes against a grant of " + granted;
            } else if (metadata.size() >= 0 && received > metadata.size()) {
                over = "the sender sent more than the announced " + metadata.size() + " bytes";
            } else if (received > engine.options().maxStreamBytes()) {
                over = "over this receiver's bound of " + engine.options().maxStreamBytes() + " bytes";
            } else if (body.length > 0) {
                chunks.add(body); // the envelope's own immutable body: not copied again
                buffered += body.length;
                engine.buffered(buffered);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (over != null) {
            failAndAnswer(ErrorCode.TOO_LARGE, over);
        }
    }

    void onEnd(byte[] body) {
        boolean bad = body.length != 32;
        lock.lock();
        try {
            if (failure != null || endDigest != null) {
                return;
            }
            if (!bad) {
                endDigest = body.clone();
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (bad) {
            failAndAnswer(ErrorCode.INTEGRITY, "STREAM_END carries " + body.length + " bytes, not a SHA-256");
        }
    }

    /** Fails the reader and tells the sender with ERROR {@code code}. */
    void failAndAnswer(ErrorCode code, String message) {
        if (fail(Failures.of(code, message))) {
            answer(WireError.of(code, message).envelope(id));
        }
    }

    /** Fails the stream for the reader (true when this call did); the chunks held are let go. */
    boolean fail(RpcException e) {
        lock.lock();
        try {
            if (failure != null || answered) {
                return false;
            }
            failure = e;
            chunks.clear();
            buffered = 0;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void answer(Envelope e) {
        lock.lock();
        try {
            answered = true;
        } finally {
            lock.unlock();
        }
        engine.sendQuietly(from, e, secure);
    }

    // ---- the handler's end ----

    /** The handler returned: confirm the stream if it was read to its checked end, else cancel it. */
    void finish() {
        boolean verified;
        lock.lock();
        try {
            if (failure != null) {
                return;
            }
            if (sha256Hex == null && chunks.isEmpty() && endDigest != null) {
                verifyLocked(); // read every byte without the final read of -1
            }
            if (failure != null) {
                verified = false;
            } else {
                verified = sha256Hex != null;
            }
        } finally {
            lock.unlock();
        }
        if (verified) {
            ObjectNode r = Json.object();
            r.put("bytes", consumed);
            r.put("sha256", sha256Hex);
            answer(new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, id, "", Envelope.JSON, Json.write(r)));
        } else if (failureCode() == null) {
            cancel("the handler returned before the end of the stream");
        } else if (failureCode() == ErrorCode.INTEGRITY) {
            answer(WireError.of(ErrorCode.INTEGRITY, failureMessage()).envelope(id));
        }
    }

    void handlerFailed(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (failureCode() != null && failureCode() != ErrorCode.INTEGRITY) {
            return; // cancelled, gone, refused: the sender knows already
        }
        if (failureCode() == ErrorCode.INTEGRITY) {
            answer(WireError.of(ErrorCode.INTEGRITY, failureMessage()).envelope(id));
            return;
        }
        // a handler's own RpcException with a code of the wire goes as it is (TOO_LARGE from a bounded saver)
        WireError w = WireError.ofFailure(t);
        fail(Failures.of(ErrorCode.ofWire(w.code()), w.message()));
        answer(w.envelope(id));
    }

    boolean succeeded() {
        lock.lock();
        try {
            return failure == null && sha256Hex != null;
        } finally {
            lock.unlock();
        }
    }

    private ErrorCode failureCode() {
        lock.lock();
        try {
            return failure == null ? null : failure.code();
        } finally {
            lock.unlock();
        }
    }

    private String failureMessage() {
        lock.lock();
        try {
            return failure == null ? "" : failure.getMessage();
        } finally {
            lock.unlock();
        }
    }

    /** Every chunk read and the end here: compare the digests (lock held). */
    private void verifyLocked() {
        byte[] ours = digest.digest();
        if (MessageDigest.isEqual(ours, endDigest)) {
            sha256Hex = HexFormat.of().formatHex(ours);
        } else {
            failure = Failures.of(ErrorCode.INTEGRITY, "the SHA-256 of the " + consumed
                    + " bytes received does not match the sender's");
            changed.signalAll();
        }
    }

    /** The application's side: blocks for data, hashes it, grants credit as it is read. */
    private final class Reader extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            long grant = 0;
            int n;
            lock.lock();
            try {
                while (chunks.isEmpty() && endDigest == null && failure == null) {
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for stream data");
                    }
                }
                if (failure != null) {
                    throw new IOException(failure.getMessage(), failure);
                }
                if (chunks.isEmpty()) {
                    if (sha256Hex == null) {
                        verifyLocked();
                        if (failure != null) {
                            throw new IOException(failure.getMessage(), failure);
                        }
                    }
                    return -1;
                }
                byte[] head = chunks.peek();
                n = Math.min(len, head.length - headOffset);
                System.arraycopy(head, headOffset, b, off, n);
                digest.update(head, headOffset, n);
                headOffset += n;
                if (headOffset == head.length) {
                    chunks.poll();
                    headOffset = 0;
                }
                buffered -= n;
                consumed += n;
                long room = consumed + window - granted;
                if (endDigest == null && room >= window / 4) {
                    grant = room;
                    granted += room;
                }
            } finally {
                lock.unlock();
            }
            if (grant > 0) {
                engine.sendQuietly(from, credit(grant), secure);
            }
            return n;
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return (int) Math.min(Integer.MAX_VALUE, buffered);
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "IncomingStream[" + id + " from " + from + " to " + handler + "]";
    }
}
