package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.client.ClientListener;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.Vip;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-packet callbacks are queued only when a listener wants them, so a packet flood queues nothing for the others. */
class ListenerNotifierTest {

    @Test
    void noPacketTaskIsQueuedUnlessAListenerOverridesOnPacket() throws Exception {
        ListenerNotifier n = new ListenerNotifier();
        AtomicInteger queued = new AtomicInteger();
        n.add(new ClientListener() {
            @Override
            public void onTunnelEstablished(Vip peer) {
            }
        });
        for (int i = 0; i < 1_000; i++) {
            n.emitPacket(l -> queued.incrementAndGet());
        }
        CountDownLatch later = new CountDownLatch(1);
        n.emit(l -> later.countDown()); // runs after anything queued before it
        assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queued).hasValue(0);

        CountDownLatch got = new CountDownLatch(1);
        ClientListener wants = new ClientListener() {
            @Override
            public void onPacket(Packet packet) {
                got.countDown();
            }
        };
        n.add(wants);
        n.emitPacket(l -> l.onPacket(Packets.ping()));
        assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
        n.remove(wants);
        n.emitPacket(l -> queued.incrementAndGet());
        CountDownLatch after = new CountDownLatch(1);
        n.emit(l -> after.countDown());
        assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queued).hasValue(0);
    }
}
