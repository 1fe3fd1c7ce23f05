package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.VipTemplate;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock-out of the hardening issue: one address opening as many connections as the default
 * template (7.10.0.x) has vIPs, silent or PINGing, used to leave every other client EXIT
 * {@code Server full}. Now one address holds at most {@link Limits#DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}
 * connections, the rest get EXIT {@code Too many connections from your address}, silent ones are
 * ended by the first-packet deadline, and an innocent pair from another address keeps exchanging
 * S2C and PING throughout.
 */
class AddressLockoutIT {
    /** Every vIP of the default template. */
    static final int TEMPLATE_VIPS = 253;
    static final int CAP = Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
    static final String ATTACKER = "127.0.0.1";

    @TempDir
    Path tmp;

    /** Connects from {@code from}: the admitted connection (AIP and HSK read), or null after checking its EXIT. */
    static RawClient knock(int port, String from) {
        RawClient c = RawClient.connectRaw(port, from);
        Packet first = c.receive();
        if (first.type() == PacketType.AIP) {
            Packet hsk = c.receive();
            assertThat(hsk.type()).isEqualTo(PacketType.HSK);
            return c;
        }
        assertThat(first.type()).isEqualTo(PacketType.EXIT);
        assertThat(((SimplePacket) first).bodyText()).isEqualTo(ServerExitReason.ADDRESS_LIMIT.text());
        assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
        c.close();
        return null;
    }

    static long connectedFrom(DospServer server, String address) {
        return server.clients().stream().map(ConnectedClient::remoteAddress)
                .filter(a -> a instanceof InetSocketAddress s && s.getAddress().getHostAddress().equals(address)).count();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void silentConnectionsFromOneAddressCannotLockOthersOut() throws Exception {
        Duration firstPacket = Duration.ofSeconds(2);
        List<RawClient> admitted = new ArrayList<>();
        int refused = 0;
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.firstPacketTimeout(firstPacket)).build())) {
            assertThat(VipTemplate.parse(ServerConfig.DEFAULT_TEMPLATE).capacity()).isEqualTo(TEMPLATE_VIPS);
            for (int i = 0; i < TEMPLATE_VIPS; i++) {
                RawClient c = knock(server.port(), ATTACKER);
                if (c != null) {
                    admitted.add(c);
                } else {
                    refused++;
                }
            }
            assertThat(admitted).as("connections admitted from one address").hasSize(CAP);
            assertThat(refused).isEqualTo(TEMPLATE_VIPS - CAP);
            assertThat(server.stats().drops(DropReason.ADDRESS_LIMIT)).isEqualTo(TEMPLATE_VIPS - CAP);
            assertThat(server.stats().drops(DropReason.SERVER_FULL)).isZero();
            assertThat(connectedFrom(server, ATTACKER)).isEqualTo(CAP);

            try (InnocentPair pair = InnocentPair.start(server.port());
                 RawClient third = RawClient.connect(server.port(), "127.0.0.3")) {
                third.send(Packets.clientInfo(TestServers.hash('c')));
                pair.awaitMoreRounds(10);
                // The silent connections hold no vIP for long: the first-packet deadline ends every one of them.
                for (RawClient c : admitted) {
                    assertThat(c.expectExit()).isEqualTo(ServerExitReason.FIRST_PACKET_TIMEOUT.text());
                    assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
                }
                await().atMost(AWAIT).until(() -> connectedFrom(server, ATTACKER) == 0);
                assertThat(server.stats().drops(DropReason.FIRST_PACKET_TIMEOUT)).isEqualTo(CAP);
                pair.awaitMoreRounds(10);
                assertPingRoundTrip(third);
                // The address is welcome again once its connections are gone.
                try (RawClient again = knock(server.port(), ATTACKER)) {
                    assertThat(again).isNotNull();
                }
                pair.assertStillWorking();
            }
            assertThat(server.stats().drops(DropReason.FIRST_PACKET_TIMEOUT)).as("the innocent sent in time").isEqualTo(CAP);
        } finally {
            admitted.forEach(RawClient::close);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pingingConnectionsFromOneAddressCannotLockOthersOut() throws Exception {
        int retries = 100;
        List<RawClient> admitted = new ArrayList<>();
        try (DospServer server = DospServer.start(config(tmp).limits(l -> l.idleTimeout(Duration.ofSeconds(2))
                .firstPacketTimeout(Duration.ofSeconds(2))).build())) {
            int refused = 0;
            int knocks = 0;
            for (int i = 0; i < TEMPLATE_VIPS; i++) {
                RawClient c = knock(server.port(), ATTACKER);
                if (c == null) {
                    refused++;
                    continue;
                }
                admitted.add(c);
                c.send(Packets.clientInfo(TestServers.hash('f')));
                assertPingRoundTrip(c);
            }
            assertThat(admitted).hasSize(CAP);
            try (InnocentPair pair = InnocentPair.start(server.port())) {
                // The attackers keep their connections alive with PINGs (far more often than the idle timeout
                // needs) and keep knocking for more, while the innocent pair works.
                int target = pair.rounds() + 20;
                while (knocks < retries || pair.rounds() < target) {
                    for (RawClient c : admitted) {
                        assertPingRoundTrip(c);
                    }
                    RawClient extra = knock(server.port(), ATTACKER);
                    assertThat(extra).as("no connection beyond the limit, ever").isNull();
                    knocks++;
                    refused++;
                    assertThat(connectedFrom(server, ATTACKER)).isEqualTo(CAP);
                }
                pair.assertStillWorking();
            }
            assertThat(refused).isEqualTo(TEMPLATE_VIPS - CAP + knocks);
            assertThat(server.stats().drops(DropReason.ADDRESS_LIMIT)).isEqualTo(refused);
            assertThat(server.stats().drops(DropReason.IDLE_TIMEOUT)).isZero();
            assertThat(server.stats().drops(DropReason.SERVER_FULL)).isZero();
            for (RawClient c : admitted) {
                assertPingRoundTrip(c); // clients within their allowance are not harmed
            }
        } finally {
            admitted.forEach(RawClient::close);
        }
    }
}
