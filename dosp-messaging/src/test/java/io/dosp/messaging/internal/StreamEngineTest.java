package io.dosp.messaging.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.crypto.TunnelCipher;
import io.dosp.messaging.IncomingStream;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.StreamMetadata;
import io.dosp.messaging.StreamOptions;
import io.dosp.messaging.StreamProgress;
import io.dosp.messaging.StreamResult;
import io.dosp.messaging.StreamTransfer;
import io.dosp.protocol.Envelope;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamEngineTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final int WINDOW = 64 * 1024;
    private static final StreamOptions OPTIONS = StreamOptions.builder().window(WINDOW).chunkSize(8 * 1024).build();
    private StreamPipe pipe;

    @AfterEach
    void close() throws InterruptedException {
        if (pipe != null) {
            pipe.close();
            assertThat(pipe.a.violations).isEmpty();
            assertThat(pipe.b.violations).isEmpty();
        }
    }

    private StreamPipe pipe(int maxDataBytes, StreamOptions a, StreamOptions b) {
        pipe = new StreamPipe(maxDataBytes, a, b);
        return pipe;
    }

    /** {@code size} bytes of a seeded generator, produced as read (nothing held). */
    static InputStream pattern(long size, long seed) {
        Random r = new Random(seed);
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                byte[] tmp = new byte[n];
                r.nextBytes(tmp);
                System.arraycopy(tmp, 0, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RpcException failure(CompletableFuture<?> f) {
        await().atMost(LONG).until(f::isDone);
        try {
            f.get();
            throw new AssertionError("completed: " + f);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RpcException.class);
            return (RpcException) e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStreamArrivesWholeWithItsDigestAndReportsProgressOffTheIoThreads() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        long size = 3 * 1024 * 1024 + 17;
        AtomicReference<String> got = new AtomicReference<>();
        AtomicReference<StreamMetadata> meta = new AtomicReference<>();
        pipe.b.engine.register("file", s -> {
            meta.set(s.metadata());
            got.set(sha256(s.input()));
        });
        List<StreamProgress> progress = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "file", new StreamMetadata("a.bin", size, "x/y"),
                pattern(size, 1), false).onProgress(p -> {
                    progress.add(p);
                    threads.add(Thread.currentThread().getName());
                });
        StreamResult r = t.result().get(30, TimeUnit.SECONDS);
        String expected = sha256(pattern(size, 1));
        assertThat(r).isEqualTo(new StreamResult(size, expected));
        assertThat(got.get()).isEqualTo(expected);
        assertThat(meta.get()).isEqualTo(new StreamMetadata("a.bin", size, "x/y"));
        assertThat(progress.get(progress.size() - 1)).isEqualTo(new StreamProgress(size, size));
        assertThat(progress).extracting(StreamProgress::bytes).isSorted();
        assertThat(threads).allMatch(n -> n.startsWith("dosp-stream-send"));
        assertThat(pipe.a.engine.stats().maxUnconfirmedBytes()).isLessThanOrEqualTo(WINDOW);
        assertThat(pipe.b.engine.stats().maxBufferedBytes()).isLessThanOrEqualTo(WINDOW);
        await().atMost(LONG).until(() -> pipe.b.engine.stats().received() == 1);
        assertThat(pipe.a.engine.stats().sent()).isEqualTo(1);
        assertThat(pipe.a.engine.stats().sending()).isZero();
    }

    @Test
    void aStreamOfUnknownSizeAndAnEmptyStreamBothComplete() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        pipe.b.engine.register("sink", s -> s.input().transferTo(java.io.OutputStream.nullOutputStream()));
        long size = 200_000;
        StreamResult r = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("x", -1), pattern(size, 2), false)
                .result().get(30, TimeUnit.SECONDS);
        assertThat(r.bytes()).isEqualTo(size);
        assertThat(r.sha256()).isEqualTo(sha256(pattern(size, 2)));
        StreamResult empty = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("e", 0),
                new ByteArrayInputStream(new byte[0]), false).result().get(30, TimeUnit.SECONDS);
        assertThat(empty).isEqualTo(new StreamResult(0, sha256(new ByteArrayInputStream(new byte[0]))));
    }

    @Test
    void aReceiverThatStopsReadingStopsTheSenderAtTheGrant() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        CountDownLatch go = new CountDownLatch(1);
        pipe.b.engine.register("slow", s -> {
            go.await();
            s.input().transferTo(java.io.OutputStream.nullOutputStream());
        });
        long size = 1024 * 1024;
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "slow", StreamMetadata.of("s", size), pattern(size, 3), false);
        // the whole first grant goes out, and then the sender waits: the pipe checks no chunk byte exceeds it
        await().atMost(LONG).until(() -> t.bytesSent() == WINDOW);
        await().atMost(LONG).until(() -> pipe.b.engine.stats().maxBufferedBytes() == WINDOW);
        assertThat(pipe.b.count(Envelope.CREDIT)).isEqualTo(1);
        assertThat(t.result()).isNotDone();
        assertThat(t.bytesSent()).isEqualTo(WINDOW);
        go.countDown();
        assertThat(t.result().get(30, TimeUnit.SECONDS).bytes()).isEqualTo(size);
        assertThat(pipe.b.engine.stats().maxBufferedBytes()).isEqualTo(WINDOW);
        // credit came in steps of at least a quarter window
        assertThat(pipe.b.count(Envelope.CREDIT)).isLessThanOrEqualTo(1 + size / (WINDOW / 4));
    }

    @Test
    void aSenderWaitsWhileItsConnectionIsNotWritable() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        pipe.b.engine.register("sink", s -> s.input().transferTo(java.io.OutputStream.nullOutputStream()));
        pipe.a.writable(false);
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", 100_000),
                pattern(100_000, 4), false);
        await().atMost(LONG).until(() -> pipe.a.count(Envelope.STREAM_OPEN) == 1 && pipe.b.count(Envelope.CREDIT) == 1);
        // the credit is there, the connection is not writable: the pump parked on the writability future
        await().atMost(LONG).until(() -> pipe.a.whenWritable().getNumberOfDependents() > 0);
        assertThat(pipe.a.count(Envelope.STREAM_CHUNK)).isZero();
        pipe.a.writable(true);
        assertThat(t.result().get(30, TimeUnit.SECONDS).bytes()).isEqualTo(100_000);
    }

    @Test
    void chunksFitOneS2cAtTheMaximumFrameSizeInsideATunnelFrame() throws Exception {
        int budget = 4096;
        pipe(budget, StreamOptions.builder().chunkSize(16 * 1024).build(), OPTIONS);
        assertThat(pipe.a.engine.maxChunk())
                .isEqualTo(budget - TunnelCipher.OVERHEAD - Envelope.HEADER_BYTES - 1);
        pipe.b.engine.register("sink", s -> s.input().transferTo(java.io.OutputStream.nullOutputStream()));
        pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", 50_000), pattern(50_000, 5), false)
                .result().get(30, TimeUnit.SECONDS);
        synchronized (pipe.a.sentLog) {
            assertThat(pipe.a.sentLog).filteredOn(e -> e.kind() == Envelope.STREAM_CHUNK)
                    .allMatch(e -> e.encode().length + TunnelCipher.OVERHEAD <= budget);
        }
    }

    @Test
    void anUnknownHandlerIsRefusedWithNoSuchMethod() {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "nope", StreamMetadata.of("s", 10), pattern(10, 6), false);
        assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.NO_SUCH_METHOD);
        assertThat(pipe.a.count(Envelope.STREAM_CHUNK)).isZero();
    }

    @Test
    void aStreamOverTheReceiversBoundIsRefusedAtTheOpen() {
        pipe(64 * 1024, OPTIONS, StreamOptions.builder().maxStreamBytes(1000).build());
        pipe.b.engine.register("sink", s -> s.input().transferTo(java.io.OutputStream.nullOutputStream()));
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", 1001), pattern(1001, 6), false);
        assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.TOO_LARGE);
    }

    @Test
    void theSenderCancels() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        CountDownLatch reading = new CountDownLatch(1);
        pipe.b.engine.register("sink", s -> {
            try {
                s.input().read(new byte[100]);
                reading.countDown();
                s.input().transferTo(java.io.OutputStream.nullOutputStream());
                seen.complete(null);
            } catch (IOException e) {
                seen.complete(e.getCause());
                throw e;
            }
        });
        // a source that never ends: only the cancel stops it
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", -1),
                pattern(Long.MAX_VALUE, 7), false);
        assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(t.cancel("user pressed stop")).isTrue();
        assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.CANCELLED);
        Throwable cause = seen.get(30, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(RpcException.class);
        assertThat(((RpcException) cause).code()).isEqualTo(ErrorCode.CANCELLED);
        assertThat(cause.getMessage()).contains("user pressed stop");
        await().atMost(LONG).until(() -> pipe.b.engine.stats().receiving() == 0);
        assertThat(pipe.b.count(Envelope.ERROR) + pipe.b.count(Envelope.RESPONSE)).isZero();
        assertThat(t.cancel("again")).isFalse();
    }

    @Test
    void theReceiverCancels() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        pipe.b.engine.register("sink", s -> {
            s.input().readNBytes(10_000);
            s.cancel("disk full");
        });
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", -1),
                pattern(Long.MAX_VALUE, 8), false);
        RpcException e = failure(t.result());
        assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
        assertThat(e.getMessage()).contains("disk full");
        // after the cancel the sender stops: what it sent is bounded by what it was granted
        long sent = t.bytesSent();
        assertThat(sent).isLessThanOrEqualTo(10_000 + WINDOW + WINDOW);
        await().atMost(LONG).until(() -> pipe.a.engine.stats().sending() == 0);
    }

    @Test
    void aHandlerThatReturnsEarlyCancelsAndOneThatThrowsFailsTheSender() {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        pipe.b.engine.register("early", s -> s.input().readNBytes(10));
        pipe.b.engine.register("throws", s -> {
            s.input().readNBytes(10);
            throw new IllegalStateException("bad header");
        });
        RpcException early = failure(pipe.a.engine.send(StreamPipe.B, "early", StreamMetadata.of("s", 500_000),
                pattern(500_000, 9), false).result());
        assertThat(early.code()).isEqualTo(ErrorCode.CANCELLED);
        RpcException threw = failure(pipe.a.engine.send(StreamPipe.B, "throws", StreamMetadata.of("s", 500_000),
                pattern(500_000, 9), false).result());
        assertThat(threw.code()).isEqualTo(ErrorCode.HANDLER_FAILED);
        assertThat(threw.getMessage()).contains("bad header").doesNotContain("at io.dosp");
    }

    @Test
    void chunkBytesOverTheGrantAreRefusedWithTooLarge() throws Exception {
        pipe(2 * 1024 * 1024, OPTIONS, OPTIONS);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        pipe.b.engine.register("sink", s -> {
            try {
                s.input().transferTo(java.io.OutputStream.nullOutputStream());
                seen.complete(null);
            } catch (IOException e) {
                seen.complete(e.getCause());
            }
        });
        List<Envelope> answers = new CopyOnWriteArrayList<>();
        pipe.a.intercept = (from, e) -> answers.add(e);
        pipe.a.sendRaw(new Envelope(Envelope.STREAM_OPEN, 0, 77, "sink", Envelope.JSON,
                "{\"name\":\"x\",\"size\":-1}".getBytes()));
        await().atMost(LONG).until(() -> answers.size() == 1);
        assertThat(answers.get(0).kind()).isEqualTo(Envelope.CREDIT);
        pipe.a.sendRaw(new Envelope(Envelope.STREAM_CHUNK, 0, 77, "", Envelope.RAW, new byte[WINDOW + 1]));
        await().atMost(LONG).until(() -> answers.size() >= 2);
        Envelope err = answers.get(answers.size() - 1);
        assertThat(err.kind()).isEqualTo(Envelope.ERROR);
        assertThat(err.isReply()).isTrue();
        assertThat(err.id()).isEqualTo(77);
        assertThat(new String(err.bodyBytes())).contains("\"code\":\"TOO_LARGE\"");
        assertThat(((RpcException) seen.get(30, TimeUnit.SECONDS)).code()).isEqualTo(ErrorCode.TOO_LARGE);
        // a late chunk of the refused stream is dropped and counted, and answered with nothing
        pipe.a.sendRaw(new Envelope(Envelope.STREAM_CHUNK, 0, 77, "", Envelope.RAW, new byte[10]));
        await().atMost(LONG).until(() -> pipe.b.engine.stats().droppedEnvelopes() == 1);
    }

    @Test
    void aWrongDigestFailsWithIntegrityOnBothSides() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        pipe.b.engine.register("sink", s -> {
            try {
                s.input().transferTo(java.io.OutputStream.nullOutputStream());
                seen.complete(null);
            } catch (IOException e) {
                seen.complete(e.getCause());
                throw e;
            }
        });
        List<Envelope> answers = new CopyOnWriteArrayList<>();
        pipe.a.intercept = (from, e) -> answers.add(e);
        pipe.a.sendRaw(new Envelope(Envelope.STREAM_OPEN, 0, 5, "sink", Envelope.JSON, "{\"size\":3}".getBytes()));
        pipe.a.sendRaw(new Envelope(Envelope.STREAM_CHUNK, 0, 5, "", Envelope.RAW, new byte[]{1, 2, 3}));
        pipe.a.sendRaw(new Envelope(Envelope.STREAM_END, 0, 5, "", Envelope.RAW, new byte[32]));
        assertThat(((RpcException) seen.get(30, TimeUnit.SECONDS)).code()).isEqualTo(ErrorCode.INTEGRITY);
        await().atMost(LONG).until(() -> answers.stream().anyMatch(e -> e.kind() == Envelope.ERROR));
        Envelope err = answers.stream().filter(e -> e.kind() == Envelope.ERROR).findFirst().orElseThrow();
        assertThat(new String(err.bodyBytes())).contains("\"code\":\"INTEGRITY\"");
        assertThat(answers).noneMatch(e -> e.kind() == Envelope.RESPONSE);
    }

    @Test
    void aPeerGoneFailsEveryStreamWithItAtOnce() throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        CountDownLatch reading = new CountDownLatch(1);
        pipe.b.engine.register("sink", s -> {
            try {
                s.input().read();
                reading.countDown();
                s.input().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                seen.complete(e.getCause());
                throw e;
            }
        });
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", -1),
                pattern(Long.MAX_VALUE, 10), false);
        assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
        pipe.a.engine.peerGone(StreamPipe.B, "ERR S2CF");
        assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.PEER_GONE);
        pipe.b.engine.peerGone(StreamPipe.A, "PEER_GONE notice");
        assertThat(((RpcException) seen.get(30, TimeUnit.SECONDS)).code()).isEqualTo(ErrorCode.PEER_GONE);
        await().atMost(LONG).until(() -> pipe.a.engine.stats().sending() == 0 && pipe.b.engine.stats().receiving() == 0);
    }

    @Test
    void aDisconnectFailsEveryStream() {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        pipe.b.engine.register("sink", s -> s.input().transferTo(java.io.OutputStream.nullOutputStream()));
        pipe.a.writable(false); // keep it from finishing
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", -1), pattern(1000, 11), false);
        pipe.a.engine.disconnected("connection reset");
        assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.DISCONNECTED);
    }

    @Test
    void anOpenThatIsNeverAnsweredTimesOut() {
        pipe(64 * 1024, StreamOptions.builder().openTimeout(Duration.ofMillis(200)).build(), OPTIONS);
        pipe.b.intercept = (from, e) -> { }; // a peer that does not speak the messaging layer
        StreamTransfer t = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("s", 10), pattern(10, 12), false);
        assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.TIMEOUT);
        await().atMost(LONG).until(() -> pipe.a.count(Envelope.CANCEL) == 1);
    }

    @Test
    void concurrentStreamsPerPeerAreBoundedOnBothSides() throws Exception {
        StreamOptions two = StreamOptions.builder().window(WINDOW).maxStreamsPerPeer(2).build();
        pipe(64 * 1024, StreamOptions.builder().window(WINDOW).maxStreamsPerPeer(3).build(), two);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(2);
        pipe.b.engine.register("sink", s -> {
            started.countDown();
            go.await();
            s.input().transferTo(java.io.OutputStream.nullOutputStream());
        });
        StreamTransfer s1 = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("1", 1000), pattern(1000, 1), false);
        StreamTransfer s2 = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("2", 1000), pattern(1000, 2), false);
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        StreamTransfer s3 = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("3", 1000), pattern(1000, 3), false);
        assertThat(failure(s3.result()).code()).isEqualTo(ErrorCode.TOO_MANY_CALLS); // the receiver's bound
        StreamTransfer s4 = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("4", 1000), pattern(1000, 4), false);
        await().atMost(LONG).until(s4.result()::isDone); // refused by the receiver too (2 running)
        StreamTransfer s5 = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("5", 1000), pattern(1000, 5), false);
        StreamTransfer s6 = pipe.a.engine.send(StreamPipe.B, "sink", StreamMetadata.of("6", 1000), pattern(1000, 6), false);
        // s1, s2 and s5 or s6 are counted at the sender: its own bound of 3 refuses the other at once
        assertThat(List.of(s5, s6)).anyMatch(s -> s.result().isCompletedExceptionally());
        go.countDown();
        assertThat(s1.result().get(30, TimeUnit.SECONDS).bytes()).isEqualTo(1000);
        assertThat(s2.result().get(30, TimeUnit.SECONDS).bytes()).isEqualTo(1000);
        await().atMost(LONG).until(() -> s5.result().isDone() && s6.result().isDone());
    }

    @Test
    void savedFilesNeverOverwriteNeverEscapeAndFailedOnesLeaveNothing(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        pipe(64 * 1024, OPTIONS, OPTIONS);
        java.nio.file.Path into = dir.resolve("in");
        List<java.nio.file.Path> saved = new CopyOnWriteArrayList<>();
        pipe.b.engine.register("files", new io.dosp.messaging.SaveToDirectory(into, 300_000, (s, p) -> saved.add(p)));
        for (int i = 0; i < 2; i++) {
            pipe.a.engine.send(StreamPipe.B, "files", StreamMetadata.of("../../a.bin", 200_000), pattern(200_000, 20), false)
                    .result().get(30, TimeUnit.SECONDS);
        }
        assertThat(saved).containsExactly(into.resolve("a.bin"), into.resolve("a-1.bin"));
        for (java.nio.file.Path p : saved) {
            try (InputStream in = java.nio.file.Files.newInputStream(p)) {
                assertThat(sha256(in)).isEqualTo(sha256(pattern(200_000, 20)));
            }
        }
        // over the bound, announced or not: refused, and nothing is left behind
        assertThat(failure(pipe.a.engine.send(StreamPipe.B, "files", StreamMetadata.of("big", 300_001),
                pattern(300_001, 21), false).result()).code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(failure(pipe.a.engine.send(StreamPipe.B, "files", StreamMetadata.of("big", -1),
                pattern(300_001, 21), false).result()).code()).isEqualTo(ErrorCode.TOO_LARGE);
        StreamTransfer cancelled = pipe.a.engine.send(StreamPipe.B, "files", StreamMetadata.of("c", -1),
                pattern(Long.MAX_VALUE, 22), false);
        await().atMost(LONG).until(() -> cancelled.bytesSent() > WINDOW);
        cancelled.cancel("stop");
        await().atMost(LONG).until(() -> pipe.b.engine.stats().receiving() == 0);
        try (var files = java.nio.file.Files.list(into)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("a-1.bin", "a.bin");
        }
        assertThat(dir.toFile().list()).containsExactly("in");
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> StreamOptions.builder().window(10).build())
                .hasMessageContaining("streams.window");
        assertThatThrownBy(() -> StreamOptions.builder().maxStreamsPerPeer(0).build())
                .hasMessageContaining("streams.maxStreamsPerPeer");
    }
}
