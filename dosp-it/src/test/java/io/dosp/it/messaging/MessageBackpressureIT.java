package io.dosp.it.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.messaging.DropListener;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.MessengerStats;
import io.dosp.server.DospServer;
import io.dosp.server.FlowStats;
import io.dosp.testkit.TestServers;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender floods MESSAGE envelopes at a receiver whose handler is held back: the receiver's messenger pauses its
 * client's reading past its high water mark, TCP pushes back to the server, the server's flow control pauses the
 * sender, and the sender (waiting on {@code whenWritable} like any bulk sender) stops. When the handler runs again,
 * every message is handled, in order, and nothing was dropped; what the receiver held stayed within its bound.
 */
class MessageBackpressureIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    /** 1 KiB payloads: 64 MiB in all, far more than the receiver's bound and every socket buffer on the way. */
    private static final int COUNT = 64 * 1024;
    private static final int PAYLOAD = 1024;
    private static final int MAX_QUEUED = 256;
    private static final int MAX_INBOX = 512;
    private static final long MAX_INBOX_BYTES = 4L << 20;

    @TempDir
    Path tmp;

    @Test
    void aFloodAtAHeldBackHandlerPausesTheSenderAndLosesNothing() throws Exception {
        // The handler is held back until the server shows the sender paused; the slow-consumer timeout must outlast
        // that wait on a loaded machine (the default, 30 s, is what a deployment gets; see README "Messaging").
        try (DospServer server = TestServers.start(tmp, b -> b.limits(l -> l.slowConsumerTimeout(Duration.ofMinutes(5))));
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server);
             Messenger sender = Messenger.attach(a);
             Messenger receiver = Messenger.attach(b, MessengerOptions.builder().maxQueuedMessages(MAX_QUEUED)
                     .maxInboxEnvelopes(MAX_INBOX).maxInboxBytes(MAX_INBOX_BYTES).build())) {
            CountDownLatch gate = new CountDownLatch(1);
            List<Integer> handled = Collections.synchronizedList(new ArrayList<>(COUNT));
            List<String> drops = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch all = new CountDownLatch(COUNT);
            receiver.onDropped((from, name, reason) -> drops.add(name + ": " + reason));
            receiver.on("seq", byte[].class, (from, body) -> {
                gate.await();
                handled.add(ByteBuffer.wrap(body).getInt());
                all.countDown();
            });

            AtomicLong sent = new AtomicLong();
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < COUNT; i++) {
                    a.whenWritable().join(); // a well-behaved bulk sender: what the server does not read waits here
                    byte[] body = new byte[PAYLOAD];
                    ByteBuffer.wrap(body).putInt(i);
                    sender.send(b.vip(), "seq", body);
                    sent.incrementAndGet();
                }
            });

            // The receiver stops reading, and the server holds the sender back.
            await().atMost(LONG).until(() -> server.stats().flow().sendersPaused() >= 1);
            MessengerStats paused = receiver.stats();
            assertThat(paused.readPaused()).as("the receiver's reading is paused").isTrue();
            assertThat(paused.readPauses()).isGreaterThanOrEqualTo(1);
            assertThat(b.readPausedBy()).containsExactly("messaging inbox");
            assertThat(flood).as("the sender is held back, not done").isNotDone();
            assertThat(sent.get()).isLessThan(COUNT);
            FlowStats flow = server.stats().flow();
            assertThat(flow.pauses()).isGreaterThanOrEqualTo(1);

            gate.countDown();
            flood.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(all.await(LONG.toSeconds(), TimeUnit.SECONDS)).as("every message handled").isTrue();

            // The latch counts down inside the handler, the messenger counts a message handled once it returns.
            await().atMost(LONG).until(() -> receiver.stats().messagesHandled() == COUNT);
            MessengerStats done = receiver.stats();
            assertThat(done.messagesDropped()).as("nothing dropped").isZero();
            assertThat(drops).isEmpty();
            assertThat(done.inboxOverflows()).isZero();
            assertThat(done.messagesHandled()).isEqualTo(COUNT);
            assertThat(done.peakHeld()).as("held within the bound").isLessThanOrEqualTo(MAX_QUEUED);
            assertThat(done.peakHeldBytes()).isLessThanOrEqualTo(MAX_INBOX_BYTES);
            synchronized (handled) {
                assertThat(handled).hasSize(COUNT);
                for (int i = 0; i < COUNT; i++) {
                    if (handled.get(i) != i) {
                        throw new AssertionError("message " + i + " was handled as number " + handled.get(i));
                    }
                }
            }
            await().atMost(LONG).untilAsserted(() -> {
                assertThat(receiver.stats().readPaused()).isFalse();
                assertThat(b.readPausedBy()).isEmpty();
                assertThat(server.stats().flow().sendersPaused()).isZero();
            });
            assertThat(a.isConnected()).isTrue();
            assertThat(b.isConnected()).as("the paused receiver was not dropped").isTrue();
        }
    }
}
