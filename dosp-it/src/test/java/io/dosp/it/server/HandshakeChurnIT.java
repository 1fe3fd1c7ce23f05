package io.dosp.it.server;

import static io.dosp.testkit.Expect.exchange;
import static io.dosp.testkit.TestServers.config;
import static io.dosp.testkit.TestServers.vip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.ExitCode;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.Packets;
import io.dosp.server.ClientStats;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerStats;
import io.dosp.testkit.Frames;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 connections opened and dropped during the handshake, from four threads, while two good
 * clients keep exchanging S2C. Afterwards the server holds only the good clients, their
 * counters moved only by their own exchange, and the vIP allocator hands out the lowest free
 * vIP again.
 */
class HandshakeChurnIT {
    static final int CONNECTIONS = 1_000;
    static final int THREADS = 4;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void connectionsDroppedMidHandshakeLeaveNoTrace() throws Exception {
        // 1,000 connections from one address in quick succession: the per-address limit would count those the
        // server has not yet seen close (that limit has its own tests, AddressLockoutIT).
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.maxConnectionsPerAddress(0)).build());
             RawClient g1 = RawClient.connect(server.port());
             RawClient g2 = RawClient.connect(server.port())) {
            exchange(g1, g2, "before");
            ClientStats g1Before = server.client(g1.vip()).orElseThrow().stats();
            ClientStats g2Before = server.client(g2.vip()).orElseThrow().stats();

            AtomicBoolean churning = new AtomicBoolean(true);
            AtomicInteger resets = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            try {
                Future<Integer> exchanges = pool.submit(() -> {
                    int n = 0;
                    while (churning.get() || n == 0) {
                        exchange(g1, g2, "during-" + n);
                        n++;
                    }
                    return n;
                });
                List<Future<?>> churners = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    churners.add(pool.submit(() -> {
                        Random rnd = new Random(1000 + thread);
                        for (int i = 0; i < CONNECTIONS / THREADS; i++) {
                            dropMidHandshake(server.port(), rnd.nextInt(6), rnd, resets);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : churners) {
                    f.get(90, TimeUnit.SECONDS);
                }
                churning.set(false);
                int n = exchanges.get(30, TimeUnit.SECONDS);
                assertThat(n).isPositive();

                // Every churn connection reached the server (Linux hands reset ones to accept() too),
                // so none is still waiting in the backlog to take a vIP after the checks below.
                await().atMost(TestServers.AWAIT)
                        .until(() -> server.stats().connectionsAccepted() == 2L + CONNECTIONS);
                TestServers.awaitExactly(server, g1.vip(), g2.vip());
                ClientStats g1After = server.client(g1.vip()).orElseThrow().stats();
                ClientStats g2After = server.client(g2.vip()).orElseThrow().stats();
                assertThat(g1After.packetsIn()).isEqualTo(g1Before.packetsIn() + n);
                assertThat(g1After.packetsOut()).isEqualTo(g1Before.packetsOut() + n);
                assertThat(g2After.packetsIn()).isEqualTo(g2Before.packetsIn() + n);
                assertThat(g2After.packetsOut()).isEqualTo(g2Before.packetsOut() + n);
            } finally {
                pool.shutdownNow();
            }

            ServerStats stats = server.stats();
            assertThat(stats.clientsConnected()).isEqualTo(2);
            assertThat(stats.connectionsAccepted()).isEqualTo(2L + CONNECTIONS);
            assertThat(resets.get()).as("some connections ended with RST").isPositive();
            assertThat(stats.drops(DropReason.SERVER_FULL)).isZero();
            assertThat(stats.drops(DropReason.FRAME_TOO_LARGE)).isZero();

            try (RawClient fresh = RawClient.connect(server.port())) {
                assertThat(fresh.vip()).isEqualTo(vip("7.10.0.4"));
                exchange(fresh, g2, "fresh");
            }
            TestServers.awaitExactly(server, g1.vip(), g2.vip());
            exchange(g1, g2, "after");
        }
    }

    /** One connection that gives up somewhere in the handshake, in one of six ways. */
    private static void dropMidHandshake(int port, int mode, Random rnd, AtomicInteger resets) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            switch (mode) {
                case 0 -> {
                    // close at once, reading nothing
                }
                case 1 -> assertThat(in.readNBytes(1 + rnd.nextInt(8))).isNotEmpty(); // part of AIP
                case 2 -> Frames.readGreeting(in); // AIP and HSK, then silence
                case 3 -> {
                    s.setSoLinger(true, 0); // close with RST
                    resets.incrementAndGet();
                }
                case 4 -> s.getOutputStream().write(new byte[] {0x03, 0x00, 0x00}); // part of a header
                default -> {
                    Frames.readGreeting(in);
                    s.getOutputStream().write(PacketCodec.encode(Packets.exit(ExitCode.CC)));
                }
            }
        }
    }
}
