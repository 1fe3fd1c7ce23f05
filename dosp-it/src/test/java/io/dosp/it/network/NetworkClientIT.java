package io.dosp.it.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.DospNetwork;
import io.dosp.client.FeatureNotOfferedException;
import io.dosp.client.GroupMessage;
import io.dosp.client.NetworkClient;
import io.dosp.client.NetworkRequestException;
import io.dosp.client.PresenceEvent;
import io.dosp.client.PresenceTarget;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.Mesh;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client's network API ({@link DospNetwork}) against real federated servers: groups, names, presence and
 * network views across three servers in a line; what a client holds restored after a reconnect; a clear failure when
 * the server offers no network feature.
 */
class NetworkClientIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** What a client's listener heard. */
    static final class Heard implements ClientListener {
        final List<GroupMessage> messages = new CopyOnWriteArrayList<>();
        final List<PresenceEvent> presence = new CopyOnWriteArrayList<>();
        final List<String> namesLost = new CopyOnWriteArrayList<>();

        @Override
        public void onGroupMessage(GroupMessage message) {
            messages.add(message);
        }

        @Override
        public void onPresence(PresenceEvent event) {
            presence.add(event);
        }

        @Override
        public void onNameLost(String name, String reason, Optional<Vip> winner) {
            namesLost.add(name + " " + reason + " " + winner.map(Vip::toString).orElse("-"));
        }

        long events(PresenceTarget t, Vip vip, boolean joined, String reason) {
            return presence.stream().filter(e -> e.target().equals(t) && e.vip().equals(vip) && e.joined() == joined
                    && (reason == null || e.reason().equals(reason))).count();
        }
    }

    private static Heard listen(DospClient c) {
        Heard h = new Heard();
        c.addListener(h);
        return h;
    }

    @Test
    void groupsNamesPresenceAndViewsAcrossThreeServersInALine() {
        try (Mesh mesh = new Mesh(tmp, 3)) {
            mesh.link(0, 1);
            mesh.link(1, 2);
            mesh.awaitFullRoutes();
            DospClient a = mesh.client(0);
            DospClient b = mesh.client(1);
            DospClient c = mesh.client(2);
            Heard ha = listen(a);
            Heard hb = listen(b);
            Heard hc = listen(c);
            assertThat(a.extensions()).contains(Ext.FEATURE_GROUPS, Ext.FEATURE_NAMES, Ext.FEATURE_PRESENCE,
                    Ext.FEATURE_NETWORK);

            // Groups: members on every server, each message once to every other member.
            a.network().join("ops");
            b.network().join("ops");
            c.network().join("ops");
            a.network().join("ops"); // again: no error, still one membership
            assertThat(a.network().joinedGroups()).containsExactly("ops");
            List<Vip> all = List.of(a.vip(), b.vip(), c.vip()).stream().sorted().toList();
            for (DospClient x : List.of(a, b, c)) {
                await().atMost(WAIT).until(() -> x.network().members("ops").equals(all));
            }
            assertThat(a.network().sendToGroup("ops", "deploy done")).isEqualTo(2);
            await().atMost(WAIT).until(() -> hb.messages.size() == 1 && hc.messages.size() == 1);
            for (Heard h : List.of(hb, hc)) {
                GroupMessage m = h.messages.get(0);
                assertThat(m.group()).isEqualTo("ops");
                assertThat(m.sender()).isEqualTo(a.vip());
                assertThat(m.text()).isEqualTo("deploy done");
                assertThat(m.messageId()).hasSize(32);
            }
            assertThat(hb.messages.get(0).messageId()).isEqualTo(hc.messages.get(0).messageId());
            assertThat(a.network().groups()).containsEntry("ops", 3L);

            // Presence of a group: the current state, then a member leaving with the reason.
            PresenceTarget ops = PresenceTarget.group("ops");
            a.network().watch(ops);
            await().atMost(WAIT).until(() -> ha.events(ops, b.vip(), true, null) == 1
                    && ha.events(ops, c.vip(), true, null) == 1);
            c.network().leave("ops");
            await().atMost(WAIT).until(() -> ha.events(ops, c.vip(), false, "requested") == 1);
            await().atMost(WAIT).until(() -> b.network().members("ops").size() == 2);
            assertThatThrownBy(() -> c.network().leave("ops")).isInstanceOf(NetworkRequestException.class)
                    .satisfies(e -> assertThat(((NetworkRequestException) e).status()).isEqualTo("NOT_MEMBER"));
            a.network().sendToGroup("ops", "after c left");
            await().atMost(WAIT).until(() -> hb.messages.size() == 2);
            assertThat(hc.messages).hasSize(1); // c left: not delivered to it
            assertThat(ha.messages).isEmpty(); // never to the sender itself

            // Names: unique across the network, resolvable from any server, watched.
            c.network().register("build-bot");
            assertThat(c.network().registeredNames()).containsExactly("build-bot");
            await().atMost(WAIT).until(() -> a.network().resolve("build-bot").equals(Optional.of(c.vip())));
            assertThatThrownBy(() -> b.network().register("build-bot")).isInstanceOf(NetworkRequestException.class)
                    .satisfies(e -> assertThat(((NetworkRequestException) e).status()).isEqualTo("TAKEN"));
            assertThat(a.network().resolve("nobody-here")).isEmpty();
            assertThat(a.network().names()).containsEntry("build-bot", c.vip());
            PresenceTarget bot = PresenceTarget.name("build-bot");
            a.network().watch(bot);
            await().atMost(WAIT).until(() -> ha.events(bot, c.vip(), true, null) == 1);
            c.network().unregister("build-bot");
            await().atMost(WAIT).until(() -> ha.events(bot, c.vip(), false, "requested") == 1);
            await().atMost(WAIT).until(() -> a.network().resolve("build-bot").isEmpty());
            b.network().register("build-bot"); // free again
            await().atMost(WAIT).until(() -> ha.events(bot, b.vip(), true, null) == 1);

            // Network views: every client of the three servers.
            await().atMost(WAIT).until(() -> a.network().clients().stream().map(NetworkClient::vip).toList()
                    .containsAll(all));

            // Presence of a vIP on another server: its client leaving, with the reason, two servers away.
            PresenceTarget cVip = PresenceTarget.vip(c.vip());
            a.network().watch(cVip);
            await().atMost(WAIT).until(() -> ha.events(cVip, c.vip(), true, null) == 1);
            c.close();
            await().atMost(WAIT).until(() -> ha.events(cVip, c.vip(), false, "left") == 1);
            assertThat(hc.namesLost).isEmpty();
            assertThat(hb.namesLost).isEmpty();
        }
    }

    @Test
    void aNameRegisteredOnTwoServersBeforeTheyLinkStaysWithOneAndTheOtherHearsWhoWon() {
        try (Mesh mesh = new Mesh(tmp, 2)) {
            DospClient a = mesh.client(0);
            DospClient b = mesh.client(1);
            Heard ha = listen(a);
            Heard hb = listen(b);
            a.network().register("solo"); // two partitions: each server accepts it
            b.network().register("solo");
            mesh.link(0, 1);
            mesh.awaitFullRoutes();
            await().atMost(WAIT).until(() -> ha.namesLost.size() + hb.namesLost.size() == 1);
            boolean aLost = ha.namesLost.size() == 1;
            DospClient winner = aLost ? b : a;
            DospClient loser = aLost ? a : b;
            assertThat((aLost ? ha : hb).namesLost).containsExactly("solo conflict " + winner.vip());
            assertThat(loser.network().registeredNames()).isEmpty();
            assertThat(winner.network().registeredNames()).containsExactly("solo");
            for (DospClient x : List.of(a, b)) {
                await().atMost(WAIT).until(() -> x.network().resolve("solo").equals(Optional.of(winner.vip())));
            }
            assertThatThrownBy(() -> loser.network().register("solo")).isInstanceOf(NetworkRequestException.class)
                    .satisfies(e -> assertThat(((NetworkRequestException) e).status()).isEqualTo("TAKEN"));
        }
    }

    @Test
    void groupsNamesAndWatchesComeBackAfterAReconnect() {
        DospServer first = TestServers.start(tmp);
        int port = first.port();
        ClientOptions o = ClientOptions.builder().server("127.0.0.1", port).machineHash("aa".repeat(32))
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(400))).build();
        DospServer second = null;
        try (DospClient a = DospClient.connect(o)) {
            Heard ha = listen(a);
            a.network().join("ops");
            a.network().register("alpha");
            PresenceTarget ops = PresenceTarget.group("ops");
            a.network().watch(ops);
            await().atMost(WAIT).until(() -> ha.events(ops, a.vip(), true, null) == 1);
            first.close(); // EXIT "Server shutting down": the client reconnects
            second = DospServer.start(TestServers.config(tmp).port(port).build());
            await().atMost(WAIT).until(a::isConnected);
            // The new server knew nothing of it: the client joined, registered and watched again by itself.
            await().atMost(WAIT).until(() -> a.network().members("ops").equals(List.of(a.vip())));
            assertThat(a.network().resolve("alpha")).contains(a.vip());
            await().atMost(WAIT).until(() -> ha.events(ops, a.vip(), true, null) == 2); // state sent again on WATCH
            try (DospClient b = TestServers.client(second)) {
                b.network().join("ops");
                await().atMost(WAIT).until(() -> ha.events(ops, b.vip(), true, null) == 1);
            }
            assertThat(a.network().joinedGroups()).containsExactly("ops");
            assertThat(a.network().registeredNames()).containsExactly("alpha");
            assertThat(ha.namesLost).isEmpty();
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void aClientSentToAnotherServerByADrainTakesItsGroupsWatchesAndNameAlong() {
        // A grace period far longer than the test waits: the name can only come back because it follows its client.
        try (Mesh mesh = new Mesh(tmp, 2, c -> c.network(n -> n.nameGrace(Duration.ofMinutes(30))))) {
            mesh.link(0, 1);
            mesh.awaitFullRoutes();
            String backup = "127.0.0.1:" + mesh.server(1).port();
            try (DospClient a = DospClient.connect(ClientOptions.builder().server("127.0.0.1", mesh.server(0).port())
                    .machineHash("ab".repeat(32)).fallbackServers(List.of(backup))
                    .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(400))).build())) {
                DospClient b = mesh.client(1);
                Heard ha = listen(a);
                Heard hb = listen(b);
                a.network().join("ops");
                a.network().register("mover");
                PresenceTarget bWatched = PresenceTarget.vip(b.vip());
                a.network().watch(bWatched);
                await().atMost(WAIT).until(() -> ha.events(bWatched, b.vip(), true, null) == 1);

                mesh.server(0).drain(Duration.ofMillis(200)); // EXIT with the hint: reconnect to the backup
                await().atMost(WAIT).until(() -> a.isConnected() && a.server().equals(backup));
                Vip after = a.vip();
                assertThat(after.toString()).startsWith("10.2.");
                await().atMost(WAIT).until(() -> b.network().members("ops").equals(List.of(after)));
                await().atMost(WAIT).until(() -> ha.events(bWatched, b.vip(), true, null) == 2); // watched again
                b.network().join("ops");
                assertThat(b.network().sendToGroup("ops", "hello mover")).isEqualTo(1);
                await().atMost(WAIT).until(() -> ha.messages.size() == 1);
                assertThat(ha.messages.get(0).text()).isEqualTo("hello mover");
                // The name is held for a reconnect at the server that drained, which sent the SHA-256 of its token to the
                // other servers (NAME_KEY): the backup takes the client's REGISTER with that token at once, long
                // before the grace (30 min) ends, and both servers agree on the new holder.
                assertThat(a.network().registeredNames()).containsExactly("mover");
                await().atMost(WAIT).until(() -> b.network().resolve("mover").equals(Optional.of(after)));
                // (server 0, draining, takes no new client to ask; DirectoryTest shows every server converges.)
                assertThat(ha.namesLost).isEmpty();
                assertThat(a.network().registeredNames()).containsExactly("mover");
            }
        }
    }

    @Test
    void aNameComesBackWithItsTokenWhenTheConnectionIsCutAndTheClientReconnectsWithinTheGrace() throws Exception {
        try (DospServer server = TestServers.start(tmp);
             Relay relay = new Relay(server.port())) {
            try (DospClient a = DospClient.connect(ClientOptions.builder().server("127.0.0.1", relay.port())
                    .machineHash("ac".repeat(32))
                    .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(50), Duration.ofMillis(400))).build());
                 DospClient b = TestServers.client(server)) {
                Heard ha = listen(a);
                Heard hb = listen(b);
                a.network().register("keeper");
                a.network().join("ops");
                PresenceTarget keeper = PresenceTarget.name("keeper");
                b.network().watch(keeper);
                Vip vip = a.vip();
                await().atMost(WAIT).until(() -> hb.events(keeper, vip, true, null) == 1);
                CountDownLatch reconnected = new CountDownLatch(1);
                a.addListener(new ClientListener() {
                    @Override
                    public void onReconnected(Vip v) {
                        reconnected.countDown();
                    }
                });
                relay.cut(); // the connection is lost, not closed: the server holds the name for the grace period
                await().atMost(WAIT).until(() -> hb.events(keeper, vip, false, null) == 1);
                // (held for the reconnect meanwhile: the client is back within its backoff, too soon to look)
                assertThat(reconnected.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                await().atMost(WAIT).until(() -> b.network().resolve("keeper").equals(Optional.of(a.vip())));
                assertThat(a.vip()).isEqualTo(vip); // the previous vIP asked for again
                await().atMost(WAIT).until(() -> b.network().members("ops").equals(List.of(a.vip())));
                await().atMost(WAIT).until(() -> hb.events(keeper, vip, true, null) == 2);
                assertThat(ha.namesLost).isEmpty();
                assertThat(a.network().registeredNames()).containsExactly("keeper");
                try (DospClient deaf = TestServers.client(server)) { // no listener: counted, not kept
                    deaf.network().join("ops");
                    assertThat(b.network().sendToGroup("ops", "anyone?")).isEqualTo(2);
                    await().atMost(WAIT).until(() -> deaf.network().unheardGroupMessages() == 1);
                    await().atMost(WAIT).until(() -> ha.messages.size() == 1);
                }
            }
        }
    }

    /** A TCP relay in front of a server whose connections can be cut (the client sees a lost connection). */
    static final class Relay implements AutoCloseable {
        private final java.net.ServerSocket listener;
        private final List<java.net.Socket> sockets = new CopyOnWriteArrayList<>();

        Relay(int target) throws java.io.IOException {
            listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        java.net.Socket in = listener.accept();
                        java.net.Socket out = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), target);
                        sockets.add(in);
                        sockets.add(out);
                        pump(in, out);
                        pump(out, in);
                    } catch (java.io.IOException e) {
                        return; // closed
                    }
                }
            }, "relay-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private static void pump(java.net.Socket from, java.net.Socket to) {
            Thread t = new Thread(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                } catch (java.io.IOException e) {
                    // cut
                } finally {
                    quietly(from);
                    quietly(to);
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void quietly(java.net.Socket s) {
            try {
                s.close();
            } catch (java.io.IOException e) {
                // closing anyway
            }
        }

        /** Closes every relayed connection (new ones are still accepted). */
        void cut() {
            sockets.forEach(Relay::quietly);
            sockets.clear();
        }

        @Override
        public void close() throws java.io.IOException {
            listener.close();
            cut();
        }
    }

    @Test
    void withoutTheExtensionsEveryCallFailsClearlyAndSendsNothing() {
        try (DospServer server = TestServers.start(tmp);
             DospClient plain = DospClient.connect(ClientOptions.builder().server("127.0.0.1", server.port())
                     .extensions(false).build())) {
            assertThat(plain.extensions()).isEmpty();
            assertThatThrownBy(() -> plain.network().join("ops")).isInstanceOf(FeatureNotOfferedException.class)
                    .hasMessageContaining("'groups'");
            assertThatThrownBy(() -> plain.network().resolve("bot")).isInstanceOf(FeatureNotOfferedException.class)
                    .hasMessageContaining("'names'");
            assertThatThrownBy(() -> plain.network().watch(PresenceTarget.name("bot")))
                    .isInstanceOf(FeatureNotOfferedException.class);
            assertThatThrownBy(() -> plain.network().clients()).isInstanceOf(FeatureNotOfferedException.class);
            assertThat(plain.network().joinedGroups()).isEmpty();
            assertThatThrownBy(() -> plain.network().join("Bad Name")).isInstanceOf(IllegalArgumentException.class);
            assertThat(plain.ping()).isPositive(); // still connected: nothing was sent
        }
    }
}
