package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextErr;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec 5.1–5.3: S2C routing with SRC stamping, S2CF for unknown DST, GCL, PING echo. */
class ServerRoutingIT {
    @TempDir
    Path tmp;

    @Test
    void s2cIsDeliveredWithForgedSrcOverwritten() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port());
             RawClient c = RawClient.connect(server.port())) {
            byte[] data = {0, 1, 2, (byte) 0xff, 'h', 'i'};
            // A claims to be C: the server must stamp A's own vIP.
            a.send(Packets.s2c(b.vip(), c.vip(), data));
            S2cPacket got = (S2cPacket) b.receive(TIMEOUT);
            assertThat(got.dst()).isEqualTo(b.vip());
            assertThat(got.src()).isEqualTo(a.vip()).isNotEqualTo(c.vip());
            assertThat(got.data()).isEqualTo(data);

            // SRC 0 (what a client normally sends) is stamped as well; the reply goes back to A.
            b.send(Packets.s2c(a.vip(), "pong".getBytes(StandardCharsets.UTF_8)));
            S2cPacket back = (S2cPacket) a.receive(TIMEOUT);
            assertThat(back.src()).isEqualTo(b.vip());
            assertThat(back.dataText()).isEqualTo("pong");

            // Empty DATA is a valid S2C.
            c.send(Packets.s2c(a.vip(), new byte[0]));
            S2cPacket empty = (S2cPacket) a.receive(TIMEOUT);
            assertThat(empty.src()).isEqualTo(c.vip());
            assertThat(empty.dataLength()).isZero();

            // Nothing leaked to the client whose vIP was forged.
            assertPingRoundTrip(c);
        }
    }

    @Test
    void s2cOnTheWireHasDstSrcThenData() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            // Raw frame: S2C to 7.10.0.3 claiming SRC 1.2.3.4, DATA "ab".
            a.sendRaw(HexFormat.of().parseHex("030000000a" + "070a0003" + "01020304" + "6162"));
            S2cPacket got = (S2cPacket) b.receive(TIMEOUT);
            assertThat(got.dst()).isEqualTo(Vip.parse("7.10.0.3"));
            assertThat(got.src()).isEqualTo(Vip.parse("7.10.0.2"));
            assertThat(got.dataText()).isEqualTo("ab");
        }
    }

    @Test
    void s2cToUnknownVipAnswersS2cfWithTheDst() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            Vip nobody = Vip.parse("7.10.0.77");
            a.send(Packets.s2c(nobody, "lost".getBytes(StandardCharsets.UTF_8)));
            SimplePacket err = next(a, PacketType.ERR);
            assertThat(err.bodyHex()).isEqualTo("03" + "070a004d");
            ErrorReply reply = ErrorReply.parse(err.body());
            assertThat(reply.code()).isEqualTo(ErrCode.S2CF);
            assertThat(reply.detail()).containsExactly(7, 10, 0, 77);
            assertThat(reply.failedDst()).contains(nobody);

            // Outside the template, and the server's own vIP: same answer.
            a.send(Packets.s2c(Vip.parse("8.8.8.8"), new byte[] {1}));
            assertThat(nextErr(a, ErrCode.S2CF).failedDst()).contains(Vip.parse("8.8.8.8"));
            a.send(Packets.s2c(Vip.parse("7.10.0.1"), new byte[] {1}));
            assertThat(nextErr(a, ErrCode.S2CF).failedDst()).contains(Vip.parse("7.10.0.1"));

            assertThat(server.stats().drops(DropReason.NO_ROUTE)).isEqualTo(3);
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void s2cBodyShorterThanTwoVipsIsAnErrorAndTheConnectionCarriesOn() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            a.sendRaw(HexFormat.of().parseHex("0300000003" + "070a00"));
            assertThat(nextErr(a).code()).isEqualTo(ErrCode.S2CF);
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void s2cToADisconnectedClientFails() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            Vip gone;
            try (RawClient b = RawClient.connect(server.port())) {
                gone = b.vip();
            }
            await().atMost(TIMEOUT).until(() -> server.client(gone).isEmpty());
            a.send(Packets.s2c(gone, new byte[] {1}));
            assertThat(nextErr(a, ErrCode.S2CF).failedDst()).contains(gone);
        }
    }

    @Test
    void gclListsExactlyTheConnectedVips() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            Vip cVip;
            try (RawClient c = RawClient.connect(server.port())) {
                cVip = c.vip();
                a.send(Packets.gclRequest());
                SimplePacket reply = next(a, PacketType.GCL);
                assertThat(reply.bodyLength()).isEqualTo(12);
                assertThat(reply.bodyHex()).isEqualTo("070a0002" + "070a0003" + "070a0004");
                assertThat(Packets.parseVipList(reply.body())).containsExactly(a.vip(), b.vip(), c.vip());
            }
            await().atMost(TIMEOUT).until(() -> server.client(cVip).isEmpty());
            b.send(Packets.gclRequest());
            List<Vip> after = Packets.parseVipList(next(b, PacketType.GCL).body());
            assertThat(after).containsExactlyInAnyOrder(a.vip(), b.vip());
        }
    }

    @Test
    void gclIgnoresARequestBody() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            a.send(SimplePacket.of(PacketType.GCL.code(), "junk".getBytes(StandardCharsets.UTF_8)));
            assertThat(next(a, PacketType.GCL).bodyHex()).isEqualTo("070a0002");
        }
    }

    @Test
    void pingEchoesTheSameBody() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            a.send(Packets.ping());
            assertThat(next(a, PacketType.PING).bodyLength()).isZero();

            byte[] binary = new byte[4096];
            for (int i = 0; i < binary.length; i++) {
                binary[i] = (byte) (i * 31);
            }
            a.send(Packets.ping(binary));
            assertThat(next(a, PacketType.PING).body()).isEqualTo(binary);

            // Several PINGs in one write come back in order.
            byte[] batch = new byte[0];
            for (int i = 0; i < 5; i++) {
                byte[] f = PacketCodec.encode(Packets.ping(new byte[] {(byte) i}));
                byte[] joined = new byte[batch.length + f.length];
                System.arraycopy(batch, 0, joined, 0, batch.length);
                System.arraycopy(f, 0, joined, batch.length, f.length);
                batch = joined;
            }
            a.sendRaw(batch);
            for (int i = 0; i < 5; i++) {
                Packet p = a.receive(TIMEOUT);
                assertThat(((SimplePacket) p).body()).containsExactly(i);
            }
        }
    }
}
