package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.DospClient;
import io.dosp.client.IdentityVerifier;
import io.dosp.client.Incoming;
import io.dosp.client.KnownPeers;
import io.dosp.client.TrustMode;
import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.TunnelInfo;
import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.Identity;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelHandshake;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.testkit.MitmRelay;
import io.dosp.testkit.RawClient;
import java.security.SecureRandom;
import java.time.Clock;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Identity-bound tunnels against an active man in the middle ({@link MitmRelay}: a malicious
 * server that swaps the ephemeral keys of every hello), trust on first use, pinning by
 * fingerprint, and vouches, through a real server and real clients.
 */
class TunnelIdentityIT {
    private static final String SECRET = "the secret";

    @TempDir
    Path tmp;

    /** Identity mismatches a listener heard. */
    static final class Mismatches implements ClientListener {
        final List<TunnelIdentityException> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onTunnelIdentityMismatch(Vip peer, TunnelIdentityException e) {
            seen.add(e);
        }
    }

    private static DospClient client(DospServer server, Consumer<io.dosp.client.IdentityOptions.Builder> identity) {
        return DospClient.connect(TestServers.options(server).identity(identity).build());
    }

    private static String text(Incoming in) {
        assertThat(in).as("a message arrived").isNotNull();
        return in.text();
    }

