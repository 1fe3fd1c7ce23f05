package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelOptions;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import io.dosp.client.IdentityOptions;
import io.dosp.client.KnownPeers;
import io.dosp.client.TunnelIdentityException;
import io.dosp.crypto.Identity;
import org.junit.jupiter.api.Test;

/**
 * Tunnel handshakes and frames between managers wired through an in-memory pipe that plays the
 * server: what one sends is delivered to the other only when the test pumps, so every
 * interleaving (one open, simultaneous open, restart) is chosen by the test.
 */
class TunnelManagerTest {
    private static final Vip A = Vip.parse("7.10.0.2");
    private static final Vip B = Vip.parse("7.10.0.3");

    /** S2C DATA on its way from one vIP to another. */
    record Delivery(Vip src, Vip dst, byte[] data) {
    }

    /** The server between the managers: queues what they send, delivers on {@link #pump()}. */
    static final class Pipe {
        final Queue<Delivery> inFlight = new ArrayDeque<>();
        final Map<Vip, TunnelManager> managers = new HashMap<>();
        final Map<Vip, List<Delivery>> plain = new HashMap<>();
        final List<Vip> established = new ArrayList<>();
        /** "at-peer:previous->tunnel" per replacement, "at-peer:tunnel:reason" per end. */
        final List<String> replaced = new ArrayList<>();
        final List<String> ended = new ArrayList<>();

        /** Identity per vIP: a manager attached again at a vIP (a restart) keeps it, as a client with an identity file does. */
        final Map<Vip, Identity> identities = new HashMap<>();
        final List<String> identityRefusals = new ArrayList<>();
        IdentityOptions identityOptions = IdentityOptions.builder().build();

        TunnelManager attach(Vip vip) {
            return attach(vip, new TunnelGuard(TunnelOptions.builder().handshakeRate(100, 100).errorReplyRate(100, 100).build()));
        }

        /** Another client at {@code vip}, with an identity of its own. */
        TunnelManager attachNewcomer(Vip vip) {
            identities.remove(vip);
            return attach(vip);
        }

        TunnelManager attach(Vip vip, TunnelGuard guard) {
            Identity id = identities.computeIfAbsent(vip, v -> Identity.generate());
            TunnelIdentity identity = new TunnelIdentity(id, identityOptions.toBuilder()
                    .knownPeers(KnownPeers.inMemory()).build(), "pipe:1", Duration.ofSeconds(5));
            return attach(vip, guard, identity, Runnable::run);
        }

        TunnelManager attach(Vip vip, TunnelGuard guard, TunnelIdentity identity, Executor loop) {
            TunnelManager m = new TunnelManager((dst, data) -> inFlight.add(new Delivery(vip, dst, data)),
                    new TunnelManager.Events() {
                        @Override
                        public void established(Vip peer, long tunnel) {
                            established.add(vip);
                        }

                        @Override
                        public void replaced(Vip peer, long previous, long tunnel) {
                            replaced.add(vip + "-" + peer + ":" + previous + "->" + tunnel);
                        }

                        @Override
                        public void ended(Vip peer, long tunnel, String reason) {
                            ended.add(vip + "-" + peer + ":" + tunnel);
                        }

                        @Override
                        public void identityRefused(Vip peer, TunnelIdentityException e) {
                            identityRefusals.add(vip + "-" + peer + ":" + e.problem());
                        }
                    }, guard, identity, loop);
            m.selfVip(vip);
            managers.put(vip, m);
            plain.put(vip, new ArrayList<>());
            return m;
        }

        /** Delivers until nothing is in flight; handshakes as the client's read path does, the rest kept. */
        void pump() {
            Delivery d;
            while ((d = inFlight.poll()) != null) {
                TunnelManager to = managers.get(d.dst());
                // Our frames never start with 0x15 (nonces avoid it), so between our managers every 0x15 is a handshake.
                boolean handshake = d.data().length > 0 && (d.data()[0] & 0xff) == TunnelHandshake.HC2C;
                if (to != null && handshake) {
                    to.onHandshake(d.src(), d.data());
                } else {
                    plain.computeIfAbsent(d.dst(), k -> new ArrayList<>()).add(d);
                }
            }
        }

