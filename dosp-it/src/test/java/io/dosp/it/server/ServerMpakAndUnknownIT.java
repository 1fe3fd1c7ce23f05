package io.dosp.it.server;

import static io.dosp.testkit.Expect.TIMEOUT;
import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.nextErr;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.ConnectedClient;
import io.dosp.server.DospServer;
import io.dosp.server.ServerListener;
import io.dosp.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec 5.9 (unknown and server-only types answered ERR UKNP) and section 7 (MPAK). */
class ServerMpakAndUnknownIT {
    @TempDir
    Path tmp;

    @Test
    void unknownAndServerOnlyTypesAnswerUknpAndTheConnectionKeepsWorking() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            // 0x09 and 0x1F are reserved but unassigned; 0x10 SA, 0x12 ERR, 0x13 AIP, 0x14 HSK are
            // server-to-client only; 0x15 HC2C is only a marker inside S2C DATA.
            int[] types = {0x09, 0x0F, 0x1F, 0x10, 0x12, 0x13, 0x14, 0x15};
            for (int t : types) {
                a.send(SimplePacket.of(t, "x".getBytes(StandardCharsets.UTF_8)));
                SimplePacket err = next(a, PacketType.ERR);
                assertThat(err.bodyByte(0)).as("ERR code for type 0x%02X", t).isEqualTo(0x09);
                assertThat(ErrorReply.parse(err.body()).code()).isEqualTo(ErrCode.UKNP);
                assertPingRoundTrip(a);
            }
            // The exact bytes for the reference's own case: type 0x09 with an empty body.
            a.sendRaw(new byte[] {0x09, 0, 0, 0, 0});
            assertThat(next(a, PacketType.ERR).bodyHex()).isEqualTo("09");
            assertThat(server.client(a.vip())).isPresent();
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void mpakSubPacketsAreHandledInOrder() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            List<Integer> seen = new CopyOnWriteArrayList<>();
            server.addListener(new ServerListener() {
                @Override
                public boolean onPacket(ConnectedClient client, Packet packet) {
                    if (client.vip().equals(a.vip())) {
                        seen.add(packet.typeCode());
                    }
                    return false;
                }
            });
            a.send(Packets.mpak(List.of(
                    Packets.msg("hello server"),
                    Packets.s2c(b.vip(), Vip.parse("1.1.1.1"), "via mpak".getBytes(StandardCharsets.UTF_8)),
                    Packets.ping("p1".getBytes(StandardCharsets.UTF_8)))));

            S2cPacket got = (S2cPacket) b.receive(TIMEOUT);
            assertThat(got.src()).isEqualTo(a.vip());
            assertThat(got.dataText()).isEqualTo("via mpak");
            assertThat(next(a, PacketType.PING).bodyText()).isEqualTo("p1");
            // The listener sees the sub-packets, in wire order, never the MPAK itself.
            assertThat(seen).containsExactly(0x01, 0x03, 0x02);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void mpakRepliesComeInSubPacketOrder() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            a.send(Packets.mpak(List.of(
                    Packets.ping(new byte[] {1}),
                    Packets.gclRequest(),
                    Packets.s2c(Vip.parse("7.10.0.99"), new byte[] {0}),
                    SimplePacket.of(0x09, new byte[0]),
                    Packets.ping(new byte[] {2}))));
            assertThat(next(a, PacketType.PING).body()).containsExactly(1);
            assertThat(Packets.parseVipList(next(a, PacketType.GCL).body())).containsExactly(a.vip(), b.vip());
            assertThat(nextErr(a, ErrCode.S2CF).failedDst()).contains(Vip.parse("7.10.0.99"));
            assertThat(nextErr(a).code()).isEqualTo(ErrCode.UKNP);
            assertThat(next(a, PacketType.PING).body()).containsExactly(2);
        }
    }

    @Test
    void nestedMpakIsRefusedButTheOtherSubPacketsAreHandled() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            byte[] inner = PacketCodec.encode(Packets.mpak(List.of(Packets.ping("inner".getBytes(StandardCharsets.UTF_8)))));
            byte[] body = concat(
                    PacketCodec.encode(Packets.ping("before".getBytes(StandardCharsets.UTF_8))),
                    inner,
                    PacketCodec.encode(Packets.s2c(b.vip(), "after".getBytes(StandardCharsets.UTF_8))));
            a.sendRaw(frame(0x1A, body));

            assertThat(next(a, PacketType.PING).bodyText()).isEqualTo("before");
            ErrorReply err = nextErr(a);
            assertThat(err.code()).isEqualTo(ErrCode.UKNP);
            assertThat(err.text()).containsIgnoringCase("MPAK");
            S2cPacket got = (S2cPacket) b.receive(TIMEOUT);
            assertThat(got.dataText()).isEqualTo("after");
            assertThat(got.src()).isEqualTo(a.vip());
            // The inner PING was not handled: the next reply is for a new PING.
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void truncatedTrailingSubFrameIsAnErrorAfterTheGoodSubPackets() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            byte[] body = concat(
                    PacketCodec.encode(Packets.s2c(b.vip(), "first".getBytes(StandardCharsets.UTF_8))),
                    PacketCodec.encode(Packets.ping("second".getBytes(StandardCharsets.UTF_8))),
                    // A PING sub-frame announcing 100 body bytes with only 3 present.
                    new byte[] {0x02, 0, 0, 0, 100, 'a', 'b', 'c'});
            a.sendRaw(frame(0x1A, body));

            assertThat(((S2cPacket) b.receive(TIMEOUT)).dataText()).isEqualTo("first");
            assertThat(next(a, PacketType.PING).bodyText()).isEqualTo("second");
            ErrorReply err = nextErr(a);
            assertThat(err.code()).isEqualTo(ErrCode.UKNP);
            assertThat(err.text()).contains("MPAK").contains("100").doesNotContain("abc");
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void truncatedTrailingSubFrameHeaderIsAnError() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            byte[] body = concat(PacketCodec.encode(Packets.ping(new byte[] {5})), new byte[] {0x02, 0, 0});
            a.sendRaw(frame(0x1A, body));
            assertThat(next(a, PacketType.PING).body()).containsExactly(5);
            assertThat(nextErr(a, ErrCode.UKNP).text()).contains("truncated");
            assertPingRoundTrip(a);
        }
    }

    @Test
    void emptyMpakIsHarmless() {
        try (DospServer server = start(tmp);
             RawClient a = RawClient.connect(server.port())) {
            a.sendRaw(frame(0x1A, new byte[0]));
            assertPingRoundTrip(a);
        }
    }

    private static byte[] frame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(body.length).put(body).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
