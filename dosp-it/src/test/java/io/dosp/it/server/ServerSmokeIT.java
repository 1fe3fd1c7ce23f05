package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSmokeIT {
    @TempDir
    Path tmp;

    @Test
    void twoClientsExchangeS2c() {
        try (DospServer server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0)
                .access(a -> a.adminTokenFile(tmp.resolve("token"))).build());
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            assertThat(a.vip()).isEqualTo(Vip.parse("7.10.0.2"));
            assertThat(b.vip()).isEqualTo(Vip.parse("7.10.0.3"));
            a.send(Packets.s2c(b.vip(), Vip.parse("7.10.0.99"), "hi".getBytes()));
            S2cPacket got = (S2cPacket) b.receive();
            assertThat(got.src()).isEqualTo(a.vip());
            assertThat(got.dataText()).isEqualTo("hi");
            server.close();
            assertThat(a.expectExit()).isEqualTo("Server shutting down");
            assertThat(a.closedWithin(Duration.ofSeconds(5))).isTrue();
        }
    }
}