        /** The last non-handshake DATA delivered to {@code vip}. */
        Delivery lastAt(Vip vip) {
            List<Delivery> got = plain.get(vip);
            assertThat(got).as("deliveries to %s", vip).isNotEmpty();
            return got.get(got.size() - 1);
        }
    }

    private final Pipe pipe = new Pipe();
    private final TunnelManager a = pipe.attach(A);
    private final TunnelManager b = pipe.attach(B);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Seals {@code text} at {@code from} for {@code to}, delivers it, and opens it at {@code to}. */
    private String roundTrip(TunnelManager from, Vip fromVip, TunnelManager to, Vip toVip, String text) {
        assertThat(from.sendSealed(toVip, utf8(text))).isTrue();
        pipe.pump();
        Delivery d = pipe.lastAt(toVip);
        assertThat(d.data()).as("the server sees ciphertext").isNotEqualTo(utf8(text));
        return new String(to.openFrame(fromVip, d.data()).plaintext(), StandardCharsets.UTF_8);
    }

    @Test
    void anOpenIsAnsweredAndBothSidesShareKeys() {
        CompletableFuture<Void> opened = a.open(B);
        assertThat(opened).isNotDone();
        assertThat(pipe.inFlight).hasSize(1);
        pipe.pump();

        assertThat(opened).isCompleted();
        assertThat(a.has(B)).isTrue();
        assertThat(b.has(A)).isTrue();
        assertThat(a.peers()).containsExactly(B);
        assertThat(pipe.established).containsExactlyInAnyOrder(A, B);
        assertThat(roundTrip(a, A, b, B, "hello b")).isEqualTo("hello b");
        assertThat(roundTrip(b, B, a, A, "hello a")).isEqualTo("hello a");
        assertThat(roundTrip(a, A, b, B, "again")).isEqualTo("again");
    }

    @Test
    void aSecondOpenJoinsThePendingOneAndAnOpenTunnelIsDoneAtOnce() {
        CompletableFuture<Void> first = a.open(B);
        assertThat(a.open(B)).isSameAs(first);
        assertThat(pipe.inFlight).as("one hello only").hasSize(1);
        pipe.pump();
        assertThat(a.open(B)).isCompleted();
        assertThat(pipe.inFlight).isEmpty();
    }

    @Test
    void simultaneousOpensEndWithTheSameKeys() {
        CompletableFuture<Void> fromA = a.open(B);
        CompletableFuture<Void> fromB = b.open(A);
        assertThat(pipe.inFlight).hasSize(2);
        pipe.pump();

        assertThat(fromA).isCompleted();
        assertThat(fromB).isCompleted();
        assertThat(roundTrip(a, A, b, B, "crossed")).isEqualTo("crossed");
        assertThat(roundTrip(b, B, a, A, "and back")).isEqualTo("and back");
    }

    @Test
    void aRestartedPeerHandshakesAgainAndReplacesTheTunnel() {
        a.open(B);
        pipe.pump();
        TunnelManager restarted = pipe.attach(A); // same vIP, fresh state
        CompletableFuture<Void> reopened = restarted.open(B);
        pipe.pump();
        assertThat(reopened).isCompleted();
        assertThat(roundTrip(restarted, A, b, B, "after the restart")).isEqualTo("after the restart");
        assertThat(roundTrip(b, B, restarted, A, "welcome back")).isEqualTo("welcome back");
    }

    @Test
    void aPeerRefusalFailsTheOpenWithTheReferenceExplanation() {
        CompletableFuture<Void> opened = a.open(B);
        pipe.inFlight.clear(); // B never sees the hello; a reference peer answers with its refusal
        a.onHandshake(B, TunnelHandshake.errorPayload(TunnelHandshake.TUNNEL_EXISTS_REASON));
        assertThatThrownBy(opened::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TunnelFailedException.class).hasMessageContaining("7.10.0.3")
                .hasMessageContaining("refuses a new handshake").hasMessageContaining(TunnelHandshake.TUNNEL_EXISTS_REASON);
        assertThat(a.has(B)).isFalse();
        assertThat(a.open(B)).as("a failed open is forgotten").isNotSameAs(opened);
    }

