package io.dosp.it.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** More new connections per second than allowed are refused with EXIT; the accepted ones work. */
class AcceptRateIT {
    @TempDir
    Path tmp;

    @Test
    void connectionsBeyondTheAcceptRateAreRefused() {
        try (DospServer server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0)
                .access(a -> a.adminTokenFile(tmp.resolve("t"))).limits(l -> l.maxAcceptRate(1)).build())) {
            List<RawClient> open = new ArrayList<>();
            int refused = 0;
            try {
                for (int i = 0; i < 10; i++) {
                    RawClient c = RawClient.connectRaw(server.port());
                    open.add(c);
                    Packet first = c.receive();
                    if (first.type() == PacketType.EXIT) {
                        assertThat(((SimplePacket) first).bodyText()).isEqualTo("Too many new connections, retry later");
                        refused++;
                    } else {
                        assertThat(first.type()).isEqualTo(PacketType.AIP);
                    }
                }
            } finally {
                open.forEach(RawClient::close);
            }
            // A burst of one second's worth (1) plus whatever refilled while connecting; the rest refused.
            assertThat(refused).isGreaterThanOrEqualTo(5);
            assertThat(server.stats().drops(DropReason.ACCEPT_RATE)).isEqualTo(refused);
        }
    }
}
