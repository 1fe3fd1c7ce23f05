package io.dosp.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.IdentityOptions;
import io.dosp.client.IdentityVerifier;
import io.dosp.client.KnownPeers;
import io.dosp.client.TrustMode;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.TunnelInfo;
import io.dosp.client.TunnelOptions;
import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.Identity;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity checks of tunnel handshakes between managers on the in-memory pipe: tampered
 * blocks, stripped identities, the verifier's asynchronous answer (and the frames held meanwhile),
 * and the known-peers file.
 */
class TunnelTrustTest {
    private static final Vip A = Vip.parse("7.10.0.2");
    private static final Vip B = Vip.parse("7.10.0.3");

    private final TunnelManagerTest.Pipe pipe = new TunnelManagerTest.Pipe();

    @TempDir
    Path tmp;

    private static TunnelGuard guard() {
        return new TunnelGuard(TunnelOptions.builder().handshakeRate(100, 100).errorReplyRate(100, 100).build());
    }

    @Test
    void aTamperedOpeningHelloIsRefusedWithAnErrorAndCounted() {
        TunnelManager a = pipe.attach(A);
        TunnelManager b = pipe.attach(B);
        CompletableFuture<Void> open = a.open(B);
        TunnelManagerTest.Delivery hello = pipe.inFlight.remove();
        byte[] swapped = hello.data().clone();
        swapped[20] ^= 0x01; // a bit of the X25519 key, as a relay that swaps it would change it
        b.onHandshake(A, swapped);
        assertThat(b.has(A)).isFalse();
        TunnelManagerTest.Delivery reply = pipe.inFlight.remove();
        assertThat(TunnelHandshake.parseErrorReason(reply.data())).isEqualTo(TunnelManager.BAD_IDENTITY_REASON);
        assertThat(b.stats().identitiesRefused()).isEqualTo(1);
        assertThat(b.stats().handshakesAnswered()).isZero();
        a.onHandshake(B, reply.data());
        assertThat(open).isCompletedExceptionally();
    }

    @Test
    void aTamperedAnswerFailsOurOpenTypedAndTheVipIsNeverPlainAfterwards() {
        TunnelManager a = pipe.attach(A);
        pipe.attach(B);
        CompletableFuture<Void> open = a.open(B);
        pipe.managers.get(B).onHandshake(A, pipe.inFlight.remove().data());
        byte[] answer = pipe.inFlight.remove().data().clone();
        answer[140] ^= 0x40; // in the signature
        a.onHandshake(B, answer);
        assertThatThrownBy(open::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(TunnelIdentityException.class,
                        e -> assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.BAD_SIGNATURE));
        assertThat(a.has(B)).isFalse();
        assertThat(a.wasLost(B)).as("the next send re-opens, never plain").isTrue();
        assertThat(a.stats().identitiesRefused()).isEqualTo(1);
    }

    @Test
    void aPinnedPeerThatComesBackWithoutAnIdentityIsAMismatch() {
        TunnelManager a = pipe.attach(A);
        TunnelManager b = pipe.attach(B);
        a.open(B);
        pipe.pump();
        assertThat(b.info(A).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.TRUSTED_ON_FIRST_USE);
        b.remove(A);
        // the same vIP, a bare reference-style hello (what a relay that strips the block sends)
        byte[] bare = Arrays.copyOf(freshHelloFrom(pipe.attachNewcomer(A)), TunnelHandshake.HELLO_LENGTH);
        pipe.inFlight.clear();
        b.onHandshake(A, bare);
        assertThat(b.has(A)).isFalse();
        assertThat(pipe.identityRefusals).containsExactly(B + "-" + A + ":MISMATCH");
        assertThat(b.stats().identityMismatches()).isEqualTo(1);
        assertThat(TunnelHandshake.parseErrorReason(pipe.inFlight.remove().data()))
                .isEqualTo(TunnelManager.IDENTITY_REFUSED_REASON);
    }

    private byte[] freshHelloFrom(TunnelManager m) {
        m.open(B);
        return pipe.inFlight.remove().data();
    }

    @Test
    void inTrustModeOffAnythingGoesAndNothingIsPinned() {
        pipe.identityOptions = IdentityOptions.builder().mode(TrustMode.OFF).build();
        TunnelManager a = pipe.attach(A);
        TunnelManager b = pipe.attach(B);
        a.open(B);
        pipe.pump();
        assertThat(a.info(B).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.UNPINNED);
        TunnelManager other = pipe.attachNewcomer(A);
        other.open(B);
        pipe.pump();
        assertThat(pipe.replaced).as("another identity replaces the tunnel").hasSize(1);
        assertThat(b.info(A).orElseThrow().fingerprint()).contains(pipe.identities.get(A).fingerprint());
    }

