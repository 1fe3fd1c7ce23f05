package io.dosp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Ext;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.dispatch.S2cFastPath;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The peer-gone contacts are recorded on the S2C fast path as on the packet path: with one event loop and plain
 * sockets, a client that sent S2C to a client with the feature on, and left, is reported to it; the fast path really
 * routed the frames (its counter), or did not (property off).
 */
class PeerGoneFastPathTest {

    /** A bare DoSP connection over a socket, reading frames in order. */
    private static final class Conn implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        final Vip vip;

        Conn(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            vip = Packets.parseAip(((SimplePacket) read()).body());
            assertThat(read().type()).isEqualTo(PacketType.HSK);
        }

        Packet read() throws IOException {
            int type = in.readUnsignedByte();
            int length = in.readInt();
            byte[] body = in.readNBytes(length);
            return PacketCodec.decodeBody(type, body, 0, body.length);
        }

        void send(Packet p) throws IOException {
            out.write(PacketCodec.encode(p));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @ParameterizedTest(name = "fast path {0}")
    @ValueSource(booleans = {true, false})
    void aSenderThatLeavesIsReportedToItsReceiver(boolean fastPath) throws Exception {
        System.setProperty(S2cFastPath.PROPERTY, Boolean.toString(fastPath));
        try (DospServer server = DospServer.start(ServerConfig.builder().host("127.0.0.1").port(0).workerThreads(1)
                .template("10.9.x.x").build())) {
            System.clearProperty(S2cFastPath.PROPERTY);
            try (Conn receiver = new Conn(server.port())) {
                receiver.send(Ext.hello(List.of(Ext.FEATURE_PEER_GONE)));
                assertThat(Ext.features((SimplePacket) receiver.read())).containsExactly(Ext.FEATURE_PEER_GONE);
                Vip senderVip;
                try (Conn sender = new Conn(server.port())) { // a reference-style client: no HELLO
                    senderVip = sender.vip;
                    for (int i = 0; i < 3; i++) {
                        sender.send(Packets.s2c(receiver.vip, Vip.parse("0.0.0.0"),
                                ("frame " + i).getBytes(StandardCharsets.UTF_8)));
                    }
                    for (int i = 0; i < 3; i++) {
                        assertThat(((S2cPacket) receiver.read()).src()).isEqualTo(senderVip);
                    }
                }
                Packet notice = receiver.read();
                Ext.PeerGone gone = Ext.PeerGone.parse((SimplePacket) notice);
                assertThat(gone.vip()).isEqualTo(senderVip);
                assertThat(gone.reason()).isEqualTo(Ext.PeerGone.LEFT);
                long fastFrames = server.runtime().counters().fastPathS2c();
                if (fastPath) {
                    assertThat(fastFrames).as("the fast path routed them").isEqualTo(3);
                } else {
                    assertThat(fastFrames).isZero();
                }
                assertThat(server.stats().extensions().peerGoneSent()).isEqualTo(1);
                receiver.send(Packets.ping("sync".getBytes(StandardCharsets.UTF_8)));
                assertThat(receiver.read().type()).as("one notice, then the PING's answer").isEqualTo(PacketType.PING);
            }
        } finally {
            System.clearProperty(S2cFastPath.PROPERTY);
        }
    }
}
