package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.TunnelFailedException;
import io.dosp.client.IdentityOptions;
import io.dosp.client.TrustMode;
import io.dosp.client.TunnelOptions;
import io.dosp.client.TunnelStats;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Vip;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The limits on incoming tunnel handshakes ({@link TunnelOptions}) on a {@link TunnelManager}
 * whose guard runs on a clock the test moves: rates per peer and overall, the error-reply budget,
 * the half-open and table caps, and what is counted.
 */
class TunnelLimitsTest {
    private static final Vip VICTIM = Vip.parse("7.10.0.2");
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final TunnelManagerTest.Pipe pipe = new TunnelManagerTest.Pipe();

    private TunnelManager victim(TunnelOptions options) {
        return pipe.attach(VICTIM, new TunnelGuard(options, now::get));
    }

    private static byte[] hello() {
        byte[] h = TunnelHello.create(X25519KeyPair.generate(), Clock.systemUTC(), new SecureRandom()).encode();
        byte[] out = Arrays.copyOf(h, h.length + 1);
        out[h.length] = (byte) TunnelManager.ROLE_INITIATE;
        return out;
    }

    private static Vip peer(int n) {
        return new Vip(Vip.parse("7.10.0.0").value() + n);
    }

    private long repliesTo(Vip peer) {
        return pipe.inFlight.stream().filter(d -> d.dst().equals(peer)).count();
    }

    @Test
    void helloesOverThePerPeerRateAreNotAnsweredAndTheErrorRepliesStayInTheirBudget() {
        TunnelManager v = victim(TunnelOptions.builder().handshakeRate(100, 2).errorReplyRate(100, 1).build());
        Vip attacker = peer(9);
        for (int i = 0; i < 1_000; i++) {
            v.onHandshake(attacker, hello());
        }
        TunnelStats s = v.stats();
        assertThat(s.handshakesReceived()).isEqualTo(1_000);
        assertThat(s.handshakesAnswered()).as("burst of one second at 2/s").isEqualTo(2);
        assertThat(s.handshakesRateLimited()).isEqualTo(998);
        assertThat(s.errorReplies()).as("one error reply per second to one peer").isEqualTo(1);
        assertThat(s.errorRepliesSuppressed()).isEqualTo(997);
        assertThat(repliesTo(attacker)).as("2 answers + 1 error on the wire").isEqualTo(3);
        assertThat(s.tunnels()).as("one tunnel per peer, replaced").isEqualTo(1);

        now.addAndGet(1_000_000_000L); // one second later: one more of each
        for (int i = 0; i < 100; i++) {
            v.onHandshake(attacker, hello());
        }
        assertThat(v.stats().handshakesAnswered()).isEqualTo(4);
        assertThat(v.stats().errorReplies()).isEqualTo(2);
    }

    @Test
    void anotherPeerIsStillAnsweredWhileOneFloods() {
        TunnelManager v = victim(TunnelOptions.builder().handshakeRate(10, 2).errorReplyRate(5, 1).build());
        for (int i = 0; i < 500; i++) {
            v.onHandshake(peer(9), hello());
        }
        v.onHandshake(peer(3), hello());
        assertThat(v.has(peer(3))).isTrue();
        assertThat(v.stats().handshakesAnswered()).isEqualTo(3);
    }

    @Test
    void theOverallRateHoldsAcrossManyPeers() {
        TunnelManager v = victim(TunnelOptions.builder().handshakeRate(10, 2).errorReplyRate(3, 1).maxTunnels(100)
                .maxHalfOpen(100).build());
        for (int i = 2; i < 52; i++) {
            v.onHandshake(peer(i), hello());
        }
        TunnelStats s = v.stats();
        assertThat(s.handshakesAnswered()).isEqualTo(10);
        assertThat(s.handshakesRateLimited()).isEqualTo(40);
        assertThat(s.errorReplies()).as("overall error budget").isEqualTo(3);
        assertThat(pipe.inFlight).hasSize(13);
    }

    @Test
    void malformedAndLegacyHandshakesAreAnsweredOnlyWithinTheBudgetAndErrorsNever() {
        TunnelManager v = victim(TunnelOptions.builder().errorReplyRate(4, 4).build());
        byte[] shortHello = {(byte) TunnelHandshake.HC2C, 1, 2, 3};
        byte[] legacy = new byte[TunnelHandshake.LEGACY_LENGTH];
        legacy[0] = (byte) TunnelHandshake.HC2C;
        for (int i = 0; i < 10_000; i++) {
            v.onHandshake(peer(9), i % 2 == 0 ? shortHello : legacy);
            v.onHandshake(peer(9), TunnelHandshake.errorPayload("nobody asked\n" + i)); // never answered
        }
        TunnelStats s = v.stats();
        assertThat(s.handshakesReceived()).isEqualTo(20_000);
        assertThat(s.handshakesRefused()).isEqualTo(10_000);
        assertThat(s.errorReplies()).isEqualTo(4);
        assertThat(s.errorRepliesSuppressed()).isEqualTo(9_996);
        assertThat(pipe.inFlight).hasSize(4);
        assertThat(s.tunnels()).isZero();
    }

