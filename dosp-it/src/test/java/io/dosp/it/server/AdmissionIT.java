package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.client.LoginFailedException;
import io.dosp.client.LoginRequiredException;
import io.dosp.client.TunnelFailedException;
import io.dosp.client.TunnelIdentityException;
import io.dosp.client.TunnelInfo;
import io.dosp.client.VipRefusedException;
import io.dosp.client.Vouch;
import io.dosp.crypto.Identity;
import io.dosp.crypto.Scram;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Login;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.AdmissionConfig;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.Expect;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.MitmRelay;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client admission over real sockets: users with fixed vIPs, grants between them, revocation, limits on failed logins,
 * what a client without credentials and a reference-style client get, and vouching.
 */
class AdmissionIT {
    private static final Vip ALICE = Vip.parse("7.10.0.20");
    private static final Vip BOB = Vip.parse("7.10.0.21");
    private static final Vip CAROL = Vip.parse("7.10.0.22");
    private static final byte[] SALT = "admission-it-salt".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** A users-file line; 4096 iterations keep the test fast (production verifiers use 100,000). */
    private static String user(String name, String password, String attributes) {
        return AdmissionConfig.User.parseLine("user " + name + " "
                + Scram.verifier(password.toCharArray(), SALT, 4096).encode() + " " + attributes).toLine();
    }

    private Path usersFile() throws Exception {
        Path f = tmp.resolve("users");
        Files.write(f, List.of(
                "# users of AdmissionIT",
                user("alice", "alice-pw", "vip=7.10.0.20 admin groups=ops"),
                user("bob", "bob-pw", "vip=7.10.0.21 groups=devices"),
                user("carol", "carol-pw", "vip=7.10.0.22 groups=other"),
                user("dave", "dave-pw", "groups=ops"),
                "grant group:ops -> user:bob, group:ops",
                "grant user:bob -> group:ops"));
        return f;
    }

    private DospServer start(Consumer<AdmissionConfig.Builder> edit) throws Exception {
        Path users = usersFile();
        return TestServers.start(tmp, b -> b.admission(a -> {
            a.enabled(true).usersFile(users).loginTimeout(Duration.ofSeconds(10));
            edit.accept(a);
        }));
    }

    private static ClientOptions.Builder as(DospServer server, String user, String password) {
        return TestServers.options(server).login(user, password.toCharArray());
    }

