package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextErr;
import static io.dosp.testkit.TestServers.config;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.RqipReply;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.Disconnect;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec 5.5 (RQIP: granted, in use, blocked, outside the template) and 5.6 (GSI). */
class ServerRqipIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void grantedRqipMovesTheClientAtomically() throws Exception {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            Vip old = a.vip();
            Vip wanted = Vip.parse("7.10.0.50");
            a.send(Packets.rqip(wanted));
            SimplePacket done = next(a, PacketType.RQIP);
            assertThat(done.bodyText()).isEqualTo("D:");
            assertThat(RqipReply.parse(done.body()).granted()).isTrue();
            SimplePacket aip = next(a, PacketType.AIP);
            assertThat(aip.bodyHex()).isEqualTo("070a0032");
            assertThat(server.client(wanted)).isPresent();
            assertThat(server.client(old)).isEmpty();

            // The old vIP no longer routes (the reference's defect, spec 11), the new one does.
            b.send(Packets.s2c(old, "to old".getBytes(StandardCharsets.UTF_8)));
            assertThat(nextErr(b, ErrCode.S2CF).failedDst()).contains(old);
            b.send(Packets.s2c(wanted, "to new".getBytes(StandardCharsets.UTF_8)));
            S2cPacket got = (S2cPacket) a.receive(TIMEOUT);
            assertThat(got.dst()).isEqualTo(wanted);
            assertThat(got.src()).isEqualTo(b.vip());
            assertThat(got.dataText()).isEqualTo("to new");

            // A's own S2C now carries its new vIP as SRC.
            a.send(Packets.s2c(b.vip(), new byte[] {7}));
            assertThat(((S2cPacket) b.receive(TIMEOUT)).src()).isEqualTo(wanted);

            // GCL shows the new vIP, not the old one; GSI too.
            b.send(Packets.gclRequest());
            assertThat(Packets.parseVipList(next(b, PacketType.GCL).body())).containsExactlyInAnyOrder(b.vip(), wanted);
            a.send(Packets.gsiRequest());
            assertThat(JSON.readTree(next(a, PacketType.GSI).bodyText()).get("vip").asText()).isEqualTo("7.10.0.50");

