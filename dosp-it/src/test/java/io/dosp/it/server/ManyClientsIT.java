package io.dosp.it.server;

import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.ServerStats;
import io.dosp.testkit.RawClient;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Up to 2,000 clients on a wide template ({@code 10.7.x.x}) connect concurrently; each sends
 * {@value #PER_SENDER} S2C to random other clients with a per-sender sequence number. Every
 * receiver must see each packet meant for it exactly once, in order per sender, with SRC stamped
 * as the real sender; nothing is refused or lost.
 *
 * <p>Every client costs two file descriptors in this JVM (client and server side): the count is
 * reduced to what the descriptor limit allows. Each client has one reader thread (small stack).
 */
class ManyClientsIT {
    private static final Logger LOG = LoggerFactory.getLogger(ManyClientsIT.class);
    static final int WANTED_CLIENTS = 2_000;
    static final int PER_SENDER = 20;
    static final int CONNECT_THREADS = 8;

    @TempDir
    Path tmp;

    static int clientCount() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long free = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 512;
            return (int) Math.min(WANTED_CLIENTS, free / 2);
        }
        return WANTED_CLIENTS;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyPacketArrivesExactlyOnceInOrderPerSender() throws Exception {
        int n = clientCount();
        Assumptions.assumeTrue(n >= 500, "file descriptor limit allows only " + n + " clients");
        if (n < WANTED_CLIENTS) {
            LOG.warn("File descriptor limit: running with {} clients instead of {}", n, WANTED_CLIENTS);
        }
        ServerConfig cfg = config(tmp).template("10.7.x.x")
                .limits(l -> l.maxClients(n + 100).maxConnectionsPerAddress(0)).build(); // all from 127.0.0.1
        RawClient[] clients = new RawClient[n];
        List<Thread> readers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(CONNECT_THREADS);
        try (DospServer server = DospServer.start(cfg)) {
            try {
                exercise(server, cfg, n, clients, readers, pool);
            } finally {
                // Clients go first, so the server's close does not wait for them.
                for (RawClient c : clients) {
                    if (c != null) {
                        c.close();
                    }
                }
                for (Thread th : readers) {
                    th.join(10_000);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void exercise(DospServer server, ServerConfig cfg, int n, RawClient[] clients, List<Thread> readers,
            ExecutorService pool) throws Exception {
        // Connect concurrently.
        List<Future<?>> connects = new ArrayList<>();
        for (int t = 0; t < CONNECT_THREADS; t++) {
            int first = t;
            connects.add(pool.submit(() -> {
                for (int i = first; i < n; i += CONNECT_THREADS) {
                    clients[i] = RawClient.connect(server.port());
                }
                return null;
            }));
        }
        for (Future<?> f : connects) {
            f.get(60, TimeUnit.SECONDS);
        }
        Map<Vip, Integer> indexOf = new HashMap<>();
        for (int i = 0; i < n; i++) {
            assertThat(indexOf.put(clients[i].vip(), i)).as("duplicate vIP %s", clients[i].vip()).isNull();
            assertThat(cfg.template().contains(clients[i].vip())).isTrue();
        }
        assertThat(server.clients()).hasSize(n);
        assertThat(server.stats().clientsConnected()).isEqualTo(n);

        // The plan: sender s sends seq 0..PER_SENDER-1, each to a random other client.
        Random rnd = new Random(2024);
        int[][] dst = new int[n][PER_SENDER];
        List<List<Long>> expected = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            expected.add(new ArrayList<>());
        }
        for (int s = 0; s < n; s++) {
            for (int q = 0; q < PER_SENDER; q++) {
                int d = rnd.nextInt(n - 1);
                d = d >= s ? d + 1 : d;
                dst[s][q] = d;
                expected.get(d).add(key(s, q));
            }
        }

        // One reader per client: per sender, sequence numbers must strictly increase.
        AtomicLong received = new AtomicLong();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        long[][] got = new long[n][];
        for (int r = 0; r < n; r++) {
            int me = r;
            Thread th = new Thread(null, () -> {
                RawClient c = clients[me];
                int want = expected.get(me).size();
                long[] keys = new long[want];
                Map<Integer, Integer> last = new HashMap<>();
                try {
                    for (int k = 0; k < want; k++) {
                        Packet p = c.receive(Duration.ofSeconds(90));
                        if (!(p instanceof S2cPacket s)) {
                            failures.add(c.vip() + " got " + p);
                            return;
                        }
                        ByteBuffer data = s.dataBuffer();
                        int sender = data.getInt();
                        int seq = data.getInt();
                        Integer bySrc = indexOf.get(s.src());
                        if (bySrc == null || bySrc != sender || !s.dst().equals(c.vip())) {
                            failures.add(c.vip() + ": SRC " + s.src() + " / DST " + s.dst() + " for sender #" + sender);
                        }
                        Integer prev = last.put(sender, seq);
                        if (prev != null && seq <= prev) {
                            failures.add(c.vip() + ": from #" + sender + " seq " + seq + " after " + prev);
                        }
                        keys[k] = key(sender, seq);
                        received.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(c.vip() + ": " + e);
                }
                got[me] = keys;
            }, "reader-" + r, 256 << 10);
            th.setDaemon(true);
            readers.add(th);
            th.start();
        }

        // Send from a pool; each sender's packets go out in order from one task.
        List<Future<?>> sends = new ArrayList<>();
        for (int t = 0; t < CONNECT_THREADS; t++) {
            int first = t;
            sends.add(pool.submit(() -> {
                for (int s = first; s < n; s += CONNECT_THREADS) {
                    for (int q = 0; q < PER_SENDER; q++) {
                        byte[] data = ByteBuffer.allocate(8).putInt(s).putInt(q).array();
                        clients[s].send(Packets.s2c(clients[dst[s][q]].vip(), Vip.ZERO, data));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : sends) {
            f.get(60, TimeUnit.SECONDS);
        }
        long total = (long) n * PER_SENDER;
        await().atMost(Duration.ofSeconds(90)).until(() -> received.get() >= total || !failures.isEmpty());
        assertThat(failures).isEmpty(); // on failure, closing the clients ends the readers
        for (Thread th : readers) {
            th.join(30_000);
        }
        assertThat(failures).isEmpty();
        assertThat(received.get()).isEqualTo(total);

        // Exactly the planned packets arrived at each receiver (with the per-sender order checked above).
        for (int r = 0; r < n; r++) {
            long[] want = expected.get(r).stream().mapToLong(Long::longValue).toArray();
            long[] have = got[r].clone();
            Arrays.sort(want);
            Arrays.sort(have);
            assertThat(have).as("receiver %s", clients[r].vip()).isEqualTo(want);
        }
        ServerStats stats = server.stats();
        assertThat(stats.drops(DropReason.NO_ROUTE)).isZero();
        assertThat(stats.drops(DropReason.TARGET_OVERLOADED)).isZero();
        assertThat(stats.drops(DropReason.OUTBOUND_LIMIT)).isZero();

        // Nothing else is pending for a sample of clients: the next packet is their PING echo.
        Set<Integer> sample = new HashSet<>();
        for (int i = 0; i < n; i += Math.max(1, n / 50)) {
            sample.add(i);
        }
        for (int i : sample) {
            clients[i].send(Packets.ping(new byte[] {7}));
            Packet p = clients[i].receive();
            assertThat(p.type()).as("after the run, %s", clients[i].vip()).isEqualTo(PacketType.PING);
            assertThat(((SimplePacket) p).body()).containsExactly(7);
        }
    }

    private static long key(int sender, int seq) {
        return ((long) sender << 32) | seq;
    }
}
