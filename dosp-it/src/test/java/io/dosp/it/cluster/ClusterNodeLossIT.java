package io.dosp.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packets;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Vip;
import io.dosp.testkit.NatsServers;
import io.dosp.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node loss: three cluster nodes as separate JVMs ({@link NodeProcess}) on a real nats-server, Java clients of this
 * project with reconnect on (every node a server to go to) and a raw (reference-like) client. Node A is SIGKILLed
 * while numbered S2C flows both ways between its clients and clients on B and C, one pair through a tunnel. Every
 * client of A must come back on B or C with its old vIP (resume secret), the tunnel re-keyed and carrying data, and
 * every numbered frame be received, or reported to its sender (an exception from send, ERR S2CF), or sent inside the
 * window from the kill to the resume (README, "When one server is not enough").
 */
class ClusterNodeLossIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNodeLossIT.class);
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final String TEMPLATE = "10.9.0.0/16";

    /** The nodes' directories (their logs stay for a look after a failure). */
    private final Path tmp = Path.of("target", "node-loss-" + ProcessHandle.current().pid()).toAbsolutePath();
    private NatsServers nats;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<DospClient> clients = new ArrayList<>();
    private final List<Stream> streams = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    @AfterEach
    void stop() throws Exception {
        running.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }
        clients.forEach(DospClient::close);
        for (NodeProcess n : nodes) {
            n.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    /** One numbered S2C stream from one client to another's vIP: what was sent, when, and what arrived. */
    private static final class Stream {
        final String name;
        final DospClient from;
        final Vip to;
        final Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
        final Map<Integer, String> refused = new ConcurrentHashMap<>();
        final List<Integer> received = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();
        /** How many arrived through a tunnel. */
        final AtomicInteger tunneled = new AtomicInteger();

        Stream(String name, DospClient from, Vip to) {
            this.name = name;
            this.from = from;
            this.to = to;
        }
    }

    private DospClient client(NodeProcess primary, List<NodeProcess> others, Map<String, Stream> byName) {
        List<String> fallbacks = others.stream().map(NodeProcess::hostPort).toList();
        DospClient c = DospClient.connect(ClientOptions.builder().server(primary.hostPort()).fallbackServers(fallbacks)
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(100), Duration.ofSeconds(1)))
                .requestTimeout(Duration.ofSeconds(10)).tunnelTimeout(Duration.ofSeconds(10)).build());
        clients.add(c);
        Thread t = new Thread(() -> {
            while (running.get()) {
                Incoming in = c.receive(Duration.ofMillis(100));
                if (in == null || !in.isS2c()) {
                    continue;
                }
                String text = new String(in.data(), StandardCharsets.UTF_8);
                if (text.startsWith("S:")) {
                    String[] parts = text.split(":");
                    Stream s = byName.get(parts[1]);
                    if (s != null) {
                        s.received.add(Integer.parseInt(parts[2]));
                        if (in.tunneled()) {
                            s.tunneled.incrementAndGet();
                        }
                    }
                }
            }
        }, "receiver");
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return c;
    }

    private void sendLoop(Stream s, AtomicLong s2cf) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                int seq = s.next.getAndIncrement();
                s.sentAt.put(seq, System.nanoTime());
                try {
                    s.from.send(s.to, ("S:" + s.name + ":" + seq).getBytes(StandardCharsets.UTF_8));
                } catch (RuntimeException e) {
                    s.refused.put(seq, e.getClass().getSimpleName()); // reported to the sender
                }
                try {
                    Thread.sleep(20); // the pace of the traffic, not a synchronization
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "sender-" + s.name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    @Test
    void clientsOfAKilledNodeComeBackWithTheirVipsAndTheirTunnelIsReKeyed() throws Exception {
        nats = NatsServers.single();
        String cluster = "loss" + ProcessHandle.current().pid();
        for (String n : List.of("a", "b", "c")) {
            nodes.add(NodeProcess.start(nats.urls(), cluster, n, TEMPLATE, tmp.resolve(n)));
        }
        NodeProcess a = nodes.get(0);
        NodeProcess b = nodes.get(1);
        NodeProcess c = nodes.get(2);
        Map<String, Stream> byName = new ConcurrentHashMap<>();
        DospClient a1 = client(a, List.of(b, c), byName);
        DospClient a2 = client(a, List.of(c, b), byName);
        DospClient b1 = client(b, List.of(a, c), byName);
        DospClient c1 = client(c, List.of(a, b), byName);
        assertThat(a1.extensions()).contains("resume");
        Vip vipA1 = a1.vip();
        Vip vipA2 = a2.vip();
        RawClient raw = RawClient.connect(a.port());
        raw.send(Packets.ping());
        raw.receive(PacketType.PING);
        Vip rawVip = raw.vip();

        List<Vip> reconnectedA1 = new CopyOnWriteArrayList<>();
        List<String> resumeFailures = new CopyOnWriteArrayList<>();
        List<Long> tunnelsOfA1 = new CopyOnWriteArrayList<>();
        AtomicLong s2cf = new AtomicLong();
        a1.addListener(new ClientListener() {
            @Override
            public void onReconnected(Vip vip) {
                reconnectedA1.add(vip);
            }

            @Override
            public void onResumeFailed(Vip previous, String reason) {
                resumeFailures.add(previous + ": " + reason);
            }

            @Override
            public void onTunnelEstablished(Vip peer, long tunnel) {
                if (peer.equals(b1.vip())) {
                    tunnelsOfA1.add(tunnel);
                }
            }
        });
        List<Vip> reconnectedA2 = new CopyOnWriteArrayList<>();
        a2.addListener(new ClientListener() {
            @Override
            public void onReconnected(Vip vip) {
                reconnectedA2.add(vip);
            }

            @Override
            public void onResumeFailed(Vip previous, String reason) {
                resumeFailures.add(previous + ": " + reason);
            }
        });
        ClientListener countS2cf = new ClientListener() {
            @Override
            public void onError(ErrorReply error) {
                if (error.code() == ErrCode.S2CF) {
                    s2cf.incrementAndGet();
                }
            }
        };
        for (DospClient x : List.of(a1, a2, b1, c1)) {
            x.addListener(countS2cf);
        }

        // The tunnel across nodes, then numbered traffic both ways between A's clients and B's and C's.
        a1.openTunnel(b1.vip());
        assertThat(a1.hasTunnel(b1.vip())).isTrue();
        await().atMost(AWAIT).until(() -> b1.hasTunnel(vipA1));
        long firstTunnel = a1.tunnelInfo(b1.vip()).orElseThrow().tunnel();
        for (Stream s : List.of(new Stream("a1b1", a1, b1.vip()), new Stream("b1a1", b1, vipA1),
                new Stream("a2c1", a2, c1.vip()), new Stream("c1a2", c1, vipA2))) {
            byName.put(s.name, s);
            streams.add(s);
        }
        streams.forEach(s -> sendLoop(s, s2cf));
        await().atMost(AWAIT).until(() -> streams.stream().allMatch(s -> s.received.size() >= 20));

        long killedAt = System.nanoTime();
        a.kill();
        LOG.info("Node A killed");

        // Every client of A is back, on B or C, with its old vIP.
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(reconnectedA1).isNotEmpty();
            assertThat(reconnectedA2).isNotEmpty();
        });
        long resumedAt = System.nanoTime();
        assertThat(resumeFailures).isEmpty();
        assertThat(reconnectedA1).as("a1's reconnects (resume failures %s)", resumeFailures).last().isEqualTo(vipA1);
        assertThat(reconnectedA2).as("a2's reconnects (resume failures %s)", resumeFailures).last().isEqualTo(vipA2);
        assertThat(a1.vip()).isEqualTo(vipA1);
        assertThat(a2.vip()).isEqualTo(vipA2);
        assertThat(List.of(a1.server(), a2.server())).allMatch(s -> s.equals(b.hostPort()) || s.equals(c.hostPort()));

        // The tunnel is re-keyed (a new tunnel id on A's client) and carries data again.
        await().atMost(AWAIT).until(() -> a1.tunnelInfo(b1.vip()).map(i -> i.tunnel() != firstTunnel).orElse(false));
        Stream probe = new Stream("probe", a1, b1.vip());
        byName.put(probe.name, probe);
        a1.sendSecure(b1.vip(), "S:probe:0".getBytes(StandardCharsets.UTF_8));
        await().atMost(AWAIT).until(() -> probe.tunneled.get() == 1);
        assertThat(tunnelsOfA1).as("tunnels of a1 with b1: before the kill and re-keyed after").hasSizeGreaterThanOrEqualTo(2)
                .contains(a1.tunnelInfo(b1.vip()).orElseThrow().tunnel());

        // Traffic resumes on every stream: frames sent after the resume arrive.
        int[] mark = streams.stream().mapToInt(s -> s.next.get()).toArray();
        await().atMost(AWAIT).untilAsserted(() -> {
            for (int i = 0; i < streams.size(); i++) {
                int m = mark[i];
                assertThat(streams.get(i).received.stream().filter(q -> q > m).count()).as(streams.get(i).name)
                        .isGreaterThanOrEqualTo(20);
            }
        });
        long stoppedAt = System.nanoTime();
        running.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }

        // Every numbered frame: received, or reported to its sender, or sent inside the window (kill .. resume).
        long windowStart = killedAt - Duration.ofSeconds(1).toNanos(); // frames still inside A when it died
        long lostInWindow = 0;
        long reported = 0;
        for (Stream s : streams) {
            List<Integer> got = List.copyOf(s.received);
            for (int i = 1; i < got.size(); i++) {
                assertThat(got.get(i)).as("stream %s in order, exactly once", s.name).isGreaterThan(got.get(i - 1));
            }
            java.util.Set<Integer> gotSet = new java.util.HashSet<>(got);
            for (Map.Entry<Integer, Long> e : s.sentAt.entrySet()) {
                int seq = e.getKey();
                if (gotSet.contains(seq)) {
                    continue;
                }
                if (s.refused.containsKey(seq)) {
                    reported++;
                    continue;
                }
                long at = e.getValue();
                if (at > stoppedAt - Duration.ofSeconds(2).toNanos()) {
                    continue; // still in flight when the receivers stopped
                }
                assertThat(at).as("frame %s:%d lost outside the window", s.name, seq).isBetween(windowStart, resumedAt);
                lostInWindow++;
            }
        }
        long sent = streams.stream().mapToLong(s -> s.sentAt.size()).sum();
        LOG.info("Node loss: resume after {} ms; {} frames sent, {} refused to their sender, {} lost inside the window, "
                + "{} ERR S2CF", (resumedAt - killedAt) / 1_000_000, sent, reported, lostInWindow, s2cf.get());
        assertThat(resumedAt - killedAt).isLessThan(Duration.ofSeconds(40).toNanos());

        // A raw client does not resume: reconnecting, it gets a new vIP (its old one is still the lost node's).
        RawClient again = RawClient.connect(b.port());
        again.send(Packets.ping());
        again.receive(PacketType.PING);
        assertThat(again.vip()).isNotEqualTo(rawVip);
        again.close();
        raw.close();
    }
}
