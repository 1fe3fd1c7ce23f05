package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.client.TunnelFailedException;
import io.dosp.crypto.Identity;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end tunnels through a real server that only ever sees ciphertext. */
class TunnelIT {
    @TempDir
    Path tmp;

    @Test
    void plaintextS2cBetweenTwoClients() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = TestServers.client(server);
             DospClient b = TestServers.client(server)) {
            a.send(b.vip(), "hello");
            Incoming in = b.receive(Duration.ofSeconds(5));
            assertThat(in.text()).isEqualTo("hello");
            assertThat(in.source()).contains(a.vip());
            assertThat(in.tunneled()).isFalse();
        }
    }

    @Test
    void tenThousandMessagesEachWayInOrderAndTheServerSeesOnlyCiphertext() throws Exception {
        try (DospServer server = TestServers.start(tmp)) {
            List<byte[]> routed = new CopyOnWriteArrayList<>();
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    if (packet instanceof S2cPacket s) {
                        routed.add(s.data());
                    }
                    return false;
                }
            });
            try (DospClient a = TestServers.client(server); DospClient b = TestServers.client(server)) {
                a.openTunnel(b.vip());
                assertThat(a.hasTunnel(b.vip())).isTrue();
                await().atMost(Duration.ofSeconds(5)).until(() -> b.hasTunnel(a.vip()));
                int n = 10_000;
                ExecutorService pool = Executors.newFixedThreadPool(2);
                try {
                    Future<?> sendA = pool.submit(() -> {
                        for (int i = 0; i < n; i++) {
                            a.send(b.vip(), "a->b secret " + i);
                        }
                    });
                    Future<?> sendB = pool.submit(() -> {
                        for (int i = 0; i < n; i++) {
                            b.send(a.vip(), "b->a secret " + i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        Incoming in = b.receive(Duration.ofSeconds(10));
                        assertThat(in).as("message %d at b", i).isNotNull();
                        assertThat(in.tunneled()).isTrue();
                        assertThat(in.text()).isEqualTo("a->b secret " + i);
                    }
                    for (int i = 0; i < n; i++) {
                        Incoming in = a.receive(Duration.ofSeconds(10));
                        assertThat(in).as("message %d at a", i).isNotNull();
                        assertThat(in.text()).isEqualTo("b->a secret " + i);
                    }
                    sendA.get();
                    sendB.get();
                } finally {
                    pool.shutdownNow();
                }
                assertThat(a.rejectedTunnelFrames()).isZero();
                assertThat(b.rejectedTunnelFrames()).isZero();
            }
            // 2 handshake hellos + 20,000 frames; none carries the plaintext.
            assertThat(routed).hasSizeGreaterThanOrEqualTo(20_002);
            byte[] marker = "secret".getBytes(StandardCharsets.UTF_8);
            for (byte[] data : routed) {
                assertThat(indexOf(data, marker)).as("plaintext visible at the server").isEqualTo(-1);
            }
        }
    }

    @Test
    void tamperedFramesAreDetectedCountedReportedAndNotDelivered() {
        try (DospServer server = TestServers.start(tmp)) {
            AtomicBoolean tamper = new AtomicBoolean();
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient from, Packet packet) {
                    if (packet instanceof S2cPacket s && tamper.get() && !s.isTunnelHandshake()) {
                        byte[] d = s.data();
                        d[d.length / 2] ^= 0x01; // flip one bit in the middle of the frame
                        server.client(s.dst()).ifPresent(to -> to.send(Packets.s2c(s.dst(), from.vip(), d)));
                        return true;
                    }
                    return false;
                }
            });
            try (DospClient a = TestServers.client(server); DospClient b = TestServers.client(server)) {
                ConcurrentLinkedQueue<String> rejected = new ConcurrentLinkedQueue<>();
                b.addListener(new ClientListener() {
                    @Override
                    public void onTunnelFrameRejected(Vip peer, String reason) {
                        rejected.add(peer + " " + reason);
                    }
                });
                a.openTunnel(b.vip());
                tamper.set(true);
                a.send(b.vip(), "tampered");
                await().atMost(Duration.ofSeconds(5)).until(() -> b.rejectedTunnelFrames() == 1);
                await().atMost(Duration.ofSeconds(5)).until(() -> rejected.size() == 1);
                assertThat(rejected.peek()).startsWith(a.vip().toString()).contains("BAD_MAC");
                assertThat(b.receive(Duration.ofMillis(200))).isNull();
                // The receive counter did not move: the next untampered frame (sequence 2) fails too,
                // because the sender moved on; a fresh handshake restores the tunnel.
                tamper.set(false);
                b.closeTunnel(a.vip());
                a.closeTunnel(b.vip());
                a.openTunnel(b.vip());
                a.send(b.vip(), "clean");
                Incoming in = b.receive(Duration.ofSeconds(5));
                assertThat(in.text()).isEqualTo("clean");
                assertThat(in.tunneled()).isTrue();
            }
        }
    }

    @Test
    void fiftyClientsOpenTunnelsPairwiseConcurrently() throws Exception {
        // Fifty clients from one address: more than the per-address limit allows by default.
        try (DospServer server = TestServers.start(tmp, b -> b.limits(l -> l.maxConnectionsPerAddress(0)))) {
            List<DospClient> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                for (int i = 0; i < 50; i++) {
                    clients.add(TestServers.client(server));
                }
                List<Future<?>> opens = new ArrayList<>();
                for (int i = 0; i < 50; i += 2) {
                    DospClient x = clients.get(i);
                    DospClient y = clients.get(i + 1);
                    opens.add(pool.submit(() -> x.openTunnel(y.vip())));
                }
                for (Future<?> f : opens) {
                    f.get();
                }
                for (int i = 0; i < 50; i += 2) {
                    DospClient x = clients.get(i);
                    DospClient y = clients.get(i + 1);
                    x.send(y.vip(), "pair " + i);
                    Incoming in = y.receive(Duration.ofSeconds(5));
                    assertThat(in.tunneled()).isTrue();
                    assertThat(in.text()).isEqualTo("pair " + i);
                    y.send(x.vip(), "back " + i);
                    assertThat(x.receive(Duration.ofSeconds(5)).text()).isEqualTo("back " + i);
                }
            } finally {
                pool.shutdownNow();
                clients.forEach(DospClient::close);
            }
        }
    }

    @Test
    void simultaneousOpenFromBothEndsGivesOneWorkingTunnel() throws Exception {
        try (DospServer server = TestServers.start(tmp)) {
            for (int round = 0; round < 25; round++) {
                try (DospClient a = TestServers.client(server); DospClient b = TestServers.client(server)) {
                    var fa = a.openTunnelAsync(b.vip());
                    var fb = b.openTunnelAsync(a.vip());
                    fa.get(5, TimeUnit.SECONDS);
                    fb.get(5, TimeUnit.SECONDS);
                    a.send(b.vip(), "from a " + round);
                    b.send(a.vip(), "from b " + round);
                    Incoming atB = b.receive(Duration.ofSeconds(5));
                    Incoming atA = a.receive(Duration.ofSeconds(5));
                    assertThat(atB.text()).isEqualTo("from a " + round);
                    assertThat(atA.text()).isEqualTo("from b " + round);
                    assertThat(atA.tunneled()).isTrue();
                    assertThat(atB.tunneled()).isTrue();
                }
            }
        }
    }

    @Test
    void aPeerThatReconnectsAndReHandshakesGetsAWorkingTunnelAgain() {
        // No vIP quarantine: the restarted peer asks for its vIP back at once (the server cannot tell it from a stranger).
        Identity bIdentity = Identity.generate(); // kept across the restart, as an identity file is
        try (DospServer server = TestServers.start(tmp, c -> c.limits(l -> l.vipQuarantine(Duration.ZERO)));
             DospClient a = TestServers.client(server)) {
            Vip bVip;
            try (DospClient b = DospClient.connect(TestServers.options(server).identity(i -> i.identity(bIdentity)).build())) {
                bVip = b.vip();
                b.openTunnel(a.vip());
                b.send(a.vip(), "first life");
                assertThat(a.receive(Duration.ofSeconds(5)).text()).isEqualTo("first life");
            }
            // b restarts: a new process, new tunnel keys, the same identity, same vIP requested.
            try (DospClient b2 = DospClient.connect(TestServers.options(server).requestVip(bVip, true)
                    .identity(i -> i.identity(bIdentity)).build())) {
                assertThat(b2.vip()).isEqualTo(bVip);
                b2.openTunnel(a.vip());
                b2.send(a.vip(), "second life");
                Incoming in = a.receive(Duration.ofSeconds(5));
                assertThat(in.text()).isEqualTo("second life");
                assertThat(in.tunneled()).isTrue();
                a.send(b2.vip(), "welcome back");
                assertThat(b2.receive(Duration.ofSeconds(5)).text()).isEqualTo("welcome back");
            }
        }
    }

    @Test
    void openingATunnelToNobodyFailsWithS2cf() {
        try (DospServer server = TestServers.start(tmp); DospClient a = TestServers.client(server)) {
            assertThatThrownBy(() -> a.openTunnel(Vip.parse("7.10.0.200")))
                    .isInstanceOf(TunnelFailedException.class).hasMessageContaining("7.10.0.200").hasMessageContaining("S2CF");
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
