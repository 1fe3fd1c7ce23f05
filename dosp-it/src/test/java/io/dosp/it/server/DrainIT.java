package io.dosp.it.server;

import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.nextText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import io.dosp.client.Incoming;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lame-duck drain and planned shutdown: clients of this project follow the EXIT's reconnect hint (or
 * their own fallback list) to another server and keep exchanging messages there; a reference-style
 * client gets the plain EXIT text; the draining server refuses newcomers with the same hint.
 */
class DrainIT {
    @TempDir
    Path tmp;

    private static ClientOptions.Builder reconnecting(DospServer server, char hash) {
        return TestServers.options(server).machineHash(String.valueOf(hash).repeat(64))
                .reconnect(r -> r.enabled(true).backoff(Duration.ofMillis(20), Duration.ofMillis(200)));
    }

    @Test
    void drainedClientsMoveToTheHintedServerAndKeepTalking() throws Exception {
        try (DospServer second = TestServers.start(tmp.resolve("b"));
             DospServer first = TestServers.start(tmp.resolve("a"),
                     b -> b.drainRedirect(List.of("127.0.0.1:" + second.port())));
             DospClient a = DospClient.connect(reconnecting(first, 'a').build());
             DospClient b = DospClient.connect(reconnecting(first, 'b').build());
             RawClient reference = RawClient.connect(first.port());
             RawClient adm = RawClient.connect(first.port())) {
            a.send(b.vip(), "before");
            assertThat(b.receive(Duration.ofSeconds(5)).text()).isEqualTo("before");
            adm.send(Packets.auth(TestServers.TOKEN));
            assertThat(nextText(adm, PacketType.AUTH)).isEqualTo("OK");

            String reply = admin(adm, "drain 600ms");
            String hint = "Server draining; reconnect to 127.0.0.1:" + second.port();
            assertThat(reply).startsWith("Draining: 3 clients sent away over 600 ms").contains(hint);
            assertThat(first.draining()).isTrue();

            // What a reference client sees: the plain EXIT text, then the close.
            assertThat(reference.expectExit()).isEqualTo(hint);
            assertThat(ServerExitReason.of(hint)).isEqualTo(ServerExitReason.DRAINING);

            String target = "127.0.0.1:" + second.port();
            await().atMost(TestServers.AWAIT).until(() -> a.isConnected() && b.isConnected()
                    && a.server().equals(target) && b.server().equals(target));
            assertThat(second.clients()).hasSize(2);
            await().atMost(TestServers.AWAIT).until(() -> first.clients().size() == 1); // the admin stays

            a.send(b.vip(), "after the drain");
            Incoming in = b.receive(Duration.ofSeconds(5));
            assertThat(in.text()).isEqualTo("after the drain");
            assertThat(in.source()).contains(a.vip());
            b.send(a.vip(), "and back");
            assertThat(a.receive(Duration.ofSeconds(5)).text()).isEqualTo("and back");

            // Newcomers are refused with the same hint, and counted.
            try (RawClient late = RawClient.connectRaw(first.port())) {
                assertThat(late.expectExit()).isEqualTo(hint);
            }
            assertThat(first.stats().drops(DropReason.DRAINING)).isGreaterThanOrEqualTo(1);
            assertThat(admin(adm, "stats")).contains("draining: yes");
        }
    }

    @Test
    void aHintToAnIpv6ServerIsFollowed() throws Exception {
        try (DospServer second = TestServers.start(tmp.resolve("b6"), b -> b.host("::1"));
             DospServer first = TestServers.start(tmp.resolve("a6"),
                     b -> b.drainRedirect(List.of("[::1]:" + second.port())));
             DospClient a = DospClient.connect(reconnecting(first, 'a').build());
             DospClient b = DospClient.connect(reconnecting(first, 'b').build())) {
            first.drain(Duration.ofMillis(200));
            String target = "[::1]:" + second.port();
            await().atMost(TestServers.AWAIT).until(() -> a.isConnected() && b.isConnected()
                    && a.server().equals(target) && b.server().equals(target));
            a.send(b.vip(), "over IPv6");
            assertThat(b.receive(Duration.ofSeconds(5)).text()).isEqualTo("over IPv6");
        }
    }

    @Test
    void plannedShutdownSendsTheHintAndAFallbackListAlsoWorks() throws Exception {
        try (DospServer second = TestServers.start(tmp.resolve("b"))) {
            DospServer first = TestServers.start(tmp.resolve("a"),
                    b -> b.drainRedirect(List.of("127.0.0.1:" + second.port())));
            DospServer third = TestServers.start(tmp.resolve("c"));
            try (DospClient hinted = DospClient.connect(reconnecting(first, 'c').build());
                 DospClient listed = DospClient.connect(reconnecting(third, 'd')
                         .fallbackServers(List.of("127.0.0.1:" + second.port())).build());
                 RawClient reference = RawClient.connect(first.port())) {
                first.close();
                assertThat(reference.expectExit()).isEqualTo("Server shutting down; reconnect to 127.0.0.1:" + second.port());
                third.close(); // no hint: the client's own fallback list
                String target = "127.0.0.1:" + second.port();
                await().atMost(TestServers.AWAIT).until(() -> hinted.isConnected() && listed.isConnected()
                        && hinted.server().equals(target) && listed.server().equals(target));
                hinted.send(listed.vip(), "we both moved");
                assertThat(listed.receive(Duration.ofSeconds(5)).text()).isEqualTo("we both moved");
            } finally {
                first.close();
                third.close();
            }
        }
    }
}
