package io.dosp.it.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.RpcException;
import io.dosp.messaging.ErrorCode;
import io.dosp.messaging.StreamMetadata;
import io.dosp.messaging.StreamOptions;
import io.dosp.messaging.StreamResult;
import io.dosp.messaging.StreamStats;
import io.dosp.messaging.StreamTransfer;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams between two real clients through a real server (in-process, port 0): a 100 MiB file to a receiver that
 * reads slowly, with memory measured on both clients and the server and held to documented bounds; the same through
 * a tunnel; cancel from either side; a peer that vanishes mid-stream.
 *
 * <p>Bounds asserted (docs/messaging.md 4.1): the receiver holds at most one window of the stream
 * ({@code maxBufferedBytes <= window}); the sender never has more than a window unconfirmed; the server's memory
 * held for clients stays under {@link #SERVER_BOUND} (a window of stream data in flight, plus its batches); the heap
 * after a GC, sampled as the stream runs, grows by less than {@link #HEAP_BOUND} (the file is 100 MiB: buffering it
 * anywhere would break it).
 */
class StreamsIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final long SIZE = 100L << 20;
    private static final int WINDOW = 512 * 1024;
    /** The server holds at most a window of the stream plus its batches, credits and Netty's buffers. */
    private static final long SERVER_BOUND = WINDOW + (1L << 20);
    /** Growth of the heap after GC while the stream runs. */
    private static final long HEAP_BOUND = 32L << 20;
    /** The slow reader: 100 MiB in about 5 s, far below what the sender could push. */
    private static final long READ_RATE = 20L << 20;

    @TempDir
    Path tmp;

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    private static String sha256(InputStream in) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** A file of {@code size} pseudo-random bytes (a seeded 1 MiB block, each copy shifted, so chunks differ). */
    private Path file(String name, long size) throws IOException {
        Path f = tmp.resolve(name);
        byte[] block = new byte[1 << 20];
        new Random(42).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long left = size, i = 0; left > 0; i++) {
                block[(int) (i % block.length)] ^= (byte) i;
                int n = (int) Math.min(left, block.length);
                out.write(block, 0, n);
                left -= n;
            }
        }
        return f;
    }

    private static MessengerOptions options(boolean secure) {
        return MessengerOptions.builder().secure(secure)
                .streams(StreamOptions.builder().window(WINDOW).build()).build();
    }

    private static long heapAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
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
    void aHundredMebibyteFileToASlowReaderKeepsMemoryBoundedEverywhere() throws Exception {
        Path file = file("big.bin", SIZE);
        String expected = sha256(file);
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server);
             Messenger sender = Messenger.attach(a, options(false));
             Messenger receiver = Messenger.attach(b, options(false))) {
            CompletableFuture<String> received = new CompletableFuture<>();
            receiver.onStream("file", s -> {
                try {
                    received.complete(sha256(new RateLimitedInput(s.input(), READ_RATE)));
                } catch (IOException e) {
                    received.completeExceptionally(e);
                    throw e;
                }
            });
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long baseline = heapAfterGc(memory);
            AtomicLong heapPeak = new AtomicLong();
            AtomicLong serverPeak = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            try {
                sampler.scheduleWithFixedDelay(() -> {
                    heapPeak.accumulateAndGet(heapAfterGc(memory) - baseline, Math::max);
                    serverPeak.accumulateAndGet(server.stats().flow().memoryInUse(), Math::max);
                }, 0, 250, TimeUnit.MILLISECONDS);
                StreamTransfer t = sender.sendFile(b.vip(), "file", file);
                StreamResult r = t.result().get(LONG.toSeconds(), TimeUnit.SECONDS);
                assertThat(r).isEqualTo(new StreamResult(SIZE, expected));
                assertThat(received.get(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(expected);
            } finally {
                sampler.shutdownNow();
                sampler.awaitTermination(30, TimeUnit.SECONDS);
            }
            StreamStats out = sender.streamStats();
            StreamStats in = receiver.streamStats();
            System.out.printf("100 MiB stream: receiver held at most %d bytes, sender had at most %d unconfirmed,"
                    + " server memory peak %d (sampled %d), heap after GC grew by at most %d%n",
                    in.maxBufferedBytes(), out.maxUnconfirmedBytes(), server.stats().flow().memoryPeak(),
                    serverPeak.get(), heapPeak.get());
            assertThat(in.maxBufferedBytes()).isLessThanOrEqualTo(WINDOW);
            assertThat(out.maxUnconfirmedBytes()).isLessThanOrEqualTo(WINDOW);
            assertThat(server.stats().flow().memoryPeak()).isLessThanOrEqualTo(SERVER_BOUND);
            assertThat(heapPeak.get()).isLessThan(HEAP_BOUND);
            // nothing lost: one stream each way, no drop anywhere
            await().atMost(LONG).until(() -> receiver.streamStats().received() == 1);
            assertThat(out.sent()).isEqualTo(1);
            assertThat(out.sendFailed()).isZero();
            assertThat(in.droppedEnvelopes()).isZero();
            assertThat(server.stats().drops().values()).allMatch(n -> n == 0);
            assertThat(receiver.stats().inboxOverflows()).isZero();
        }
    }

    @Test
    void aFileThroughATunnelArrivesIntactAndIsSavedUnderASafeName() throws Exception {
        Path file = file("tunnel.bin", 8L << 20);
        Path into = tmp.resolve("received");
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server);
             Messenger sender = Messenger.attach(a, options(true));
             Messenger receiver = Messenger.attach(b, options(true))) {
            CompletableFuture<Path> saved = new CompletableFuture<>();
            receiver.onStream("file", new io.dosp.messaging.SaveToDirectory(into, 1L << 30,
                    (s, p) -> saved.complete(p)));
            StreamResult r = sender.sendFile(b.vip(), "file", file).result().get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(a.hasTunnel(b.vip())).isTrue();
            assertThat(r.sha256()).isEqualTo(sha256(file));
            Path p = saved.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(p).isEqualTo(into.resolve("tunnel.bin"));
            assertThat(sha256(p)).isEqualTo(r.sha256());
            // a second file of the same name does not overwrite the first
            sender.sendStream(b.vip(), "file", StreamMetadata.of("../../tunnel.bin", 3),
                    new java.io.ByteArrayInputStream(new byte[]{1, 2, 3})).result().get(LONG.toSeconds(),
                    TimeUnit.SECONDS);
            assertThat(Files.size(into.resolve("tunnel-1.bin"))).isEqualTo(3);
            assertThat(Files.size(into.resolve("tunnel.bin"))).isEqualTo(8L << 20);
        }
    }

    @Test
    void eitherSideCancels() throws Exception {
        Path file = file("c.bin", 16L << 20);
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server);
             Messenger sender = Messenger.attach(a, options(false));
             Messenger receiver = Messenger.attach(b, options(false))) {
            CountDownLatch reading = new CountDownLatch(1);
            CompletableFuture<Throwable> seen = new CompletableFuture<>();
            receiver.onStream("slow", s -> {
                try {
                    s.input().readNBytes(1000);
                    reading.countDown();
                    sha256(new RateLimitedInput(s.input(), 1L << 20));
                    seen.complete(null);
                } catch (IOException e) {
                    seen.complete(e.getCause());
                    throw e;
                }
            });
            receiver.onStream("quitter", s -> {
                s.input().readNBytes(100_000);
                s.cancel("no room on this disk");
            });
            // the sender cancels: the receiver's read fails with CANCELLED
            StreamTransfer t = sender.sendFile(b.vip(), "slow", file);
            assertThat(reading.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(t.cancel("changed my mind")).isTrue();
            assertThat(failure(t.result()).code()).isEqualTo(ErrorCode.CANCELLED);
            Throwable cause = seen.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(cause).isInstanceOf(RpcException.class);
            assertThat(((RpcException) cause).code()).isEqualTo(ErrorCode.CANCELLED);
            assertThat(cause.getMessage()).contains("changed my mind");
            // the receiver cancels: the sender's future fails with its reason, and it stops sending
            StreamTransfer q = sender.sendFile(b.vip(), "quitter", file);
            RpcException e = failure(q.result());
            assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
            assertThat(e.getMessage()).contains("no room on this disk");
            assertThat(q.bytesSent()).isLessThan(16L << 20);
            await().atMost(LONG).until(() -> sender.streamStats().sending() == 0
                    && receiver.streamStats().receiving() == 0);
        }
    }

    @Test
    void aPeerThatVanishesMidStreamFailsItsStreamsAtOnceOnTheOtherSide() throws Exception {
        Path file = file("v.bin", 16L << 20);
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             Messenger sender = Messenger.attach(a, options(false))) {
            // the receiver vanishes: the sender's stream fails with PEER_GONE, long before any timeout
            DospClient b = TestServers.client(server);
            Messenger receiver = Messenger.attach(b, options(false));
            CountDownLatch reading = new CountDownLatch(1);
            receiver.onStream("slow", s -> {
                s.input().readNBytes(1000);
                reading.countDown();
                sha256(new RateLimitedInput(s.input(), 1L << 20));
            });
            StreamTransfer t = sender.sendFile(b.vip(), "slow", file);
            assertThat(reading.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            b.close();
            assertThat(failure(t.result()).code()).isIn(ErrorCode.PEER_GONE);
            receiver.close();

            // the sender vanishes: the receiver's read fails with PEER_GONE
            try (DospClient c = TestServers.client(server);
                 Messenger third = Messenger.attach(c, options(false))) {
                CompletableFuture<Throwable> seen = new CompletableFuture<>();
                CountDownLatch started = new CountDownLatch(1);
                third.onStream("slow", s -> {
                    try {
                        s.input().readNBytes(1000);
                        started.countDown();
                        sha256(new RateLimitedInput(s.input(), 1L << 20));
                        seen.complete(null);
                    } catch (IOException e) {
                        seen.complete(e.getCause());
                        throw e;
                    }
                });
                DospClient d = TestServers.client(server);
                Messenger leaving = Messenger.attach(d, options(false));
                leaving.sendFile(c.vip(), "slow", file);
                assertThat(started.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
                d.close();
                Throwable cause = seen.get(LONG.toSeconds(), TimeUnit.SECONDS);
                assertThat(cause).isInstanceOf(RpcException.class);
                assertThat(((RpcException) cause).code()).isEqualTo(ErrorCode.PEER_GONE);
                leaving.close();
                await().atMost(LONG).until(() -> third.streamStats().receiving() == 0);
            }
        }
    }
}