            // The old vIP is free again: the next connection gets it (lowest free first).
            try (RawClient c = RawClient.connect(server.port())) {
                assertThat(c.vip()).isEqualTo(old);
            }
        }
    }

    @Test
    void disconnectAfterRqipReportsAndFreesTheNewVip() throws InterruptedException {
        try (DospServer server = start(tmp)) {
            BlockingQueue<Vip> gone = new LinkedBlockingQueue<>();
            server.addListener(new ServerListener() {
                @Override
                public void onDisconnect(ConnectedClient client, Disconnect disconnect) {
                    gone.add(client.vip());
                }
            });
            Vip wanted = Vip.parse("7.10.0.9");
            try (RawClient a = RawClient.connect(server.port())) {
                a.send(Packets.rqip(wanted));
                assertThat(next(a, PacketType.RQIP).bodyText()).isEqualTo("D:");
                assertThat(Packets.parseAip(next(a, PacketType.AIP).body())).isEqualTo(wanted);
            }
            assertThat(gone.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(wanted);
            await().atMost(TIMEOUT).until(() -> server.clients().isEmpty());
            try (RawClient b = RawClient.connect(server.port())) {
                b.send(Packets.rqip(wanted));
                assertThat(next(b, PacketType.RQIP).bodyText()).isEqualTo("D:");
                assertThat(Packets.parseAip(next(b, PacketType.AIP).body())).isEqualTo(wanted);
            }
        }
    }

    @Test
    void rqipForAVipInUseIsRefused() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            a.send(Packets.rqip(b.vip()));
            assertThat(next(a, PacketType.RQIP).bodyText()).isEqualTo("E:IP already in use");
            // Nothing changed: both still reachable under their vIPs.
            assertThat(server.client(a.vip())).isPresent();
            b.send(Packets.s2c(a.vip(), new byte[] {1}));
            assertThat(((S2cPacket) a.receive(TIMEOUT)).src()).isEqualTo(b.vip());
            a.send(Packets.s2c(b.vip(), new byte[] {2}));
            assertThat(((S2cPacket) b.receive(TIMEOUT)).src()).isEqualTo(a.vip());
        }
    }

    @Test
    void rqipForItsOwnVipIsGranted() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            a.send(Packets.rqip(a.vip()));
            assertThat(next(a, PacketType.RQIP).bodyText()).isEqualTo("D:");
            assertThat(Packets.parseAip(next(a, PacketType.AIP).body())).isEqualTo(a.vip());
            assertPingRoundTrip(a);
        }
    }

    @Test
    void blockedVipsAreRefused() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            a.send(Packets.rqip(Vip.parse("0.0.0.0")));
            assertThat(next(a, PacketType.RQIP).bodyText()).isEqualTo("E:IP can't be used");
            a.send(Packets.rqip(Vip.parse("127.0.0.1")));
            assertThat(next(a, PacketType.RQIP).bodyText()).isEqualTo("E:IP can't be used");
            assertThat(server.client(a.vip())).isPresent();
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void configuredBlockedVipInsideTheTemplateIsRefused() {
        Vip blocked = Vip.parse("7.10.0.20");
        try (DospServer server = DospServer.start(config(tmp).access(a -> a.blockedVips(Set.of(blocked))).build());
             RawClient a = RawClient.connect(server.port())) {
            a.send(Packets.rqip(blocked));
            assertThat(next(a, PacketType.RQIP).bodyText()).isEqualTo("E:IP can't be used");
            // blockedVips replaces the defaults: 127.0.0.1 is now refused as outside the template instead.
            a.send(Packets.rqip(Vip.parse("127.0.0.1")));
            assertThat(RqipReply.parse(next(a, PacketType.RQIP).body()).granted()).isFalse();
        }
    }

    @Test
    void vipsOutsideTheTemplateOrNotAssignableAreRefused() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            for (String v : new String[] {"8.8.8.8", "7.10.1.5", "7.10.0.0", "7.10.0.1", "7.10.0.255"}) {
                a.send(Packets.rqip(Vip.parse(v)));
                SimplePacket reply = next(a, PacketType.RQIP);
                assertThat(reply.bodyText()).as("RQIP %s", v).startsWith("E:").hasSizeGreaterThan(2);
                assertThat(RqipReply.parse(reply.body()).granted()).isFalse();
            }
            assertThat(server.client(a.vip())).isPresent();
            a.send(Packets.gclRequest());
            assertThat(Packets.parseVipList(next(a, PacketType.GCL).body())).containsExactly(a.vip(), b.vip());
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void malformedRqipBodyIsRefusedAndTheConnectionCarriesOn() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            a.send(SimplePacket.of(PacketType.RQIP.code(), new byte[] {7, 10}));
            assertThat(next(a, PacketType.RQIP).bodyText()).startsWith("E:");
            assertThat(server.client(a.vip())).isPresent();
            assertPingRoundTrip(a);
        }
    }

    @Test
    void gsiDescribesTheClientAsJson() throws Exception {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            assertPingRoundTrip(b);
            b.send(Packets.gsiRequest());
            SimplePacket reply = next(b, PacketType.GSI);
            JsonNode info = JSON.readTree(reply.bodyText());
            assertThat(info.isObject()).isTrue();
            assertThat(info.get("vip").asText()).isEqualTo("7.10.0.3");
            assertThat(info.get("server_vip").asText()).isEqualTo("7.10.0.1");
            assertThat(info.get("compression").isBoolean()).isTrue();
            assertThat(info.get("compression").asBoolean()).isFalse();
            assertThat(info.get("admin").asBoolean()).isFalse();
            // PING and GSI itself were received.
            assertThat(info.get("packets_in").asLong()).isGreaterThanOrEqualTo(2);
            assertThat(info.get("connected_since").asText()).isNotBlank();

            a.send(Packets.gsiRequest());
            assertThat(JSON.readTree(next(a, PacketType.GSI).bodyText()).get("vip").asText()).isEqualTo("7.10.0.2");
        }
    }

    @Test
    void gsiReportsCompressionWhenOn() throws Exception {
        try (DospServer server = DospServer.start(config(tmp).compression(true).build());
             RawClient a = RawClient.connect(server.port())) {
            a.send(Packets.gsiRequest());
            JsonNode info = JSON.readTree(next(a, PacketType.GSI).bodyText());
            assertThat(info.get("compression").asBoolean()).isTrue();
            assertThat(info.get("vip").asText()).isEqualTo(a.vip().toString());
        }
    }
}
