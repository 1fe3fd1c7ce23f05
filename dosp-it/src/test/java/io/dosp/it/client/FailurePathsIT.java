package io.dosp.it.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.client.AdminException;
import io.dosp.client.ClientListener;
import io.dosp.client.ClientOptions;
import io.dosp.client.ConnectFailedException;
import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.client.HandshakeException;
import io.dosp.client.VipRefusedException;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.TestServers;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure a user acts on has its own exception, naming the server and the vIP involved. */
class FailurePathsIT {
    @TempDir
    Path tmp;

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> DospClient.connect("127.0.0.1", port)).isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void handshakeTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.accept();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ClientOptions o = ClientOptions.builder().server("127.0.0.1", silent.getLocalPort())
                    .handshakeTimeout(Duration.ofMillis(300)).build();
            assertThatThrownBy(() -> DospClient.connect(o)).isInstanceOf(HandshakeException.class)
                    .hasMessageContaining("127.0.0.1:" + silent.getLocalPort()).hasMessageContaining("AIP");
            accepted.get().close();
        }
    }

    @Test
    void fixedVipRefused() {
        try (DospServer server = TestServers.start(tmp); DospClient holder = TestServers.client(server)) {
            Vip taken = holder.vip();
            assertThatThrownBy(() -> DospClient.connect(TestServers.options(server).requestVip(taken, true).build()))
                    .isInstanceOf(VipRefusedException.class).hasMessageContaining(taken.toString())
                    .hasMessageContaining("IP already in use");
            // Not fixed: the client keeps the vIP it was given.
            try (DospClient flexible = DospClient.connect(TestServers.options(server).requestVip(taken, false).build())) {
                assertThat(flexible.vip()).isNotEqualTo(taken);
            }
        }
    }

    @Test
    void serverFull() {
        try (DospServer server = DospServer.start(TestServers.config(tmp).limits(l -> l.maxClients(1)).build());
             DospClient first = TestServers.client(server)) {
            assertThat(first.isConnected()).isTrue();
            assertThatThrownBy(() -> TestServers.client(server)).isInstanceOf(DisconnectedException.class)
                    .hasMessageContaining("Server full")
                    .satisfies(e -> assertThat(((DisconnectedException) e).serverReason()).isEqualTo("Server full"));
        }
    }

    @Test
    void kickedByAdmin() {
        try (DospServer server = TestServers.start(tmp);
             DospClient admin = TestServers.client(server);
             DospClient victim = TestServers.client(server)) {
            CompletableFuture<DisconnectedException> told = new CompletableFuture<>();
            victim.addListener(new ClientListener() {
                @Override
                public void onDisconnected(DisconnectedException cause) {
                    told.complete(cause);
                }
            });
            admin.admin().authenticate(TestServers.TOKEN);
            assertThat(admin.admin().command("kick " + victim.vip())).isEqualTo("Kicked " + victim.vip());
            assertThatThrownBy(victim::receive).isInstanceOf(DisconnectedException.class)
                    .hasMessageContaining("Disconnected by admin").hasMessageContaining("127.0.0.1:" + server.port());
            assertThat(told.join().serverReason()).isEqualTo("Disconnected by admin");
            assertThat(victim.isConnected()).isFalse();
            assertThatThrownBy(() -> victim.send(admin.vip(), "still there?")).isInstanceOf(DisconnectedException.class);
        }
    }

    @Test
    void frameTooLargeIsRefusedBeforeSending() {
        try (DospServer server = TestServers.start(tmp);
             DospClient a = DospClient.connect(TestServers.options(server).maxFrameSize(4096).build())) {
            assertThatThrownBy(() -> a.send(Vip.parse("7.10.0.9"), new byte[8192]))
                    .isInstanceOf(DospClientException.class).hasMessageContaining("4096")
                    .hasMessageContaining("127.0.0.1:" + server.port());
            assertThat(a.ping()).isPositive();
        }
    }

    @Test
    void badAdminTokenAndNonAdminCommands() {
        try (DospServer server = TestServers.start(tmp); DospClient c = TestServers.client(server)) {
            assertThatThrownBy(() -> c.admin().command("clients")).isInstanceOf(AdminException.class)
                    .hasMessageContaining("Not authenticated as admin");
            assertThatThrownBy(() -> c.admin().authenticate("not-the-token-at-all")).isInstanceOf(AdminException.class)
                    .hasMessageContaining("Invalid token");
            assertThatThrownBy(() -> c.admin().broadcast("hi")).isInstanceOf(AdminException.class)
                    .hasMessageContaining("Admin only");
        }
    }

    @Test
    void optionsValidationNamesTheField() {
        assertThatThrownBy(() -> ClientOptions.builder().server("host:notaport")).hasMessageContaining("server")
                .hasMessageContaining("host:notaport");
        assertThatThrownBy(() -> ClientOptions.builder().server("h", 0).build()).hasMessageContaining("port");
        assertThatThrownBy(() -> ClientOptions.builder().requestTimeout(Duration.ZERO).build())
                .hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> ClientOptions.builder().machineHash("xyz").build()).hasMessageContaining("machineHash");
    }
}