    @Test
    void withoutIdentitiesTheRelayReadsEverythingAndTheTunnelsSayUnauthenticated() {
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = TestServers.client(server);
             DospClient bob = TestServers.client(server)) {
            MitmRelay relay = MitmRelay.on(server).forgery(MitmRelay.Forgery.STRIP).active(true);
            alice.openTunnel(bob.vip()); // first contact: nothing pinned, the hellos look like a reference client's
            alice.send(bob.vip(), SECRET);
            Incoming in = bob.receive(Duration.ofSeconds(5));
            assertThat(text(in)).isEqualTo(SECRET);
            assertThat(in.tunneled()).as("bob thinks it came through a tunnel").isTrue();
            await().atMost(TestServers.AWAIT).until(() -> relay.plaintexts().contains(SECRET));
            assertThat(relay.hellosSwapped()).isEqualTo(2);
            // ... and that is what the API says about these tunnels
            TunnelInfo atAlice = alice.tunnelInfo(bob.vip()).orElseThrow();
            assertThat(atAlice.trust()).isEqualTo(TunnelInfo.Trust.UNAUTHENTICATED);
            assertThat(atAlice.authenticated()).isFalse();
            assertThat(atAlice.describe()).isEqualTo("unauthenticated (peer has no identity)");
            await().atMost(TestServers.AWAIT).until(() -> bob.tunnelInfo(alice.vip()).isPresent());
            assertThat(bob.tunnelInfo(alice.vip()).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.UNAUTHENTICATED);
        }
    }

    @ParameterizedTest
    @EnumSource(MitmRelay.Forgery.class)
    void aRelayThatSwapsTheKeysOfPinnedPeersIsDetectedAndGetsNoPlaintext(MitmRelay.Forgery forgery) {
        Mismatches atAlice = new Mismatches();
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = TestServers.client(server);
             DospClient bob = TestServers.client(server)) {
            MitmRelay relay = MitmRelay.on(server).forgery(forgery);
            alice.addListener(atAlice);
            // A clean first contact: both sides pin each other (trust on first use, the default).
            alice.openTunnel(bob.vip());
            alice.send(bob.vip(), "hello");
            assertThat(text(bob.receive(Duration.ofSeconds(5)))).isEqualTo("hello");
            assertThat(alice.tunnelInfo(bob.vip()).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.TRUSTED_ON_FIRST_USE);
            assertThat(alice.tunnelInfo(bob.vip()).orElseThrow().fingerprint()).contains(bob.fingerprint());
            assertThat(alice.knownPeers().pinned(server.localAddress().getHostString() + ":" + server.port(), bob.vip()))
                    .contains(bob.fingerprint());
            await().atMost(TestServers.AWAIT).until(() -> bob.tunnelInfo(alice.vip()).isPresent());
            assertThat(bob.tunnelInfo(alice.vip()).orElseThrow().fingerprint()).contains(alice.fingerprint());

            // Now the server turns malicious and the tunnel is opened again.
            alice.closeTunnel(bob.vip());
            bob.closeTunnel(alice.vip());
            relay.active(true);
            TunnelIdentityException e = (TunnelIdentityException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> alice.openTunnel(bob.vip()));
            assertThat(e).as("the open fails with the typed error").isNotNull();
            assertThat(e.peer()).isEqualTo(bob.vip());
            if (forgery == MitmRelay.Forgery.CLAIM_PEER) {
                assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.BAD_SIGNATURE);
                assertThat(alice.tunnelStats().identitiesRefused()).isEqualTo(1);
            } else {
                assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.MISMATCH);
                assertThat(e.expected()).contains(bob.fingerprint());
                assertThat(e.presented()).isEqualTo(forgery == MitmRelay.Forgery.RESIGN
                        ? Optional.of(relay.identity().fingerprint()) : Optional.empty());
                assertThat(e.getMessage()).contains("PEER IDENTIFICATION HAS CHANGED").contains(bob.fingerprint().toString());
                await().atMost(TestServers.AWAIT).until(() -> atAlice.seen.size() == 1);
                assertThat(atAlice.seen.get(0).expected()).contains(bob.fingerprint());
                assertThat(alice.tunnelStats().identityMismatches()).isEqualTo(1);
            }
            // bob refused the relay's hello "from alice" too
            await().atMost(TestServers.AWAIT).until(() -> bob.tunnelStats().identityMismatches()
                    + bob.tunnelStats().identitiesRefused() == 1);
            assertThat(alice.hasTunnel(bob.vip())).isFalse();
            assertThat(bob.hasTunnel(alice.vip())).isFalse();

            // Nothing goes out in plaintext instead: the next send re-opens, is refused again, sends nothing.
            assertThatThrownBy(() -> alice.send(bob.vip(), SECRET)).isInstanceOf(TunnelIdentityException.class);
            assertThatThrownBy(() -> alice.sendSecure(bob.vip(), SECRET.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(TunnelFailedException.class);
            alice.ping(); // the server has handled everything alice sent
            assertThat(relay.plaintexts()).isEmpty();
            assertThat(relay.sawPlain(SECRET)).as("the secret never crossed the server in the clear").isFalse();
            assertThat(bob.receive(Duration.ZERO)).isNull();
        }
    }

    @Test
    void vouchedIdentitiesDetectTheRelayOnFirstContactAndPassTheRealPeer() {
        Map<Vip, Fingerprint> vouches = new ConcurrentHashMap<>(); // what the server would vouch for (admit branch)
        Executor elsewhere = Executors.newSingleThreadExecutor();
        // An asynchronous vouch source, as a request to the server is: the handshake waits for it.
        IdentityVerifier verifier = IdentityVerifier.vouchedBy(v -> CompletableFuture.supplyAsync(
                () -> Optional.ofNullable(vouches.get(v)), elsewhere));
        Mismatches atAlice = new Mismatches();
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = client(server, i -> i.verifier(verifier).mode(TrustMode.STRICT));
             DospClient bob = client(server, i -> i.verifier(verifier).mode(TrustMode.STRICT))) {
            vouches.put(alice.vip(), alice.fingerprint());
            vouches.put(bob.vip(), bob.fingerprint());
            alice.addListener(atAlice);
            // bob answers the moment its tunnel is up: alice holds that frame until her own check is done
            bob.addListener(new ClientListener() {
                @Override
                public void onTunnelEstablished(Vip peer) {
                    bob.send(peer, "right away");
                }
            });
            MitmRelay relay = MitmRelay.on(server).forgery(MitmRelay.Forgery.RESIGN).active(true);
            assertThatThrownBy(() -> alice.openTunnel(bob.vip())).isInstanceOfSatisfying(TunnelIdentityException.class, e -> {
                assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.MISMATCH);
                assertThat(e.expected()).contains(bob.fingerprint());
                assertThat(e.presented()).contains(relay.identity().fingerprint());
            });
            await().atMost(TestServers.AWAIT).until(() -> atAlice.seen.size() == 1);
            await().atMost(TestServers.AWAIT).until(() -> bob.tunnelStats().identityMismatches() == 1);
            assertThat(relay.plaintexts()).isEmpty();

            // The relay steps aside: the real peers get through, vouched for.
            relay.active(false);
            alice.openTunnel(bob.vip());
            assertThat(alice.tunnelInfo(bob.vip()).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.VOUCHED);
            Incoming first = alice.receive(Duration.ofSeconds(5));
            assertThat(text(first)).isEqualTo("right away");
            assertThat(first.tunneled()).isTrue();
            alice.send(bob.vip(), SECRET);
            assertThat(text(bob.receive(Duration.ofSeconds(5)))).isEqualTo(SECRET);
            assertThat(bob.tunnelInfo(alice.vip()).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.VOUCHED);
            assertThat(relay.plaintexts()).isEmpty();
            assertThat(alice.rejectedTunnelFrames()).isZero();
        }
    }

    /** The next S2C a raw client receives. */
    private static S2cPacket nextS2c(RawClient raw) {
        while (true) {
            if (raw.receive() instanceof S2cPacket s) {
                return s;
            }
        }
    }

    @Test
    void aReferencePeerThatOpensWithItsExactHelloGetsATunnelMarkedUnauthenticated() {
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = TestServers.client(server);
             RawClient reference = RawClient.connect(server.port())) {
            X25519KeyPair kp = X25519KeyPair.generate();
            TunnelHello hello = TunnelHello.create(kp, Clock.systemUTC(), new SecureRandom());
            byte[] exact = hello.encode(); // what the Python client sends: 15 sid ts key, 49 bytes, nothing after
            assertThat(exact).hasSize(49);
            reference.send(Packets.s2c(alice.vip(), exact));
            S2cPacket answer = nextS2c(reference);
            assertThat(answer.dataLength()).as("our answer: 49 bytes, role, identity block").isEqualTo(147);
            // the reference reads payload[17:49] as the key and ignores the rest
            TunnelCipher ref = new TunnelCipher(TunnelHandshake.deriveKeys(kp, hello, TunnelHello.parse(answer.data()), true));
            reference.send(Packets.s2c(alice.vip(), ref.seal("from the reference".getBytes(StandardCharsets.UTF_8))));
            Incoming in = alice.receive(Duration.ofSeconds(5));
            assertThat(text(in)).isEqualTo("from the reference");
            assertThat(in.tunneled()).isTrue();
            TunnelInfo info = alice.tunnelInfo(reference.vip()).orElseThrow();
            assertThat(info.trust()).isEqualTo(TunnelInfo.Trust.UNAUTHENTICATED);
            assertThat(info.fingerprint()).isEmpty();
            alice.send(reference.vip(), "back to you");
            assertThat(new String(ref.open(nextS2c(reference).data()), StandardCharsets.UTF_8)).isEqualTo("back to you");
            assertThat(alice.tunnelStats().unauthenticated()).isEqualTo(1);
        }
    }

    @Test
    void aReferencePeerAnswersOurHelloWithItsExactAnswerAndTheTunnelIsUnauthenticated() throws Exception {
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = TestServers.client(server);
             RawClient reference = RawClient.connect(server.port())) {
            CompletableFuture<Void> open = alice.openTunnelAsync(reference.vip());
            S2cPacket ours = nextS2c(reference);
            assertThat(ours.dataLength()).isEqualTo(147);
            assertThat(TunnelHandshake.classify(ours.data())).isEqualTo(TunnelHandshake.Kind.DH_HELLO);
            TunnelHello theirs = TunnelHello.parse(ours.data()); // the reference: payload[1:49]
            X25519KeyPair kp = X25519KeyPair.generate();
            TunnelHello reply = TunnelHello.create(kp, Clock.systemUTC(), new SecureRandom());
            reference.send(Packets.s2c(alice.vip(), reply.encode())); // 49 bytes, no role byte, no identity
            open.get(5, java.util.concurrent.TimeUnit.SECONDS);
            TunnelCipher ref = new TunnelCipher(TunnelHandshake.deriveKeys(kp, theirs, reply, false));
            alice.send(reference.vip(), "hello reference");
            assertThat(new String(ref.open(nextS2c(reference).data()), StandardCharsets.UTF_8)).isEqualTo("hello reference");
            reference.send(Packets.s2c(alice.vip(), ref.seal("hello alice".getBytes(StandardCharsets.UTF_8))));
            assertThat(text(alice.receive(Duration.ofSeconds(5)))).isEqualTo("hello alice");
            assertThat(alice.tunnelInfo(reference.vip()).orElseThrow().describe())
                    .isEqualTo("unauthenticated (peer has no identity)");
        }
    }

    @Test
    void trustOnFirstUseRefusesAnotherIdentityOnAPinnedVip() {
        Mismatches atAlice = new Mismatches();
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = TestServers.client(server)) {
            alice.addListener(atAlice);
            Vip bobVip;
            Fingerprint bobFp;
            try (DospClient bob = TestServers.client(server)) {
                bobVip = bob.vip();
                bobFp = bob.fingerprint();
                bob.openTunnel(alice.vip());
                bob.send(alice.vip(), "from bob");
                assertThat(text(alice.receive(Duration.ofSeconds(5)))).isEqualTo("from bob");
                assertThat(alice.tunnelInfo(bobVip).orElseThrow().describe()).isEqualTo(bobFp + " (new, trusted on first use)");
            }
            // bob is gone; without a quarantine a newcomer takes his vIP by RQIP, with an identity of its own
            try (DospClient newcomer = DospClient.connect(TestServers.options(server).requestVip(bobVip, true).build())) {
                assertThat(newcomer.vip()).isEqualTo(bobVip);
                assertThatThrownBy(() -> newcomer.openTunnel(alice.vip())).isInstanceOf(TunnelFailedException.class)
                        .hasMessageContaining("Tunnel identity refused");
                await().atMost(TestServers.AWAIT).until(() -> atAlice.seen.size() == 1);
                TunnelIdentityException seen = atAlice.seen.get(0);
                assertThat(seen.expected()).contains(bobFp);
                assertThat(seen.presented()).contains(newcomer.fingerprint());
                // alice's tunnel with bob is stale (nobody sent since he left); forgotten, a new open meets the
                // newcomer's identity and gets the typed error
                alice.closeTunnel(bobVip);
                assertThatThrownBy(() -> alice.openTunnel(bobVip)).isInstanceOfSatisfying(TunnelIdentityException.class,
                        e -> assertThat(e.presented()).contains(newcomer.fingerprint()));
                assertThat(alice.tunnelStats().identityMismatches()).isEqualTo(2);
                assertThat(alice.hasTunnel(bobVip)).isFalse();
                assertThat(newcomer.receive(Duration.ZERO)).as("no message from alice reached the newcomer").isNull();
                // alice decides the newcomer is fine: pin it, and the tunnel opens
                alice.trust(bobVip, newcomer.fingerprint());
                alice.openTunnel(bobVip);
                assertThat(alice.tunnelInfo(bobVip).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.PINNED);
            }
        }
    }

    @Test
    void aRestartedPeerWithItsIdentityFileIsTheSamePeer() {
        Path bobKey = tmp.resolve("bob/identity");
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = TestServers.client(server)) {
            Vip bobVip;
            try (DospClient bob = client(server, i -> i.identityFile(bobKey))) {
                bobVip = bob.vip();
                bob.openTunnel(alice.vip());
            }
            try (DospClient bob2 = DospClient.connect(TestServers.options(server).requestVip(bobVip, true)
                    .identity(i -> i.identityFile(bobKey)).build())) {
                bob2.openTunnel(alice.vip());
                bob2.send(alice.vip(), "second life");
                assertThat(text(alice.receive(Duration.ofSeconds(5)))).isEqualTo("second life");
                assertThat(alice.tunnelInfo(bobVip).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.PINNED);
                assertThat(alice.tunnelStats().identityMismatches()).isZero();
            }
        }
    }

    @Test
    void openTunnelWithAFingerprintSucceedsOnlyWithThatIdentity() {
        try (DospServer server = TestServers.start(tmp);
             DospClient alice = client(server, i -> i.mode(TrustMode.STRICT));
             DospClient bob = TestServers.client(server)) {
            Fingerprint wrong = Identity.generate().fingerprint();
            assertThatThrownBy(() -> alice.openTunnel(bob.vip(), wrong)).isInstanceOfSatisfying(TunnelIdentityException.class, e -> {
                assertThat(e.expected()).contains(wrong);
                assertThat(e.presented()).contains(bob.fingerprint());
            });
            assertThat(alice.hasTunnel(bob.vip())).isFalse();
            alice.openTunnel(bob.vip(), bob.fingerprint());
            assertThat(alice.tunnelInfo(bob.vip()).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.PINNED);
            alice.openTunnel(bob.vip(), bob.fingerprint()); // the tunnel is there: at once
            assertThatThrownBy(() -> alice.openTunnel(bob.vip(), wrong)).as("the open tunnel is someone else")
                    .isInstanceOf(TunnelIdentityException.class);
            assertThat(alice.hasTunnel(bob.vip())).as("and it stays").isTrue();
            alice.send(bob.vip(), SECRET);
            assertThat(text(bob.receive(Duration.ofSeconds(5)))).isEqualTo(SECRET);
        }
    }

    @Test
    void strictRefusesUnknownPeersAndTheKnownPeersFileKeepsPins() throws Exception {
        Path known = tmp.resolve("dosp/known_peers");
        try (DospServer server = TestServers.start(tmp);
             // error replies within a budget of 1/s per peer: this test draws two refusals from alice at once
             DospClient alice = DospClient.connect(TestServers.options(server).tunnels(t -> t.errorReplyRate(10, 10))
                     .identity(i -> i.mode(TrustMode.STRICT).knownPeers(KnownPeers.file(known))).build());
             DospClient bob = TestServers.client(server)) {
            assertThatThrownBy(() -> alice.openTunnel(bob.vip())).isInstanceOfSatisfying(TunnelIdentityException.class,
                    e -> assertThat(e.problem()).isEqualTo(TunnelIdentityException.Problem.UNTRUSTED));
            // bob had answered alice's hello; her refusal ended that half-open tunnel at bob's
            await().atMost(TestServers.AWAIT).until(() -> !bob.hasTunnel(alice.vip()));
            assertThatThrownBy(() -> bob.openTunnel(alice.vip())).isInstanceOf(TunnelFailedException.class)
                    .hasMessageContaining("Tunnel identity refused");
            alice.trust(bob.vip(), bob.fingerprint());
            assertThat(alice.knownPeers().flush()).isTrue();
            assertThat(Files.readString(known)).contains(server.localAddress().getHostString() + ":" + server.port() + " "
                    + bob.vip() + " " + bob.fingerprint());
            alice.openTunnel(bob.vip());
            assertThat(alice.tunnelInfo(bob.vip()).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.PINNED);
            assertThat(KnownPeers.file(known).pinned(server.localAddress().getHostString() + ":" + server.port(), bob.vip()))
                    .as("read back").contains(bob.fingerprint());
        }
    }
}
