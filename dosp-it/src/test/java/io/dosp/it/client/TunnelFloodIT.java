package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.client.TunnelOptions;
import io.dosp.client.TunnelStats;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A victim client under a tunnel-hello flood from raw clients (malformed hellos, legacy hellos,
 * valid hellos with fresh keys), through a real server: it answers within its rate limits and its
 * error-reply budget (counted on the attacker's socket), its tunnel table stays within its caps,
 * and innocent peers keep their tunnels (and can open new ones) and exchange messages throughout.
 */
class TunnelFloodIT {
    private static final int HANDSHAKES_PER_SECOND = 10;
    private static final int HANDSHAKES_PER_PEER = 2;
    private static final int ERRORS_PER_SECOND = 4;
    private static final int ERRORS_PER_PEER = 1;

    @TempDir
    Path tmp;

    private static ClientOptions victimOptions(DospServer server, int maxTunnels, int maxHalfOpen) {
        return TestServers.options(server).tunnels(TunnelOptions.builder().maxTunnels(maxTunnels).maxHalfOpen(maxHalfOpen)
                .handshakeRate(HANDSHAKES_PER_SECOND, HANDSHAKES_PER_PEER)
                .errorReplyRate(ERRORS_PER_SECOND, ERRORS_PER_PEER).build()).build();
    }

    private static byte[] validHello(int role) {
        byte[] h = TunnelHello.create(X25519KeyPair.generate(), Clock.systemUTC(), new SecureRandom()).encode();
        byte[] out = Arrays.copyOf(h, h.length + 1);
        out[h.length] = (byte) role;
        return out;
    }

    /** Reads everything the attacker's socket receives and counts the S2C the victim sent it. */
    private static final class Counter implements AutoCloseable {
        final AtomicLong hellos = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong other = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Counter(RawClient attacker, Vip victim) {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    Packet p;
                    try {
                        p = attacker.receive(Duration.ofMillis(200));
                    } catch (AssertionError timeout) {
                        continue;
                    } catch (RuntimeException closed) {
                        return;
                    }
                    if (p instanceof S2cPacket s && s.src().equals(victim)) {
                        switch (TunnelHandshake.classify(s.data())) {
                            case DH_HELLO -> hellos.incrementAndGet();
                            case ERROR -> errors.incrementAndGet();
                            default -> other.incrementAndGet(); // legacy refusals (E:NotSupported)
                        }
                    }
                }
            }, "attacker-reader");
            thread.setDaemon(true);
            thread.start();
        }

        long replies() {
            return hellos.get() + errors.get() + other.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(5_000);
        }
    }

    /** The innocent pair: {@code peer} sends through its tunnel, the victim echoes through its own; every echo must come back tunneled. */
    private static void exchange(DospClient peer, DospClient victim, String text) {
        peer.send(victim.vip(), text);
        Incoming at = victim.receive(Duration.ofSeconds(10));
        assertThat(at).as("victim got '%s'", text).isNotNull();
        assertThat(at.tunneled()).isTrue();
        assertThat(at.text()).isEqualTo(text);
        victim.send(peer.vip(), "echo " + text);
        Incoming back = peer.receive(Duration.ofSeconds(10));
        assertThat(back).as("echo of '%s'", text).isNotNull();
        assertThat(back.tunneled()).isTrue();
        assertThat(back.text()).isEqualTo("echo " + text);
    }

    @Test
    void aFloodIsAnsweredWithinTheBudgetWhileInnocentPeersOpenTunnelsAndTalk() throws Exception {
        int malformed = 6_000;
        int valid = 600;
        try (DospServer server = TestServers.start(tmp)) {
            long start = System.nanoTime();
            try (DospClient victim = DospClient.connect(victimOptions(server, 8, 4));
                 DospClient alice = TestServers.client(server);
                 DospClient bob = TestServers.client(server);
                 RawClient attacker = RawClient.connect(server.port());
                 Counter counter = new Counter(attacker, victim.vip())) {
                alice.openTunnel(victim.vip());
                exchange(alice, victim, "before the flood");

                List<byte[]> hellos = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    hellos.add(validHello(i % 2 == 0 ? 1 : 0)); // ours (role byte) and reference-style (none)
                }
                byte[] unknown = {(byte) TunnelHandshake.HC2C, 1, 2, 3};
                byte[] legacy = new byte[TunnelHandshake.LEGACY_LENGTH];
                legacy[0] = (byte) TunnelHandshake.HC2C;
                byte[] badKey = new byte[TunnelHandshake.HELLO_LENGTH];
                badKey[0] = (byte) TunnelHandshake.HC2C; // all-zero public key
                AtomicInteger sent = new AtomicInteger();
                CountDownLatch halfSent = new CountDownLatch(1);
                CountDownLatch bobDone = new CountDownLatch(1);
                CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < malformed + valid; i++) {
                        if (i == (malformed + valid) / 2) {
                            halfSent.countDown();
                            await().atMost(TestServers.AWAIT).until(() -> bobDone.getCount() == 0);
                        }
                        byte[] data = i % 11 == 0 ? hellos.get(i % hellos.size())
                                : switch (i % 3) {
                                    case 0 -> unknown;
                                    case 1 -> legacy;
                                    default -> badKey;
                                };
                        attacker.send(Packets.s2c(victim.vip(), data));
                        sent.incrementAndGet();
                    }
                });
                int round = 0;
                while (!flood.isDone()) {
                    exchange(alice, victim, "during the flood " + round++);
                    assertThat(victim.tunnelStats().tunnels()).isLessThanOrEqualTo(8);
                    assertThat(victim.tunnelStats().halfOpen()).isLessThanOrEqualTo(4);
                    if (halfSent.getCount() == 0 && bobDone.getCount() > 0) {
                        bob.openTunnel(victim.vip()); // a new innocent peer, in the middle of the flood
                        exchange(bob, victim, "hello from bob");
                        bobDone.countDown();
                    }
                }
                flood.get();
                int total = sent.get();
                assertThat(total).isEqualTo(malformed + valid);
                int validSent = (total + 10) / 11;
                await().atMost(TestServers.AWAIT).until(() -> victim.tunnelStats().handshakesReceived() >= total + 2);
                TunnelStats s = victim.tunnelStats();
                // alice's and bob's hellos were answered too; everything else the victim sent went to the attacker
                await().atMost(TestServers.AWAIT).until(() -> counter.replies() == s.errorReplies() + s.handshakesAnswered() - 2);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertThat(round).as("alice talked throughout").isGreaterThan(0);
                exchange(bob, victim, "after the flood");
                exchange(alice, victim, "after the flood");

                System.out.printf("flood of %d handshakes in %.1f s: %d replies on the attacker's socket (%d hellos, %d errors); %s%n",
                        total, seconds, counter.replies(), counter.hellos.get(), counter.errors.get() + counter.other.get(), s);
                // What the victim sent the attacker, counted on the attacker's socket.
                long answerBudget = (long) Math.ceil(HANDSHAKES_PER_PEER * (1 + seconds));
                long errorBudget = (long) Math.ceil(ERRORS_PER_PEER * (1 + seconds));
                assertThat(counter.hellos.get()).as("hello answers within %d/s for %.1f s", HANDSHAKES_PER_PEER, seconds)
                        .isLessThanOrEqualTo(answerBudget);
                assertThat(counter.errors.get() + counter.other.get()).as("error replies within the budget")
                        .isLessThanOrEqualTo(errorBudget);
                assertThat(counter.replies()).isLessThan(total / 100);
                // Everything else was counted, not answered.
                assertThat(s.handshakesAnswered() - 2 + s.handshakesRateLimited() + s.handshakesRefused())
                        .as("each of the attacker's handshakes was answered, rate-limited or refused").isEqualTo(total);
                assertThat(s.handshakesRateLimited()).isGreaterThanOrEqualTo(validSent - answerBudget);
                assertThat(s.errorReplies() + s.errorRepliesSuppressed()).isEqualTo(s.handshakesRefused() + s.handshakesRateLimited());
                assertThat(s.tunnels()).isLessThanOrEqualTo(8);
                assertThat(s.halfOpen()).isLessThanOrEqualTo(4);
                assertThat(victim.hasTunnel(alice.vip())).isTrue();
                assertThat(victim.rejectedTunnelFrames()).isZero();
            }
        }
    }

    @Test
    void manyAttackersCannotGrowTheTableNorPushOutConfirmedTunnels() throws Exception {
        int attackers = 12;
        try (DospServer server = TestServers.start(tmp);
             DospClient victim = DospClient.connect(victimOptions(server, 4, 2));
             DospClient alice = TestServers.client(server)) {
            alice.openTunnel(victim.vip());
            exchange(alice, victim, "confirmed");
            List<RawClient> raw = new ArrayList<>();
            try {
                for (int i = 0; i < attackers; i++) {
                    RawClient a = RawClient.connect(server.port());
                    raw.add(a);
                    a.send(Packets.s2c(victim.vip(), validHello(1)));
                }
                await().atMost(TestServers.AWAIT).until(() -> victim.tunnelStats().handshakesReceived() >= attackers + 1);
                TunnelStats s = victim.tunnelStats();
                assertThat(s.tunnels()).isLessThanOrEqualTo(4);
                assertThat(s.halfOpen()).isLessThanOrEqualTo(2);
                assertThat(s.halfOpenDropped() + s.handshakesRateLimited()).as("every attacker past the caps was dropped or refused")
                        .isGreaterThanOrEqualTo(attackers - 2);
                assertThat(victim.hasTunnel(alice.vip())).as("a confirmed tunnel is never dropped for room").isTrue();
                exchange(alice, victim, "still confirmed");
                try (DospClient carol = TestServers.client(server)) {
                    carol.openTunnel(victim.vip());
                    exchange(carol, victim, "a new peer after the attack");
                }
                assertThat(victim.tunnelStats().tunnels()).isLessThanOrEqualTo(4);
            } finally {
                raw.forEach(RawClient::close);
            }
        }
    }
}
