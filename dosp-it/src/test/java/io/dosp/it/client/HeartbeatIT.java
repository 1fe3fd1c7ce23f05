package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.HeartbeatOptions;
import io.dosp.client.Incoming;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heartbeat is on by default, so a client that only receives is not closed by the server's
 * idle timeout (the CLI client and the library used to be dropped after 5 minutes of receiving).
 * The server's idle timeout is made short and the client's default heartbeat scaled with it (its
 * interval only); survival is measured in PINGs the server counted, not in time.
 */
class HeartbeatIT {
    private static final Duration IDLE = Duration.ofMillis(600);
    private static final Duration INTERVAL = Duration.ofMillis(100);

    @TempDir
    Path tmp;

    @Test
    void aReceiveOnlyClientOutlivesTheIdleTimeoutThanksToTheDefaultHeartbeat() {
        Map<Vip, AtomicInteger> pings = new ConcurrentHashMap<>();
        try (DospServer server = TestServers.start(tmp, b -> b.limits(l -> l.idleTimeout(IDLE)))) {
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    if (packet.type() == PacketType.PING) {
                        pings.computeIfAbsent(client.vip(), v -> new AtomicInteger()).incrementAndGet();
                    }
                    return false;
                }
            });
            ClientOptions defaults = TestServers.options(server).build();
            assertThat(defaults.heartbeat().enabled()).as("on by default").isTrue();
            assertThat(defaults.heartbeat().interval()).isEqualTo(HeartbeatOptions.DEFAULT_INTERVAL);
            ClientOptions scaled = defaults.toBuilder().heartbeat(h -> h.interval(INTERVAL)).build();
            try (DospClient receiver = DospClient.connect(scaled);
                 DospClient silent = DospClient.connect(defaults.toBuilder().heartbeat(HeartbeatOptions.OFF).build())) {
                // The control: without a heartbeat the same kind of client is closed by the idle timeout.
                await().atMost(TestServers.AWAIT).until(() -> !silent.isConnected());
                // 20 PINGs at 100 ms: more than three idle timeouts of 600 ms have passed.
                await().atMost(TestServers.AWAIT).until(() -> pings.getOrDefault(receiver.vip(), new AtomicInteger()).get() >= 20);
                assertThat(receiver.isConnected()).isTrue();
                assertThat(TestServers.vipsOf(server.clients())).contains(receiver.vip()).doesNotContain(silent.vip());
                assertThat(pings).doesNotContainKey(silent.vip());
                try (DospClient sender = TestServers.client(server)) {
                    sender.send(receiver.vip(), "still there?");
                    Incoming in = receiver.receive(Duration.ofSeconds(5));
                    assertThat(in).isNotNull();
                    assertThat(in.text()).isEqualTo("still there?");
                }
            }
        }
    }

    @Test
    void aClientWhoseReadingIsPausedIsNotDeclaredDeadByItsOwnHeartbeat() {
        Map<Vip, AtomicInteger> pings = new ConcurrentHashMap<>();
        try (DospServer server = TestServers.start(tmp, b -> b.limits(l -> l.idleTimeout(IDLE)))) {
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    if (packet.type() == PacketType.PING) {
                        pings.computeIfAbsent(client.vip(), v -> new AtomicInteger()).incrementAndGet();
                    }
                    return false;
                }
            });
            // Two unanswered PINGs would close the connection as dead; while paused none is answered (read).
            ClientOptions opts = TestServers.options(server).build().toBuilder()
                    .heartbeat(h -> h.interval(INTERVAL).misses(2)).build();
            try (DospClient paused = DospClient.connect(opts)) {
                io.dosp.client.ReadPause p = paused.readPause("test");
                p.pause();
                int before = pings.getOrDefault(paused.vip(), new AtomicInteger()).get();
                // 20 PINGs sent while nothing is read: ten times the misses, and over three idle timeouts.
                await().atMost(TestServers.AWAIT).until(() -> pings.getOrDefault(paused.vip(), new AtomicInteger()).get()
                        >= before + 20);
                assertThat(paused.isConnected()).as("not closed by its heartbeat, nor by the server's idle timeout")
                        .isTrue();
                assertThat(TestServers.vipsOf(server.clients())).contains(paused.vip());
                p.resume();
                try (DospClient sender = TestServers.client(server)) {
                    sender.send(paused.vip(), "read again");
                    Incoming in = paused.receive(Duration.ofSeconds(30));
                    assertThat(in).isNotNull();
                    assertThat(in.text()).isEqualTo("read again");
                }
                assertThat(paused.ping()).isNotNull(); // the PONGs that waited were read: PINGs work again
            }
        }
    }
}