    @Test
    void otherRefusalsAndUnaskedErrorsAreToldApart() {
        CompletableFuture<Void> opened = a.open(B);
        a.onHandshake(B, TunnelHandshake.errorPayload("busy"));
        assertThatThrownBy(opened::get).cause().hasMessageContaining("the peer refused the handshake: busy");
        a.onHandshake(Vip.parse("7.10.0.77"), TunnelHandshake.errorPayload("nobody asked")); // logged, nothing else
        assertThat(a.has(Vip.parse("7.10.0.77"))).isFalse();
    }

    @Test
    void failOpenAndFailAllEndPendingOpens() {
        Vip c = Vip.parse("7.10.0.4");
        CompletableFuture<Void> toB = a.open(B);
        CompletableFuture<Void> toC = a.open(c);
        a.failOpen(B, TunnelFailedException.Reason.PEER_UNREACHABLE, "the server could not deliver to it (ERR S2CF)");
        assertThatThrownBy(toB::get).cause().isInstanceOf(TunnelFailedException.class)
                .hasMessageContaining("ERR S2CF")
                .extracting(t -> ((TunnelFailedException) t).reason()).isEqualTo(TunnelFailedException.Reason.PEER_UNREACHABLE);
        assertThat(toC).isNotDone();
        a.failAll("disconnected from 127.0.0.1:7744");
        assertThatThrownBy(toC::get).cause().isInstanceOf(TunnelFailedException.class)
                .hasMessageContaining("7.10.0.4").hasMessageContaining("disconnected")
                .extracting(t -> ((TunnelFailedException) t).reason()).isEqualTo(TunnelFailedException.Reason.DISCONNECTED);
        a.failOpen(Vip.parse("7.10.0.99"), TunnelFailedException.Reason.PEER_UNREACHABLE, "nothing pending: no effect");
    }

    @Test
    void aLegacyHandshakeIsRefusedAsTheReferenceDoes() {
        byte[] legacy = new byte[TunnelHandshake.LEGACY_LENGTH];
        legacy[0] = (byte) TunnelHandshake.HC2C;
        Arrays.fill(legacy, 1, legacy.length, (byte) 7);
        a.onHandshake(B, legacy);
        Delivery reply = pipe.inFlight.remove();
        assertThat(reply.dst()).isEqualTo(B);
        assertThat(reply.data()).isEqualTo(TunnelHandshake.legacyRefusal());
        assertThat(a.has(B)).isFalse();
    }

    @Test
    void malformedHandshakesAreAnsweredWithAnErrorFrame() {
        byte[] tooShort = {(byte) TunnelHandshake.HC2C, 1, 2, 3};
        a.onHandshake(B, tooShort);
        assertThat(TunnelHandshake.parseErrorReason(pipe.inFlight.remove().data()))
                .isEqualTo("Unknown handshake format, length=3");

        byte[] badHello = new byte[TunnelHandshake.HELLO_LENGTH];
        badHello[0] = (byte) TunnelHandshake.HC2C; // all-zero public key: not a usable key
        a.onHandshake(B, badHello);
        Delivery answer = pipe.inFlight.remove();
        assertThat(TunnelHandshake.classify(answer.data())).isEqualTo(TunnelHandshake.Kind.ERROR);
        assertThat(TunnelHandshake.parseErrorReason(answer.data())).matches("(Invalid handshake|Failed DH c2c handshake): .*");
        assertThat(pipe.inFlight).isEmpty();
        assertThat(a.has(B)).isFalse();
    }

    @Test
    void anAnswerNoOpenWaitsForIsIgnored() {
        Vip cVip = Vip.parse("7.10.0.4");
        TunnelManager c = pipe.attach(cVip);
        b.open(cVip);
        byte[] answerShaped = pipe.inFlight.remove().data().clone(); // B's opening hello to C ...
        answerShaped[TunnelHandshake.HELLO_LENGTH] = (byte) TunnelManager.ROLE_RESPOND; // ... marked as an answer
        c.onHandshake(B, answerShaped);
        assertThat(c.has(B)).isFalse();
        assertThat(pipe.inFlight).as("nothing sent").isEmpty();
    }

    @Test
    void withoutATunnelNothingIsSealedOrOpened() {
        assertThat(a.sendSealed(B, utf8("plain?"))).isFalse();
        assertThat(pipe.inFlight).isEmpty();
        assertThat(a.openFrame(B, new byte[TunnelCipher.MIN_FRAME_LENGTH])).isNull();
    }