    @Test
    void usersGetTheirFixedVipOnEveryConnectAndReconnectAndRqipElsewhereIsRefused() throws Exception {
        try (DospServer server = start(a -> { })) {
            try (DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build())) {
                assertThat(alice.vip()).isEqualTo(ALICE);
                assertThat(alice.loginUser()).contains("alice");
                assertThat(alice.extensions()).contains(Ext.FEATURE_AUTH, Ext.FEATURE_VOUCH);
                assertThatThrownBy(() -> alice.requestVip(Vip.parse("7.10.0.50"))).isInstanceOf(VipRefusedException.class)
                        .hasMessageContaining("fixed for this user");
                assertThat(alice.requestVip(ALICE)).isEqualTo(ALICE);
            }
            try (DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build())) {
                assertThat(alice.vip()).as("the same vIP again, at once (no quarantine for a user's own vIP)")
                        .isEqualTo(ALICE);
            }
            // Another client may not take a user's fixed vIP, not even while its user is away.
            try (DospClient dave = DospClient.connect(as(server, "dave", "dave-pw").build())) {
                assertThat(dave.vip()).isNotIn(ALICE, BOB, CAROL);
                assertThatThrownBy(() -> dave.requestVip(BOB)).isInstanceOf(VipRefusedException.class)
                        .hasMessageContaining("reserved for a user");
            }
            // A reconnect after a network loss logs in again and lands on the same vIP.
            List<Vip> reconnected = new CopyOnWriteArrayList<>();
            try (DospClient bob = DospClient.connect(as(server, "bob", "bob-pw")
                    .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(200))).build())) {
                bob.addListener(new ClientListener() {
                    @Override
                    public void onReconnected(Vip vip) {
                        reconnected.add(vip);
                    }
                });
                assertThat(bob.vip()).isEqualTo(BOB);
                server.clients().stream().filter(c -> c.vip().equals(BOB)).findFirst().orElseThrow()
                        .disconnect("test: connection reset");
                await().atMost(TestServers.AWAIT).until(() -> !reconnected.isEmpty());
                assertThat(reconnected).containsExactly(BOB);
                assertThat(bob.vip()).isEqualTo(BOB);
                assertThat(bob.ping()).isPositive();
            }
        }
    }

    @Test
    void grantsAllowAliceToBobAndRefuseAliceToCarolWithAnErrToTheSender() throws Exception {
        try (DospServer server = start(a -> { });
                DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build());
                DospClient bob = DospClient.connect(as(server, "bob", "bob-pw").build());
                DospClient carol = DospClient.connect(as(server, "carol", "carol-pw").build())) {
            List<ErrorReply> errors = new CopyOnWriteArrayList<>();
            alice.addListener(new ClientListener() {
                @Override
                public void onError(ErrorReply error) {
                    errors.add(error);
                }
            });
            alice.send(BOB, "hello bob");
            Incoming got = bob.receive(Duration.ofSeconds(10));
            assertThat(got.text()).isEqualTo("hello bob");
            assertThat(got.source()).contains(ALICE);
            alice.send(CAROL, "hello carol");
            await().atMost(TestServers.AWAIT).until(() -> !errors.isEmpty());
            assertThat(errors.get(0).code()).isEqualTo(ErrCode.S2CF);
            assertThat(errors.get(0).failedDst()).contains(CAROL);
            assertThat(errors.get(0).failureReason()).isEqualTo("not allowed by the admission policy");
            assertThat(server.stats().drops(DropReason.NOT_ALLOWED)).isEqualTo(1);
            // The server refused it before routing (alice's ERR came after): carol has nothing queued.
            assertThat(carol.ping()).isPositive();
            assertThat(carol.receive(Duration.ZERO)).isNull();
            // Bob may answer alice (grant user:bob -> group:ops); carol may reach nobody.
            bob.send(ALICE, "hi alice");
            assertThat(nextS2c(alice).text()).isEqualTo("hi alice"); // after the ERR, which the queue has too
            // GCL lists what each may reach, and itself.
            assertThat(alice.clients()).containsExactlyInAnyOrder(ALICE, BOB);
            assertThat(carol.clients()).containsExactly(CAROL);
            // A tunnel is S2C too: alice and bob open one; alice cannot open one to carol.
            alice.openTunnel(BOB);
            alice.sendSecure(BOB, "sealed".getBytes(StandardCharsets.UTF_8));
            assertThat(bob.receive(Duration.ofSeconds(10)).text()).isEqualTo("sealed");
            assertThatThrownBy(() -> alice.openTunnel(CAROL)).hasMessageContaining("not allowed by the admission policy");
        }
    }

    /** The next S2C message (skipping the ERRs the receive queue also holds). */
    private static Incoming nextS2c(DospClient c) {
        for (;;) {
            Incoming in = c.receive(Duration.ofSeconds(10));
            assertThat(in).as("an S2C within 10 s").isNotNull();
            if (in.isS2c()) {
                return in;
            }
        }
    }

    /** The grants hold on the S2C fast path (one event loop: frames between clients are routed as bytes) and off it. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void grantsHoldWithTheFastPathOnAndOff(boolean fastPath) throws Exception {
        System.setProperty("dosp.s2cFastPath", Boolean.toString(fastPath));
        Path users = usersFile();
        try (DospServer server = TestServers.start(tmp, b -> b.workerThreads(1)
                        .admission(a -> a.enabled(true).usersFile(users)));
                DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build());
                DospClient bob = DospClient.connect(as(server, "bob", "bob-pw").build());
                DospClient carol = DospClient.connect(as(server, "carol", "carol-pw").build())) {
            List<ErrorReply> errors = new CopyOnWriteArrayList<>();
            alice.addListener(new ClientListener() {
                @Override
                public void onError(ErrorReply error) {
                    errors.add(error);
                }
            });
            for (int i = 0; i < 20; i++) {
                alice.send(BOB, "to bob " + i);
                alice.send(CAROL, "to carol " + i);
            }
            for (int i = 0; i < 20; i++) {
                assertThat(nextS2c(bob).text()).isEqualTo("to bob " + i);
            }
            await().atMost(TestServers.AWAIT).until(() -> errors.size() == 20);
            assertThat(errors).allSatisfy(e -> assertThat(e.failureReason()).isEqualTo("not allowed by the admission policy"));
            assertThat(server.stats().drops(DropReason.NOT_ALLOWED)).isEqualTo(20);
            assertThat(carol.ping()).isPositive();
            assertThat(carol.receive(Duration.ZERO)).isNull();
        } finally {
            System.clearProperty("dosp.s2cFastPath");
        }
    }

    @Test
    void revokeEndsTheSessionAndRefusesTheNextLoginUntilUnrevoked() throws Exception {
        try (DospServer server = start(a -> { });
                DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build())) {
            List<DisconnectedException> ended = new CopyOnWriteArrayList<>();
            DospClient bob = DospClient.connect(as(server, "bob", "bob-pw")
                    .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(200))).build());
            try (bob) {
                bob.addListener(new ClientListener() {
                    @Override
                    public void onDisconnected(DisconnectedException cause) {
                        ended.add(cause);
                    }
                });
                // alice is an admin user: her login made the session admin, no AUTH needed.
                assertThat(alice.admin().command("users")).contains("bob vip=7.10.0.21 groups=devices online=7.10.0.21");
                assertThat(alice.admin().command("revoke bob")).isEqualTo("Revoked bob; 1 session(s) ended");
                await().atMost(TestServers.AWAIT).until(() -> !ended.isEmpty());
                assertThat(ended.get(0).serverReason()).isEqualTo(ServerExitReason.ACCESS_REVOKED.text());
                assertThat(ServerExitReason.of(ended.get(0).serverReason()).reconnect()).isFalse();
            }
            assertThatThrownBy(() -> DospClient.connect(as(server, "bob", "bob-pw").build()))
                    .isInstanceOfSatisfying(LoginFailedException.class,
                            e -> assertThat(e.code()).isEqualTo(Login.FailureCode.REVOKED));
            assertThat(alice.admin().command("users")).contains("bob vip=7.10.0.21 groups=devices REVOKED offline");
            assertThat(alice.admin().command("unrevoke bob")).isEqualTo("Unrevoked bob");
            try (DospClient again = DospClient.connect(as(server, "bob", "bob-pw").build())) {
                assertThat(again.vip()).isEqualTo(BOB);
            }
            assertThatThrownBy(() -> alice.admin().command("revoke nobody")).hasMessageContaining("No such user");
        }
    }

    @Test
    void wrongPasswordsAreLimitedPerAddressAndThenRefusedUnchecked() throws Exception {
        try (DospServer server = start(a -> a.maxLoginFailuresPerAddress(3).maxLoginFailuresPerUser(0))) {
            int checked = 0;
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> DospClient.connect(as(server, "alice", "wrong").build()))
                        .isInstanceOfSatisfying(LoginFailedException.class,
                                e -> assertThat(e.code()).isEqualTo(Login.FailureCode.BAD_CREDENTIALS));
                checked++;
            }
            int throttled = 0;
            for (int i = 0; i < 2; i++) {
                // Past the allowance even the right password is not checked.
                assertThatThrownBy(() -> DospClient.connect(as(server, "alice", "alice-pw").build()))
                        .isInstanceOfSatisfying(LoginFailedException.class, e -> {
                            assertThat(e.code()).isEqualTo(Login.FailureCode.THROTTLED);
                            assertThat(e.reason()).contains("retry in");
                        });
                throttled++;
            }
            assertThat(server.stats().drops(DropReason.LOGIN_FAILED)).isEqualTo(checked);
            assertThat(server.stats().drops(DropReason.LOGIN_THROTTLED)).isEqualTo(throttled);
        }
    }

    @Test
    void wrongPasswordsAreLimitedPerUserWhileOtherUsersStillLogIn() throws Exception {
        try (DospServer server = start(a -> a.maxLoginFailuresPerAddress(0).maxLoginFailuresPerUser(2))) {
            for (String guess : List.of("guess1", "guess2")) {
                assertThatThrownBy(() -> DospClient.connect(as(server, "carol", guess).build()))
                        .isInstanceOf(LoginFailedException.class).hasMessageContaining("Wrong user name or password");
            }
            assertThatThrownBy(() -> DospClient.connect(as(server, "carol", "carol-pw").build()))
                    .isInstanceOfSatisfying(LoginFailedException.class,
                            e -> assertThat(e.code()).isEqualTo(Login.FailureCode.THROTTLED));
            try (DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build())) {
                assertThat(alice.vip()).isEqualTo(ALICE);
            }
            // An unknown user is refused exactly like a wrong password (names cannot be probed).
            assertThatThrownBy(() -> DospClient.connect(as(server, "mallory", "x").build()))
                    .isInstanceOfSatisfying(LoginFailedException.class, e -> {
                        assertThat(e.code()).isEqualTo(Login.FailureCode.BAD_CREDENTIALS);
                        assertThat(e.reason()).isEqualTo("Wrong user name or password");
                    });
            assertThat(server.stats().drops(DropReason.LOGIN_FAILED)).isEqualTo(3);
            assertThat(server.stats().drops(DropReason.LOGIN_THROTTLED)).isEqualTo(1);
        }
    }

    @Test
    void withoutCredentialsOrWithoutHelloAClientGetsAClearRefusal() throws Exception {
        try (DospServer server = start(a -> a.loginTimeout(Duration.ofSeconds(1)))) {
            assertThatThrownBy(() -> DospClient.connect(TestServers.options(server).build()))
                    .isInstanceOf(LoginRequiredException.class).hasMessageContaining("requires a login");
            // A reference client sends CLIENT_INFO first: EXIT "Login required".
            try (RawClient ref = RawClient.connect(server.port())) {
                ref.send(Packets.clientInfo(TestServers.hash('a')));
                assertThat(ref.expectExit()).isEqualTo("Login required");
            }
            // S2C before login: the same, and nothing is routed.
            try (RawClient ref = RawClient.connect(server.port())) {
                ref.send(Packets.s2c(ALICE, "x".getBytes(StandardCharsets.UTF_8)));
                assertThat(ref.expectExit()).isEqualTo("Login required");
            }
            // PING is answered before login; silence past the login timeout ends the connection.
            try (RawClient idle = RawClient.connect(server.port())) {
                Expect.assertPingRoundTrip(idle);
                assertThat(idle.expectExit()).isEqualTo("Timed out waiting for login");
            }
            assertThat(server.stats().drops(DropReason.LOGIN_REQUIRED)).isEqualTo(3);
            // Wrong password: a typed exception from connect, no retry loop.
            assertThatThrownBy(() -> DospClient.connect(as(server, "bob", "nope")
                    .reconnect(r -> r.enabled(true)).build())).isInstanceOf(LoginFailedException.class);
        }
    }

    @Test
    void aProofFromAnotherConnectionIsRefused() throws Exception {
        try (DospServer server = start(a -> { })) {
            byte[] clientNonce = new byte[24];
            byte[] proof;
            try (RawClient first = RawClient.connect(server.port())) {
                first.send(Ext.hello(List.of(Ext.FEATURE_AUTH)));
                assertThat(Ext.features(Expect.next(first, PacketType.EXT))).contains(Ext.FEATURE_AUTH);
                first.send(new Login.Start("bob", clientNonce).frame());
                Login.Challenge ch = Login.Challenge.parse(Ext.payload(Expect.next(first, PacketType.EXT)));
                byte[] salted = Scram.saltedPassword("bob-pw".toCharArray(), ch.salt(), ch.iterations());
                proof = Scram.clientProof(salted, Login.authMessage("bob", clientNonce, ch.serverNonce(), ch.salt(),
                        ch.iterations(), first.vip()));
                // Not sent here: an eavesdropper on this connection would have it once it is.
            }
            try (RawClient replay = RawClient.connect(server.port())) {
                replay.send(Ext.hello(List.of(Ext.FEATURE_AUTH)));
                Expect.next(replay, PacketType.EXT);
                replay.send(new Login.Start("bob", clientNonce).frame());
                Expect.next(replay, PacketType.EXT); // a new server nonce
                replay.send(new Login.Proof(proof, Optional.empty(), Optional.empty()).frame());
                SimplePacket answer = Expect.next(replay, PacketType.EXT);
                assertThat(Ext.kind(answer)).isEqualTo(Login.FAILED);
                assertThat(Login.Failed.parse(Ext.payload(answer)).code()).isEqualTo(Login.FailureCode.BAD_CREDENTIALS);
                assertThat(replay.expectExit()).isEqualTo("Login failed");
            }
        }
    }

    @Test
    void theServerVouchesForLoggedInUsersAndTheirIdentityKeys() throws Exception {
        Identity identity = Identity.generate(); // alice's tunnel identity: presented at login, vouched for
        try (DospServer server = start(a -> { });
                DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").identity(i -> i.identity(identity))
                        .build());
                DospClient bob = DospClient.connect(as(server, "bob", "bob-pw").build());
                RawClient stranger = RawClient.connect(server.port())) {
            Optional<Vouch> a = bob.vouch(ALICE).get(10, TimeUnit.SECONDS);
            assertThat(a).isPresent();
            assertThat(a.get().user()).isEqualTo("alice");
            assertThat(a.get().fingerprint()).contains(identity.fingerprint().toString());
            assertThat(a.get().fingerprint()).contains(alice.fingerprint().toString());
            Optional<Vouch> b = alice.vouch(BOB).get(10, TimeUnit.SECONDS);
            assertThat(b.map(Vouch::user)).contains("bob");
            // Every client of ours has a tunnel identity (generated when none is configured) and presents it at login.
            assertThat(b.get().fingerprint()).contains(bob.fingerprint().toString());
            // A connection that has not logged in, and a vIP nobody holds: unknown.
            assertThat(bob.vouch(stranger.vip()).get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(bob.vouch(Vip.parse("7.10.0.99")).get(10, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void aRelayThatSwapsTunnelKeysIsDetectedThroughTheServersVouchOnFirstContact() throws Exception {
        // Default trust (on first use, no verifier of the application's): without the vouch the relay's identity would
        // be pinned on first contact. The relay sits in the server's packet path (a compromised relay component);
        // the vouch comes from the login, which it cannot touch.
        try (DospServer server = start(a -> { });
                DospClient alice = DospClient.connect(as(server, "alice", "alice-pw").build());
                DospClient bob = DospClient.connect(as(server, "bob", "bob-pw").build())) {
            MitmRelay relay = MitmRelay.on(server).forgery(MitmRelay.Forgery.RESIGN).active(true);
            // Whichever side checks first refuses: bob (alice's hello, re-signed by the relay, is not the key the server
            // vouches for alice) or alice (bob's answer, likewise); alice's open fails either way.
            assertThatThrownBy(() -> alice.openTunnel(BOB)).isInstanceOfSatisfying(TunnelFailedException.class, e -> {
                if (e instanceof TunnelIdentityException t) {
                    assertThat(t.problem()).isEqualTo(TunnelIdentityException.Problem.MISMATCH);
                    assertThat(t.expected()).contains(bob.fingerprint());
                    assertThat(t.presented()).contains(relay.identity().fingerprint());
                } else {
                    assertThat(e).hasMessageContaining("Tunnel identity refused");
                }
            });
            await().atMost(TestServers.AWAIT).until(() -> alice.tunnelStats().identityMismatches()
                    + bob.tunnelStats().identityMismatches() >= 1);
            assertThat(alice.hasTunnel(BOB)).isFalse();
            assertThat(relay.plaintexts()).isEmpty();
            // Nothing was pinned for the relay: once it steps aside the real peers meet, vouched for.
            relay.active(false);
            alice.openTunnel(BOB);
            assertThat(alice.tunnelInfo(BOB).orElseThrow().trust()).isEqualTo(TunnelInfo.Trust.VOUCHED);
            alice.send(BOB, "through the vouched tunnel");
            Incoming got = bob.receive(Duration.ofSeconds(5));
            assertThat(got.tunneled()).isTrue();
            assertThat(new String(got.data(), StandardCharsets.UTF_8)).isEqualTo("through the vouched tunnel");
            assertThat(relay.sawPlain("through the vouched tunnel")).isFalse();
        }
    }

    @Test
    void aSecondLoginOfTheSameUserTakesOverItsFixedVip() throws Exception {
        try (DospServer server = start(a -> { })) {
            List<DisconnectedException> ended = new CopyOnWriteArrayList<>();
            DospClient first = DospClient.connect(as(server, "bob", "bob-pw").build());
            first.addListener(new ClientListener() {
                @Override
                public void onDisconnected(DisconnectedException cause) {
                    ended.add(cause);
                }
            });
            try (first; DospClient second = DospClient.connect(as(server, "bob", "bob-pw").build())) {
                assertThat(second.vip()).isEqualTo(BOB);
                await().atMost(TestServers.AWAIT).until(() -> !ended.isEmpty());
                assertThat(ended.get(0).serverReason()).isEqualTo("Logged in from another connection");
                assertThat(second.ping()).isPositive();
                TestServers.awaitExactly(server, BOB);
            }
        }
    }

    @Test
    void anonymousClientsWhenAllowedAreRestrictedByGrants() throws Exception {
        try (DospServer server = start(a -> a.allowAnonymous(true));
                DospClient anon = DospClient.connect(TestServers.options(server).build());
                DospClient bob = DospClient.connect(as(server, "bob", "bob-pw").build())) {
            assertThat(anon.extensions()).doesNotContain(Ext.FEATURE_AUTH);
            List<ErrorReply> errors = new CopyOnWriteArrayList<>();
            anon.addListener(new ClientListener() {
                @Override
                public void onError(ErrorReply error) {
                    errors.add(error);
                }
            });
            anon.send(BOB, "from nowhere");
            await().atMost(TestServers.AWAIT).until(() -> !errors.isEmpty());
            assertThat(errors.get(0).failureReason()).isEqualTo("not allowed by the admission policy");
            assertThat(bob.vouch(anon.vip()).get(10, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void peerLinksBetweenServersWithAdmissionNeedNoLoginAndReachOnlyLoggedInClients() throws Exception {
        String aliceLine = user("alice", "alice-pw", "vip=10.1.0.20");
        String bobLine = user("bob", "bob-pw", "vip=10.2.0.20");
        try (DospServer a = DospServer.start(Mesh.config(tmp, 0).admission(x -> x.enabled(true).user(aliceLine)).build());
                DospServer b = DospServer.start(Mesh.config(tmp, 1).admission(x -> x.enabled(true).user(bobLine)).build())) {
            a.addPeer(io.dosp.protocol.PeerSpec.of("127.0.0.1", b.port()));
            await().atMost(TestServers.AWAIT).until(() -> a.peers().stream().anyMatch(p -> p.state().equals("UP"))
                    && b.peers().stream().anyMatch(p -> p.state().equals("UP")));
            await().atMost(TestServers.AWAIT).until(() -> a.routes().stream().anyMatch(r -> r.template().equals("10.2.0.x"))
                    && b.routes().stream().anyMatch(r -> r.template().equals("10.1.0.x")));
            try (DospClient alice = DospClient.connect(ClientOptions.builder().server("127.0.0.1", a.port())
                            .machineHash(TestServers.hash('a')).login("alice", "alice-pw".toCharArray()).build());
                    DospClient bob = DospClient.connect(ClientOptions.builder().server("127.0.0.1", b.port())
                            .machineHash(TestServers.hash('b')).login("bob", "bob-pw".toCharArray()).build());
                    RawClient stranger = RawClient.connect(b.port())) {
                assertThat(alice.vip()).isEqualTo(Vip.parse("10.1.0.20"));
                alice.send(bob.vip(), "across");
                Incoming in = nextS2c(bob);
                assertThat(in.text()).isEqualTo("across");
                assertThat(in.source()).contains(alice.vip());
                bob.send(alice.vip(), "back");
                assertThat(nextS2c(alice).text()).isEqualTo("back");
                List<ErrorReply> errors = new CopyOnWriteArrayList<>();
                alice.addListener(new ClientListener() {
                    @Override
                    public void onError(ErrorReply error) {
                        errors.add(error);
                    }
                });
                alice.send(stranger.vip(), "to one not logged in");
                await().atMost(TestServers.AWAIT).until(() -> !errors.isEmpty());
                assertThat(errors.get(0).failedDst()).contains(stranger.vip());
                assertThat(b.stats().drops(DropReason.NOT_ALLOWED)).isEqualTo(1);
                Expect.assertPingRoundTrip(stranger); // it got nothing but its PING answer
            }
        }
    }

    @Test
    void configurationErrorsNameTheField() throws Exception {
        Path users = tmp.resolve("bad-users");
        Files.write(users, List.of(user("x", "pw", "vip=7.10.0.20"), "user y not-a-verifier"));
        assertThatThrownBy(() -> TestServers.config(tmp).admission(a -> a.enabled(true).usersFile(users)).build())
                .hasMessageContaining("admission.usersFile").hasMessageContaining("line 2");
        Files.write(users, List.of(user("x", "pw", "vip=9.9.9.9")));
        assertThatThrownBy(() -> TestServers.config(tmp).admission(a -> a.enabled(true).usersFile(users)).build())
                .hasMessageContaining("admission.users").hasMessageContaining("not an assignable vIP");
        assertThatThrownBy(() -> ServerConfig.builder().admission(a -> a.enabled(true)).build())
                .hasMessageContaining("no user is configured");
    }
}
