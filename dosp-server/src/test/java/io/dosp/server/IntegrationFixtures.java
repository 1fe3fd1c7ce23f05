package io.dosp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Shared helpers of the server integration tests: configs, strict receives, S2C exchange, no-trace checks. */
final class IntegrationFixtures {
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    static final Duration AWAIT = Duration.ofSeconds(15);

    private IntegrationFixtures() {
    }

    /** A loopback server on a free port with its admin token file under {@code tmp}. */
    static ServerConfig.Builder config(Path tmp) {
        return ServerConfig.builder().host("127.0.0.1").port(0).access(a -> a.adminTokenFile(tmp.resolve("admin.token")));
    }

    static Vip vip(String text) {
        return Vip.parse(text);
    }

    /** The next packet, which must be of {@code type} (nothing is skipped). */
    static SimplePacket next(RawClient c, PacketType type) {
        Packet p = c.receive();
        assertThat(p.type()).as("packet type of %s", p).isEqualTo(type);
        return (SimplePacket) p;
    }

    /** The text of the next packet, which must be of {@code type}. */
    static String nextText(RawClient c, PacketType type) {
        return next(c, type).bodyText();
    }

    /** Sends an ADMIN command and returns the ADMIN reply text (the next packet must be it). */
    static String admin(RawClient c, String command) {
        c.send(Packets.admin(command));
        return nextText(c, PacketType.ADMIN);
    }

    /** Authenticates {@code c} with {@code token}, asserting {@code OK}. */
    static void auth(RawClient c, String token) {
        c.send(Packets.auth(token));
        assertThat(nextText(c, PacketType.AUTH)).isEqualTo("OK");
    }

    /** PING round trip: proves everything {@code c} sent before was handled. */
    static void sync(RawClient c) {
        byte[] marker = ("sync-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        c.send(Packets.ping(marker));
        SimplePacket p = next(c, PacketType.PING);
        assertThat(p.body()).isEqualTo(marker);
    }

    /** One S2C each way between {@code a} and {@code b}, checking DATA and the stamped SRC. */
    static void exchange(RawClient a, RawClient b, String tag) {
        a.send(Packets.s2c(b.vip(), Vip.ZERO, (tag + ">").getBytes(StandardCharsets.UTF_8)));
        S2cPacket atB = (S2cPacket) b.receive();
        assertThat(atB.src()).isEqualTo(a.vip());
        assertThat(atB.dst()).isEqualTo(b.vip());
        assertThat(atB.dataText()).isEqualTo(tag + ">");
        b.send(Packets.s2c(a.vip(), Vip.ZERO, (tag + "<").getBytes(StandardCharsets.UTF_8)));
        S2cPacket atA = (S2cPacket) a.receive();
        assertThat(atA.src()).isEqualTo(b.vip());
        assertThat(atA.dataText()).isEqualTo(tag + "<");
    }

    /** Waits until the server holds exactly {@code vips} (by its client list and its connected count). */
    static void awaitExactly(DospServer server, Vip... vips) {
        Set<Vip> want = Set.of(vips);
        await().atMost(AWAIT).untilAsserted(() -> {
            assertThat(vipsOf(server.clients())).isEqualTo(want);
            assertThat(server.stats().clientsConnected()).isEqualTo(want.size());
        });
    }

    static Set<Vip> vipsOf(List<ConnectedClient> clients) {
        return clients.stream().map(ConnectedClient::vip).collect(Collectors.toSet());
    }

    /** A whole frame with any TYPE and BODY, uncompressed. */
    static byte[] frame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(body.length).put(body).array();
    }

    static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** A 64-hex machine hash derived from {@code seed}. */
    static String hash(char seed) {
        return String.valueOf(seed).repeat(64);
    }

    /**
     * Reads {@code socket} to its end in bulk; returns the bytes read, or -1 when it did not end
     * within {@code timeout}. A reset counts as the end.
     */
    static long drainToEof(Socket socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[64 << 10];
        long total = 0;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return -1;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                return -1;
            } catch (IOException e) {
                return total; // reset by peer
            }
            if (n < 0) {
                return total;
            }
            total += n;
        }
    }

    /** Reads the AIP+HSK prefix (9 + 5 + HSK body) off a plain socket; returns the vIP. */
    static Vip readGreeting(InputStream in) throws IOException {
        byte[] aip = in.readNBytes(9);
        assertThat(aip).hasSize(9);
        assertThat(aip[0] & 0xff).isEqualTo(PacketType.AIP.code());
        byte[] hskHeader = in.readNBytes(5);
        assertThat(hskHeader).hasSize(5);
        assertThat(hskHeader[0] & 0xff).isEqualTo(PacketType.HSK.code());
        int len = ByteBuffer.wrap(hskHeader, 1, 4).getInt();
        assertThat(in.readNBytes(len)).hasSize(len);
        return Vip.fromBytes(aip, 5);
    }
}
