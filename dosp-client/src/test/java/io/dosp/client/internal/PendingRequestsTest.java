package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Replies matched to requests without correlation ids: one FIFO per reply type, in wire order. */
class PendingRequestsTest {
    private final PendingRequests pending = new PendingRequests();
    private final List<String> wire = new ArrayList<>();

    private CompletableFuture<SimplePacket> request(PacketType type, String label) {
        return pending.register(type, () -> wire.add(label));
    }

    private static SimplePacket reply(String text) {
        return Packets.sa(text);
    }

    @Test
    void theOldestRequestOfATypeGetsTheNextReplyOfThatType() throws Exception {
        CompletableFuture<SimplePacket> fn1 = request(PacketType.SA, "fn1");
        CompletableFuture<SimplePacket> gcl = request(PacketType.GCL, "gcl");
        CompletableFuture<SimplePacket> fn2 = request(PacketType.SA, "fn2");
        assertThat(wire).as("each request is sent when registered").containsExactly("fn1", "gcl", "fn2");

        assertThat(pending.complete(PacketType.SA, reply("first"))).isTrue();
        assertThat(fn1.get().bodyText()).isEqualTo("first");
        assertThat(fn2).isNotDone();
        assertThat(gcl).isNotDone();

        SimplePacket list = Packets.gclRequest();
        assertThat(pending.complete(PacketType.GCL, list)).isTrue();
        assertThat(gcl.get()).isSameAs(list);
        assertThat(pending.complete(PacketType.SA, reply("second"))).isTrue();
        assertThat(fn2.get().bodyText()).isEqualTo("second");
    }

    @Test
    void aReplyNobodyWaitsForIsNotTaken() {
        assertThat(pending.complete(PacketType.SA, reply("unasked"))).isFalse();
        assertThat(pending.fail(PacketType.SA, new IllegalStateException())).isFalse();
        request(PacketType.SA, "one");
        assertThat(pending.complete(PacketType.SA, reply("a"))).isTrue();
        assertThat(pending.complete(PacketType.SA, reply("b"))).as("the queue is empty again").isFalse();
    }

    @Test
    void waitingTellsWhetherATypeHasARequest() {
        assertThat(pending.waiting(PacketType.FN)).isFalse();
        request(PacketType.FN, "fn");
        assertThat(pending.waiting(PacketType.FN)).isTrue();
        assertThat(pending.waiting(PacketType.GSI)).isFalse();
        pending.complete(PacketType.FN, reply("done"));
        assertThat(pending.waiting(PacketType.FN)).isFalse();
    }

    @Test
    void failCompletesTheOldestExceptionally() {
        CompletableFuture<SimplePacket> first = request(PacketType.FN, "a");
        CompletableFuture<SimplePacket> second = request(PacketType.FN, "b");
        IllegalStateException error = new IllegalStateException("ERR FNF");
        assertThat(pending.fail(PacketType.FN, error)).isTrue();
        assertThatThrownBy(first::get).isInstanceOf(ExecutionException.class).hasCause(error);
        assertThat(second).isNotDone();
    }

    @Test
    void aTimedOutRequestStaysInLineAndConsumesItsLateAnswer() throws Exception {
        CompletableFuture<SimplePacket> slow = request(PacketType.SA, "slow");
        CompletableFuture<SimplePacket> next = request(PacketType.SA, "next");
        slow.completeExceptionally(new TimeoutException("gave up"));

        assertThat(pending.complete(PacketType.SA, reply("late answer to slow"))).isTrue();
        assertThat(next).as("the late answer is not handed to the next request").isNotDone();
        assertThat(slow).isCompletedExceptionally();
        pending.complete(PacketType.SA, reply("answer to next"));
        assertThat(next.get().bodyText()).isEqualTo("answer to next");
    }

    @Test
    void aForgottenRequestLeavesTheLine() throws Exception {
        CompletableFuture<SimplePacket> silent = request(PacketType.FN, "never answered");
        CompletableFuture<SimplePacket> next = request(PacketType.FN, "next");
        pending.forget(PacketType.FN, silent);
        pending.forget(PacketType.GSI, silent); // a type never used: nothing happens
        pending.complete(PacketType.FN, reply("for next"));
        assertThat(next.get().bodyText()).isEqualTo("for next");
        assertThat(silent).isNotDone();
    }

    @Test
    void aFailedSendIsNotLeftWaiting() {
        IllegalStateException gone = new IllegalStateException("disconnected");
        assertThatThrownBy(() -> pending.register(PacketType.SA, () -> {
            throw gone;
        })).isSameAs(gone);
        assertThat(pending.waiting(PacketType.SA)).isFalse();
        CompletableFuture<SimplePacket> after = request(PacketType.SA, "after");
        pending.complete(PacketType.SA, reply("x"));
        assertThat(after).isCompletedWithValueMatching(p -> p.bodyText().equals("x"));
    }

    @Test
    void failAllFailsEveryTypeAndEmptiesTheQueues() {
        CompletableFuture<SimplePacket> a = request(PacketType.SA, "a");
        CompletableFuture<SimplePacket> b = request(PacketType.GCL, "b");
        CompletableFuture<SimplePacket> c = request(PacketType.SA, "c");
        IllegalStateException closed = new IllegalStateException("connection closed");
        pending.failAll(closed);
        for (CompletableFuture<SimplePacket> f : List.of(a, b, c)) {
            assertThatThrownBy(f::get).hasCause(closed);
        }
        assertThat(pending.waiting(PacketType.SA)).isFalse();
        assertThat(pending.waiting(PacketType.GCL)).isFalse();
        assertThat(pending.complete(PacketType.SA, reply("late"))).isFalse();
    }

    @Test
    void concurrentRequestsGetTheRepliesInWireOrder() throws Exception {
        int threads = 8;
        int each = 250;
        List<String> onWire = new ArrayList<>(); // only appended under the type's lock
        Map<String, CompletableFuture<SimplePacket>> byToken = new ConcurrentHashMap<>();
        AtomicInteger seq = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        String token = "r" + seq.incrementAndGet();
                        byToken.put(token, pending.register(PacketType.SA, () -> onWire.add(token)));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(onWire).hasSize(threads * each);
        // The server answers in the order it read the requests.
        for (String token : onWire) {
            assertThat(pending.complete(PacketType.SA, Packets.sa(token))).isTrue();
        }
        byToken.forEach((token, f) -> assertThat(new String(f.join().body(), StandardCharsets.UTF_8)).isEqualTo(token));
    }
}