    @Test
    void anAsynchronousVerifierHoldsTheResponderFramesUntilItsVerdict() {
        CompletableFuture<IdentityVerifier.Verdict> verdict = new CompletableFuture<>();
        Queue<Runnable> loop = new ArrayDeque<>();
        IdentityOptions withVerifier = IdentityOptions.builder().verifier((server, peer, presented) -> verdict).build();
        TunnelManager a = pipe.attach(A, guard(), new TunnelIdentity(Identity.generate(), withVerifier, "pipe:1",
                Duration.ofSeconds(30)), loop::add);
        List<String> delivered = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        a.heldFrames(new TunnelManager.HeldFrames() {
            @Override
            public void opened(Vip peer, TunnelManager.Opened opened) {
                delivered.add(new String(opened.plaintext(), StandardCharsets.UTF_8));
            }

            @Override
            public void rejected(Vip peer, TunnelException e) {
                rejected.add(e.getMessage());
            }
        });
        TunnelManager b = pipe.attach(B);
        CompletableFuture<Void> open = a.open(B);
        pipe.pump(); // B answers at once and has its tunnel; A waits for the verdict
        assertThat(open).isNotDone();
        assertThat(a.has(B)).isFalse();
        assertThat(b.sendSealed(A, "early".getBytes(StandardCharsets.UTF_8))).isTrue();
        pipe.pump();
        assertThat(a.openFrame(B, pipe.lastAt(A).data())).as("held, not delivered").isSameAs(TunnelManager.HELD);
        assertThat(a.sendSealed(B, new byte[1])).as("no tunnel to seal with before the verdict").isFalse();
        verdict.complete(IdentityVerifier.Verdict.vouched());
        assertThat(open).isNotDone();
        loop.remove().run(); // the decision continues on the I/O thread
        assertThat(open).isCompleted();
        assertThat(delivered).containsExactly("early");
        assertThat(rejected).isEmpty();
        assertThat(a.info(B).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.VOUCHED);
        assertThat(b.sendSealed(A, "later".getBytes(StandardCharsets.UTF_8))).isTrue();
        pipe.pump();
        assertThat(new String(a.openFrame(B, pipe.lastAt(A).data()).plaintext(), StandardCharsets.UTF_8)).isEqualTo("later");
    }

    @Test
    void aVerifierThatRefusesOrFailsRefusesTheTunnel() {
        Fingerprint real = Identity.generate().fingerprint();
        IdentityOptions refusing = IdentityOptions.builder().verifier(IdentityVerifier.vouchedBy(
                v -> CompletableFuture.completedFuture(Optional.of(real)))).build();
        TunnelManager a = pipe.attach(A, guard(), new TunnelIdentity(Identity.generate(), refusing, "pipe:1",
                Duration.ofSeconds(30)), Runnable::run);
        pipe.attach(B);
        CompletableFuture<Void> open = a.open(B);
        pipe.pump();
        assertThatThrownBy(open::get).cause().isInstanceOfSatisfying(TunnelIdentityException.class, e -> {
            assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.MISMATCH);
            assertThat(e.expected()).contains(real);
        });
        IdentityOptions failing = IdentityOptions.builder().verifier((s, p, f) -> {
            throw new IllegalStateException("vouch service down");
        }).build();
        TunnelManager c = pipe.attach(Vip.parse("7.10.0.4"), guard(), new TunnelIdentity(Identity.generate(), failing,
                "pipe:1", Duration.ofSeconds(30)), Runnable::run);
        CompletableFuture<Void> open2 = c.open(B);
        pipe.pump();
        assertThatThrownBy(open2::get).cause().isInstanceOfSatisfying(TunnelIdentityException.class, e -> {
            assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.CHECK_FAILED);
            assertThat(e.getMessage()).contains("vouch service down");
        });
    }

    @Test
    void theKnownPeersFileAppendsRewritesAndSkipsBadLines() throws Exception {
        Path file = tmp.resolve("d/known_peers");
        KnownPeers k = KnownPeers.file(file);
        Fingerprint one = Identity.generate().fingerprint();
        Fingerprint two = Identity.generate().fingerprint();
        assertThat(k.pinned("Host:1", A)).isEmpty();
        assertThat(k.pin("Host:1", A, one)).isTrue();
        assertThat(k.pin("host:1", B, two)).isTrue();
        assertThat(k.flush()).isTrue();
        assertThat(Files.readAllLines(file)).filteredOn(l -> !l.startsWith("#"))
                .containsExactly("host:1 " + A + " " + one, "host:1 " + B + " " + two);
        assertThat(k.pinned("HOST:1", A)).as("server names ignore case").contains(one);
        k.pin("host:1", A, two);
        assertThat(k.forget("host:1", B)).isTrue();
        assertThat(k.flush()).isTrue();
        assertThat(Files.readAllLines(file)).filteredOn(l -> !l.startsWith("#")).containsExactly("host:1 " + A + " " + two);
        Files.writeString(file, "garbage line\nhost:2 7.10.0.9 SHA256:short\nhost:3 " + B + " " + one + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        KnownPeers again = KnownPeers.file(file);
        assertThat(again.size()).isEqualTo(2);
        assertThat(again.pinned("host:3", B)).contains(one);
        assertThat(again.pinned("host:1", A)).contains(two);
        assertThatThrownBy(() -> k.pin("a b", A, one)).isInstanceOf(IllegalArgumentException.class);
    }
}