    @Test
    void halfOpenTunnelsAreCappedAndTheOldestIsDroppedButConfirmedAndOurOwnStay() {
        TunnelManager v = victim(TunnelOptions.builder().maxTunnels(6).maxHalfOpen(3).handshakeRate(1000, 10)
                .errorReplyRate(0, 0).build());
        // a peer that opened a tunnel and sent a verified frame: confirmed, never dropped for room
        TunnelManager friend = pipe.attach(peer(50));
        friend.open(VICTIM);
        pipe.pump();
        assertThat(friend.sendSealed(VICTIM, new byte[] {1})).isTrue();
        pipe.pump();
        assertThat(v.openFrame(peer(50), pipe.lastAt(VICTIM).data()).plaintext()).containsExactly(1);
        // a tunnel we opened
        TunnelManager other = pipe.attach(peer(60));
        CompletableFuture<Void> ours = v.open(peer(60));
        pipe.pump();
        assertThat(ours).isCompleted();
        assertThat(other.has(VICTIM)).isTrue();
        pipe.inFlight.clear();

        for (int i = 2; i < 42; i++) {
            v.onHandshake(peer(i), hello());
            assertThat(v.stats().halfOpen()).isLessThanOrEqualTo(3);
            assertThat(v.stats().tunnels()).isLessThanOrEqualTo(6);
        }
        TunnelStats s = v.stats();
        assertThat(s.halfOpen()).isEqualTo(3);
        assertThat(s.tunnels()).isEqualTo(5);
        assertThat(s.halfOpenDropped()).isEqualTo(37);
        assertThat(v.has(peer(50))).as("confirmed stays").isTrue();
        assertThat(v.has(peer(60))).as("ours stays").isTrue();
        assertThat(v.peers()).contains(peer(39), peer(40), peer(41)).doesNotContain(peer(2), peer(38));
    }

    @Test
    void aFullTableOfConfirmedTunnelsRefusesNewPeersAndFailsOurOpen() throws Exception {
        // The re-handshakes below are bare hellos (no identity) from peers whose tunnels had one: with trust
        // checks on they would be refused as mismatches (IdentityTunnelTest); this test is about the table.
        pipe.identityOptions = IdentityOptions.builder().mode(TrustMode.OFF).build();
        TunnelManager v = victim(TunnelOptions.builder().maxTunnels(2).maxHalfOpen(1).handshakeRate(1000, 10)
                .errorReplyRate(10, 10).build());
        for (int i = 0; i < 2; i++) {
            TunnelManager p = pipe.attach(peer(50 + i));
            p.open(VICTIM);
            pipe.pump();
            p.sendSealed(VICTIM, new byte[] {(byte) i});
            pipe.pump();
            v.openFrame(peer(50 + i), pipe.lastAt(VICTIM).data());
        }
        assertThat(v.stats().halfOpen()).isZero();
        v.onHandshake(peer(7), hello());
        assertThat(v.has(peer(7))).isFalse();
        assertThat(TunnelHandshake.parseErrorReason(pipe.inFlight.remove().data())).isEqualTo(TunnelManager.TABLE_FULL_REASON);
        CompletableFuture<Void> open = v.open(peer(8));
        assertThatThrownBy(open::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(TunnelFailedException.class).hasMessageContaining("table is full");
        assertThat(v.stats().handshakesRefused()).isEqualTo(1);
        v.onHandshake(peer(50), hello()); // a known peer may still replace its own tunnel
        assertThat(v.stats().handshakesAnswered()).isEqualTo(3);
        assertThat(v.stats().halfOpen()).as("the replaced tunnel is half-open again").isEqualTo(1);
        v.onHandshake(peer(51), hello()); // so is this one: the older half-open one makes room
        TunnelStats s = v.stats();
        assertThat(s.halfOpen()).isEqualTo(1);
        assertThat(s.halfOpenDropped()).isEqualTo(1);
        assertThat(v.has(peer(50))).isFalse();
        assertThat(v.has(peer(51))).isTrue();
    }
}