    @Test
    void aTamperedFrameIsRefused() {
        a.open(B);
        pipe.pump();
        assertThat(a.sendSealed(B, utf8("integrity"))).isTrue();
        pipe.pump();
        byte[] frame = pipe.lastAt(B).data().clone();
        frame[frame.length - 1] ^= 1;
        assertThatThrownBy(() -> b.openFrame(A, frame)).isInstanceOf(TunnelException.class);
    }

    @Test
    void removeForgetsTheTunnel() {
        a.open(B);
        pipe.pump();
        a.remove(B);
        assertThat(a.has(B)).isFalse();
        assertThat(a.peers()).isEmpty();
        assertThat(b.has(A)).as("only this side forgets").isTrue();
    }

    /** Seals a frame at {@code from} (vIP {@code fromVip}) for {@code to}, opens it here and returns its tunnel id. */
    private long idOf(TunnelManager at, Vip fromVip, TunnelManager from, Vip toVip) {
        assertThat(from.sendSealed(toVip, utf8("id?"))).isTrue();
        pipe.pump();
        return at.openFrame(fromVip, pipe.lastAt(toVip).data()).tunnel();
    }

    @Test
    void aReHandshakeFromTheSameVipIsReportedAsANewTunnelWithANewId() {
        a.open(B);
        pipe.pump();
        long before = idOf(b, A, a, B);
        TunnelManager newcomer = pipe.attach(A); // A restarted (same identity)
        newcomer.open(B);
        pipe.pump();
        assertThat(pipe.replaced).hasSize(1);
        assertThat(pipe.replaced.get(0)).startsWith(B + "-" + A + ":" + before + "->");
        long after = idOf(b, A, newcomer, B);
        assertThat(after).isNotEqualTo(before);
        assertThat(b.stats().tunnelsReplaced()).isEqualTo(1);
    }

    @Test
    void withReplaceTunnelsRefuseTheOldTunnelStaysAndTheNewcomerIsRefused() {
        TunnelManager refusing = pipe.attach(Vip.parse("7.10.0.9"), new TunnelGuard(TunnelOptions.builder()
                .handshakeRate(100, 100).errorReplyRate(100, 100).replaceTunnels(TunnelOptions.Replacement.REFUSE).build()));
        a.open(Vip.parse("7.10.0.9"));
        pipe.pump();
        TunnelManager newcomer = pipe.attach(A);
        CompletableFuture<Void> f = newcomer.open(Vip.parse("7.10.0.9"));
        pipe.pump();
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::get).hasCauseInstanceOf(TunnelFailedException.class)
                .hasMessageContaining(TunnelHandshake.TUNNEL_EXISTS_REASON);
        assertThat(pipe.replaced).isEmpty();
        assertThat(refusing.stats().replacementsRefused()).isEqualTo(1);
        assertThat(refusing.has(A)).isTrue();
    }

    @Test
    void anEndedTunnelIsForgottenReportedAndMarkedLostUntilANewOne() {
        a.open(B);
        pipe.pump();
        assertThat(a.end(B, "S2CF")).isTrue();
        assertThat(a.end(B, "S2CF")).as("only once").isFalse();
        assertThat(a.has(B)).isFalse();
        assertThat(a.wasLost(B)).isTrue();
        assertThat(a.sendSealed(B, utf8("x"))).isFalse();
        assertThat(pipe.ended).hasSize(1);
        assertThat(a.stats().tunnelsEnded()).isEqualTo(1);
        a.open(B);
        pipe.pump();
        assertThat(a.wasLost(B)).as("a new tunnel clears it").isFalse();
    }

    @Test
    void ourOwnFrameReflectedBackIsRefusedAndCounted() {
        a.open(B);
        pipe.pump();
        assertThat(a.sendSealed(B, utf8("mine"))).isTrue();
        pipe.pump();
        byte[] own = pipe.lastAt(B).data();
        assertThatThrownBy(() -> a.openFrame(B, own)).isInstanceOf(TunnelException.class)
                .extracting(e -> ((TunnelException) e).reason()).isEqualTo(TunnelException.Reason.REFLECTED);
        assertThat(a.stats().framesReflected()).isEqualTo(1);
        assertThat(b.openFrame(A, own).plaintext()).isEqualTo(utf8("mine"));
    }
}
