package io.dosp.testkit;

import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.auth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.server.DospServer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The loopback server fixtures: the JUnit extension with a config customizer, and try-with-resources. */
class LoopbackServerIT {
    @RegisterExtension
    final LoopbackServer server = LoopbackServer.withConfig(b -> b.limits(l -> l.maxClients(2)));

    @TempDir
    Path tmp;

    @Test
    void theExtensionStartsAConfiguredServerPerTest() {
        RawClient a = server.connect();
        assertPingRoundTrip(a);
        auth(a, TestServers.TOKEN);
        DospClient b = server.client();
        assertThat(b.isConnected()).isTrue();
        TestServers.awaitExactly(server.server(), a.vip(), b.vip());
        assertThatThrownBy(server::client).as("maxClients(2) from the customizer")
                .isInstanceOf(DisconnectedException.class).hasMessageContaining("Server full");
    }

    @Test
    void eachTestGetsAFreshServer() {
        RawClient a = server.connect();
        assertThat(a.vip()).as("the lowest vIP: no client left over from another test").isEqualTo(TestServers.vip("7.10.0.2"));
    }

    @Test
    void startWithACustomizerIsClosedByTryWithResources() {
        int port;
        try (DospServer s = TestServers.start(tmp, b -> b.template("10.9.0.x"));
             RawClient c = RawClient.connect(s.port())) {
            port = s.port();
            assertThat(c.vip()).isEqualTo(TestServers.vip("10.9.0.2"));
            auth(c, TestServers.TOKEN);
        }
        assertThatThrownBy(() -> RawClient.connectRaw(port)).isInstanceOf(UncheckedIOException.class);
    }
}
