package io.dosp.it.server;

import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.TestServers.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.testkit.Expect;
import io.dosp.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec sections 3 and 6 on the wire: the exact AIP and HSK bytes a client reads first, with
 * compression off and on, and zlib bodies on every later frame when compression is on. Uses a
 * plain socket (not the codec) so the bytes are checked independently of our own decoder.
 */
class ServerHandshakeIT {
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path tmp;

    @Test
    void handshakeBytesWithoutCompression() throws IOException {
        try (DospServer server = DospServer.start(config(tmp).build());
             Socket first = connect(server.port())) {
            DataInputStream in = new DataInputStream(first.getInputStream());
            // AIP 13 00000004 070a0002, then HSK 14 00000007 00 "[2, 0]"
            assertThat(HEX.formatHex(readN(in, 9))).isEqualTo("1300000004070a0002");
            assertThat(HEX.formatHex(readN(in, 12))).isEqualTo("1400000007" + "00" + "5b322c20305d");

            // Connected only now, so it is certainly the second client.
            try (Socket second = connect(server.port())) {
                DataInputStream in2 = new DataInputStream(second.getInputStream());
                assertThat(HEX.formatHex(readN(in2, 21))).isEqualTo("1300000004070a0003" + "140000000700" + "5b322c20305d");
            }

            // The next bytes are exactly the uncompressed echo of an uncompressed PING: nothing
            // else was sent after HSK.
            write(first.getOutputStream(), HEX.parseHex("0200000003616263"));
            assertThat(HEX.formatHex(readN(in, 8))).isEqualTo("0200000003616263");
        }
    }

    @Test
    void handshakeBytesWithCompressionThenZlibFrames() throws IOException, DataFormatException {
        try (DospServer server = DospServer.start(config(tmp).compression(true).build());
             Socket s = connect(server.port())) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            // AIP and HSK are never compressed; HSK's flag byte is 01.
            assertThat(HEX.formatHex(readN(in, 9))).isEqualTo("1300000004070a0002");
            assertThat(HEX.formatHex(readN(in, 12))).isEqualTo("1400000007" + "01" + "5b322c20305d");

            byte[] payload = "compressed ping payload, compressed ping payload".getBytes(StandardCharsets.UTF_8);
            byte[] zbody = deflate(payload);
            write(s.getOutputStream(), frame(0x02, zbody));

            assertThat(in.readUnsignedByte()).isEqualTo(0x02);
            int len = in.readInt();
            byte[] body = readN(in, len);
            assertThat(body[0] & 0xff).as("zlib CMF byte of the echoed PING body").isEqualTo(0x78);
            assertThat(inflate(body)).isEqualTo(payload);

            // A GCL reply is compressed too; its inflated body is the one vIP.
            write(s.getOutputStream(), frame(0x04, deflate(new byte[0])));
            assertThat(in.readUnsignedByte()).isEqualTo(0x04);
            byte[] gcl = readN(in, in.readInt());
            assertThat(gcl[0] & 0xff).isEqualTo(0x78);
            assertThat(HEX.formatHex(inflate(gcl))).isEqualTo("070a0002");
        }
    }

    @Test
    void compressedClientsExchangeS2cAndKeepWorking() {
        try (DospServer server = DospServer.start(config(tmp).compression(true).build());
             RawClient a = RawClient.connect(server.port());
             RawClient b = RawClient.connect(server.port())) {
            assertThat(a.handshake().compression()).isTrue();
            assertThat(a.handshake().version()).isEqualTo(2);
            byte[] data = "x".repeat(2000).getBytes(StandardCharsets.UTF_8);
            a.send(Packets.s2c(b.vip(), Vip.parse("9.9.9.9"), data));
            S2cPacket got = (S2cPacket) b.receive(Expect.TIMEOUT);
            assertThat(got.dst()).isEqualTo(b.vip());
            assertThat(got.src()).isEqualTo(a.vip());
            assertThat(got.data()).isEqualTo(data);
            assertPingRoundTrip(a);
            assertPingRoundTrip(b);
        }
    }

    @Test
    void uncompressedFrameOnCompressedConnectionIsAnErrorButNotFatal() {
        try (DospServer server = DospServer.start(config(tmp).compression(true).build());
             RawClient other = RawClient.connect(server.port());
             RawClient c = RawClient.connect(server.port())) {
            // A PING whose body is not a zlib stream: the server cannot inflate it.
            c.sendRaw(HEX.parseHex("0200000003616263"));
            ErrorReply err = Expect.nextErr(c, ErrCode.UKNP);
            assertThat(err.text()).contains("zlib");
            assertPingRoundTrip(c);
            assertPingRoundTrip(other);
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout((int) Expect.TIMEOUT.toMillis());
        return s;
    }

    private static byte[] readN(DataInputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void write(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private static byte[] frame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(body.length).put(body).array();
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(6);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[256];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] z) throws DataFormatException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(z);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[256];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new DataFormatException("truncated zlib stream");
                }
                out.write(buf, 0, n);
            }
            assertThat(inf.getRemaining()).as("bytes after the zlib stream").isZero();
            return out.toByteArray();
        } finally {
            inf.end();
        }
    }
}
