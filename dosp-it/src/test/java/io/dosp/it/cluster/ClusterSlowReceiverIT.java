package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.cluster.ClusterStats;
import io.dosp.cluster.NatsCluster;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.server.SlowConsumerPolicy;
import io.dosp.testkit.Frames;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow receiver in a cluster: a client on node B stops reading while a client on node A floods it across NATS.
 * Node B's memory stays bounded by its per-client outbound limit (policy BACKPRESSURE: past {@code maxOutboundBytes}
 * an S2C is refused), every refused frame goes back over B's control subject to A, whose flooding client gets one
 * ERR S2CF per frame; nothing is lost silently (frames received + ERR S2CF = frames sent); another client on B keeps
 * receiving everything, in order, meanwhile. The NATS subscription never drops (its pending limits are set
 * explicitly and the dispatcher never waits for a client). Counts, not times.
 */
class ClusterSlowReceiverIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final VipTemplate TEMPLATE = VipTemplate.parse("10.7.0.0/16");
    /** Node B's per-client cap: a client that does not read holds at most this much of B's memory. */
    private static final int MAX_OUTBOUND = 256 << 10;
    private static final int FRAME_DATA = 1000;
    /**
     * Frames the flooder sends: at least 16,000 x ~1 KiB, and always more than twice what the kernel may buffer
     * between node B and a client that does not read (B's send buffer can grow to {@code tcp_wmem}'s maximum, the
     * client's receive buffer stays near {@code tcp_rmem}'s default when nothing is read) plus B's cap.
     */
    private static final int FLOOD = floodFrames();
    /** Frames the steady pair sends while the slow receiver is full. */
    private static final int STEADY = 2_000;

    private static int floodFrames() {
        long kernel = sysctl("/proc/sys/net/ipv4/tcp_wmem", 2, 4 << 20) + sysctl("/proc/sys/net/ipv4/tcp_rmem", 1, 128 << 10);
        long bytes = 2 * kernel + 4L * MAX_OUTBOUND;
        return (int) Math.max(16_000, bytes / FRAME_DATA);
    }

    /** Field {@code index} of a sysctl with three numbers, or {@code otherwise}. */
    private static long sysctl(String file, int index, long otherwise) {
        try {
            return Long.parseLong(java.nio.file.Files.readString(Path.of(file)).trim().split("\\s+")[index]);
        } catch (java.io.IOException | RuntimeException e) {
            return otherwise;
        }
    }

    @TempDir
    Path tmp;
    private NatsServers nats;
    private final List<DospServer> servers = new ArrayList<>();
    private final List<NatsCluster> clusters = new ArrayList<>();
    private final List<RawClient> clients = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void start() {
        nats = NatsServers.single();
        String name = "slow" + ProcessHandle.current().pid();
        for (int i = 0; i < 2; i++) {
            NatsCluster c = NatsCluster.builder().servers(nats.urls()).name(name).nodeName("n" + i).build();
            ServerConfig config = TestServers.config(tmp.resolve("n" + i)).template(TEMPLATE)
                    .limits(l -> l.maxConnectionsPerAddress(100).outboundWaterMarks(32 << 10, 64 << 10)
                            .maxOutboundBytes(MAX_OUTBOUND).slowConsumerPolicy(SlowConsumerPolicy.BACKPRESSURE)
                            .slowConsumerTimeout(Duration.ofMinutes(10))) // it must not be dropped meanwhile
                    .build();
            servers.add(new DospServer(config, c).start());
            clusters.add(c);
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        clients.forEach(RawClient::close);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        servers.forEach(DospServer::close);
        if (nats != null) {
            nats.close();
        }
    }

    private RawClient client(int node) {
        RawClient c = RawClient.connect(servers.get(node).port());
        c.send(Packets.ping());
        c.receive(PacketType.PING);
        clients.add(c);
        return c;
    }

    private static List<Vip> gcl(RawClient c) {
        c.send(Packets.gclRequest());
        return Packets.parseVipList(((SimplePacket) c.receive(PacketType.GCL)).body());
    }

    private static byte[] numbered(Vip dst, int n, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            ByteBuffer body = ByteBuffer.allocate(8 + dataBytes).putInt(dst.value()).putInt(0).putInt(i);
            out.writeBytes(Frames.frame(PacketType.S2C.code(), body.array()));
        }
        return out.toByteArray();
    }

    /** Reads {@code c} on a thread of its own until it is closed, handing every packet to {@code each}. */
    private void readInBackground(RawClient c, String name, java.util.function.Consumer<Packet> each,
            AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            while (true) {
                Packet p;
                try {
                    p = c.receive(Duration.ofMinutes(2));
                } catch (RuntimeException | AssertionError e) {
                    return; // closed at the end of the test (or nothing for minutes: the awaits below fail)
                }
                try {
                    each.accept(p);
                } catch (RuntimeException | AssertionError e) {
                    failure.compareAndSet(null, e);
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    @Test
    void aReceiverThatStopsReadingCostsItsNodeBoundedMemoryAndEveryRefusedFrameIsReportedToItsSender()
            throws Exception {
        RawClient flooder = client(0);
        RawClient sender = client(0);
        RawClient slow = client(1);
        RawClient steady = client(1);
        await().atMost(AWAIT).untilAsserted(() -> assertThat(gcl(flooder)).contains(slow.vip(), steady.vip()));
        AtomicReference<Throwable> failure = new AtomicReference<>();

        // The flooder's ERR S2CF answers (each names the slow client's vIP).
        AtomicInteger refused = new AtomicInteger();
        readInBackground(flooder, "flooder-reader", p -> {
            assertThat(p.type()).isEqualTo(PacketType.ERR);
            byte[] body = ((SimplePacket) p).body();
            assertThat(body[0]).isEqualTo((byte) ErrCode.S2CF.code());
            assertThat(Vip.fromBytes(body, 1)).isEqualTo(slow.vip());
            refused.incrementAndGet();
        }, failure);
        byte[] flood = numbered(slow.vip(), FLOOD, FRAME_DATA);
        Thread writer = new Thread(() -> flooder.sendRaw(flood), "flooder-writer");
        writer.setDaemon(true);
        writer.start();
        threads.add(writer);

        // The slow client reads nothing: once its queue on B is full, B refuses and A's flooder hears of it.
        await().atMost(AWAIT).until(() -> refused.get() > 0);

        // Meanwhile another pair across the same nodes is not held up: all of its frames, in order.
        sender.sendRaw(numbered(steady.vip(), STEADY, 12));
        for (int i = 0; i < STEADY; i++) {
            Packet p = steady.receive(Duration.ofSeconds(30));
            assertThat(p).isInstanceOf(S2cPacket.class);
            assertThat(((S2cPacket) p).src()).isEqualTo(sender.vip());
            assertThat(ByteBuffer.wrap(((S2cPacket) p).data()).getInt()).as("steady frame %d", i).isEqualTo(i);
        }
        writer.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(writer.isAlive()).as("the flooder's writes were taken").isFalse();

        // Now the slow client reads what was queued for it: in order, with gaps exactly where frames were refused.
        AtomicInteger received = new AtomicInteger();
        AtomicInteger last = new AtomicInteger(-1);
        readInBackground(slow, "slow-reader", p -> {
            assertThat(p).isInstanceOf(S2cPacket.class);
            int seq = ByteBuffer.wrap(((S2cPacket) p).data()).getInt();
            assertThat(seq).isGreaterThan(last.getAndSet(seq));
            received.incrementAndGet();
        }, failure);

        // Nothing lost silently: every frame either arrived or was answered with ERR S2CF.
        await().atMost(AWAIT).untilAsserted(() -> assertThat(received.get() + refused.get()).isEqualTo(FLOOD));
        assertThat(failure.get()).isNull();
        assertThat(refused.get()).isPositive();
        assertThat(received.get()).isPositive();

        ClusterStats a = clusters.get(0).stats();
        ClusterStats b = clusters.get(1).stats();
        assertThat(a.framesSent() + a.framesDiscarded()).isEqualTo(FLOOD + STEADY);
        assertThat(b.framesReceived()).isEqualTo(a.framesSent());
        assertThat(b.failuresReturned()).isEqualTo(a.failuresReceived());
        assertThat(a.failuresReceived() + a.framesDiscarded()).isEqualTo(refused.get());
        assertThat(b.incomingDropped()).as("NATS never dropped for B's subscription").isZero();
        // B counted what it refused, under the reason the server uses for a full client queue.
        assertThat(servers.get(1).stats().drops().get(DropReason.TARGET_OVERLOADED)).isEqualTo(b.failuresReturned());
        // B's memory held for clients stayed bounded by the slow client's cap (plus the steady client's little
        // and the budget's per-client lag of 16 KiB), although ~16 MB were sent at it.
        long peak = servers.get(1).stats().flow().memoryPeak();
        assertThat(peak).as("memory peak on B").isLessThanOrEqualTo(MAX_OUTBOUND + (256L << 10));
    }
}
