package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.exchange;
import static io.dosp.testkit.Expect.next;
import static io.dosp.testkit.Expect.sync;
import static io.dosp.testkit.Frames.concat;
import static io.dosp.testkit.Frames.frame;
import static io.dosp.testkit.TestServers.config;
import static io.dosp.testkit.TestServers.vip;
import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.ClientStats;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken input over real sockets. For each case the server stays up, two good
 * clients keep exchanging S2C, and once the bad connection is gone nothing of it remains: the
 * client list holds only the good clients, their counters did not move, and the next
 * connection gets the lowest free vIP (7.10.0.4).
 */
class BadInputIT {
    static final int MAX_FRAME = 64 << 10;

    @TempDir
    Path tmp;
    DospServer server;
    RawClient g1;
    RawClient g2;
    ClientStats g1Before;
    ClientStats g2Before;

    private void start(boolean compression) {
        server = DospServer.start(config(tmp).limits(l -> l.maxFrameSize(MAX_FRAME)).compression(compression).build());
        g1 = RawClient.connect(server.port());
        g2 = RawClient.connect(server.port());
        exchange(g1, g2, "before");
        g1Before = server.client(g1.vip()).orElseThrow().stats();
        g2Before = server.client(g2.vip()).orElseThrow().stats();
    }

    @AfterEach
    void stop() {
        if (g1 != null) {
            g1.close();
            g2.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The checks every case ends with, once the bad connections are closed. */
    private void assertNoTrace() {
        TestServers.awaitExactly(server, g1.vip(), g2.vip());
        assertThat(server.client(g1.vip()).orElseThrow().stats()).isEqualTo(g1Before);
        assertThat(server.client(g2.vip()).orElseThrow().stats()).isEqualTo(g2Before);
        exchange(g1, g2, "after");
        try (RawClient fresh = RawClient.connect(server.port())) {
            assertThat(fresh.vip()).isEqualTo(vip("7.10.0.4"));
            exchange(fresh, g1, "fresh");
        }
        TestServers.awaitExactly(server, g1.vip(), g2.vip());
    }

    /** Skips replies until the PING echo of {@code marker}; proves the connection is still served. */
    private static void syncSkipping(RawClient c, String marker) {
        c.send(Packets.ping(marker.getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 10_000; i++) {
            Packet p = c.receive();
            if (p.type() == PacketType.PING && ((SimplePacket) p).bodyText().equals(marker)) {
                return;
            }
        }
        throw new AssertionError("no PING echo of " + marker);
    }

    @Test
    void randomGarbageClosesOnlyThatConnection() {
        start(false);
        for (long seed = 1; seed <= 5; seed++) {
            byte[] garbage = new byte[4096];
            new Random(seed).nextBytes(garbage);
            // With these seeds the first "header" announces far more than the frame limit: EXIT and close.
            assertThat(Integer.toUnsignedLong(ByteBuffer.wrap(garbage, 1, 4).getInt())).isGreaterThan(MAX_FRAME);
            try (RawClient bad = seed % 2 == 0 ? RawClient.connect(server.port()) : RawClient.connectRaw(server.port())) {
                bad.sendRaw(garbage);
                if (seed % 2 == 0) {
                    assertThat(bad.expectExit()).isEqualTo("Packet too large");
                }
                assertThat(bad.closedWithin(CLOSE_TIMEOUT)).as("seed %d", seed).isTrue();
            }
            exchange(g1, g2, "during-" + seed);
            g1Before = server.client(g1.vip()).orElseThrow().stats();
            g2Before = server.client(g2.vip()).orElseThrow().stats();
        }
        assertThat(server.stats().drops(DropReason.FRAME_TOO_LARGE)).isEqualTo(5);
        assertNoTrace();
    }

    @Test
    void randomSmallFramesAreAnsweredAndTheConnectionKept() {
        start(false);
        Random rnd = new Random(7);
        try (RawClient bad = RawClient.connect(server.port())) {
            for (int i = 0; i < 500; i++) {
                int type;
                do {
                    type = rnd.nextInt(256);
                } while (type == PacketType.EXIT.code() || type == PacketType.AUTH.code() || type == PacketType.RQIP.code()
                        || type == PacketType.CLIENT_INFO.code());
                byte[] body = new byte[rnd.nextInt(64)];
                rnd.nextBytes(body);
                bad.sendRaw(frame(type, body));
            }
            syncSkipping(bad, "still-here");
            assertThat(server.client(bad.vip())).isPresent();
        }
        assertNoTrace();
    }

    @Test
    void hugeLengthIsRefusedFromTheHeaderWithoutWaitingForTheBody() {
        start(false);
        try (RawClient bad = RawClient.connect(server.port())) {
            bad.sendRaw(new byte[] {0x03, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            assertThat(next(bad, PacketType.EXIT).bodyText()).isEqualTo("Packet too large");
            assertThat(bad.closedWithin(CLOSE_TIMEOUT)).isTrue();
        }
        assertThat(server.stats().drops(DropReason.FRAME_TOO_LARGE)).isEqualTo(1);
        assertNoTrace();
    }

    @Test
    void frameLimitBoundary() {
        start(false);
        try (RawClient c = RawClient.connect(server.port())) {
            byte[] max = new byte[MAX_FRAME];
            Arrays.fill(max, (byte) 'm');
            c.send(Packets.ping(max));
            assertThat(next(c, PacketType.PING).body()).isEqualTo(max);
            c.sendRaw(new byte[] {0x02, 0, 1, 0, 1}); // PING announcing MAX_FRAME + 1 bytes
            assertThat(next(c, PacketType.EXIT).bodyText()).isEqualTo("Packet too large");
            assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
        }
        assertNoTrace();
    }

    @Test
    void truncatedFramesThenDisconnect() {
        start(false);
        try (RawClient bad = RawClient.connect(server.port())) {
            sync(bad);
            byte[] s2c = PacketCodec.encode(Packets.s2c(g1.vip(), new byte[100]));
            bad.sendRaw(Arrays.copyOf(s2c, 30)); // header and part of the body
        }
        try (RawClient bad = RawClient.connect(server.port())) {
            bad.sendRaw(new byte[] {0x03, 0x00, 0x00}); // part of a header
        }
        try (RawClient bad = RawClient.connectRaw(server.port())) {
            bad.sendRaw(PacketCodec.encode(Packets.ping())); // before even reading AIP and HSK
            bad.sendRaw(new byte[] {0x01, 0x00, 0x00, 0x00, 0x10, 'x'});
        }
        // A truncated frame from a connection that stays open does not block the others.
        try (RawClient stuck = RawClient.connect(server.port())) {
            stuck.sendRaw(new byte[] {0x03, 0x00, 0x00, 0x00, 0x40, 0, 0, 0});
            exchange(g1, g2, "while-stuck");
            assertThat(server.clients()).hasSize(3);
        }
        g1Before = server.client(g1.vip()).orElseThrow().stats();
        g2Before = server.client(g2.vip()).orElseThrow().stats();
        assertNoTrace();
    }

    @Test
    void invalidZlibOnACompressedConnectionIsAnsweredWithErr() {
        start(true);
        assertThat(g1.handshake().compression()).isTrue();
        byte[] ping = "payload".getBytes(StandardCharsets.UTF_8);
        byte[] valid = deflate(ping);
        byte[] junkAfterHeader = {0x78, (byte) 0x9c, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        byte[] bomb = deflate(new byte[MAX_FRAME * 4]);
        byte[][] badBodies = {
            "not zlib at all".getBytes(StandardCharsets.UTF_8),
            junkAfterHeader,
            Arrays.copyOf(valid, valid.length - 3), // truncated stream
            concat(valid, new byte[] {0x55, 0x55}), // bytes after the stream
            bomb, // inflates past the frame limit
        };
        assertThat(bomb.length).isLessThan(MAX_FRAME);
        try (RawClient bad = RawClient.connect(server.port())) {
            for (byte[] body : badBodies) {
                bad.sendRaw(frame(PacketType.PING.code(), body));
                SimplePacket err = next(bad, PacketType.ERR);
                assertThat(ErrorReply.parse(err.body()).code()).isEqualTo(ErrCode.UKNP);
                sync(bad);
            }
            exchange(bad, g1, "compressed-still-works");
            g1Before = server.client(g1.vip()).orElseThrow().stats();
        }
        assertThat(server.stats().drops(DropReason.MALFORMED_FRAME)).isEqualTo(badBodies.length - 1);
        assertThat(server.stats().drops(DropReason.INFLATE_TOO_LARGE)).as("the bomb").isEqualTo(1);
        assertNoTrace();
    }

    @Test
    void nestedAndTruncatedMpakAreRefusedAndTheConnectionContinues() {
        start(false);
        try (RawClient bad = RawClient.connect(server.port())) {
            byte[] inner = PacketCodec.encode(Packets.mpak(List.of(
                    Packets.s2c(g1.vip(), "smuggled".getBytes(StandardCharsets.UTF_8)))));
            byte[] after = PacketCodec.encode(Packets.ping("after".getBytes(StandardCharsets.UTF_8)));
            bad.sendRaw(frame(PacketType.MPAK.code(), concat(inner, after)));
            // Answers come in wire order: the nested MPAK (first) is refused, then the PING after it is echoed.
            SimplePacket err = next(bad, PacketType.ERR);
            assertThat(ErrorReply.parse(err.body()).text()).contains("MPAK inside MPAK");
            assertThat(next(bad, PacketType.PING).bodyText()).isEqualTo("after");

            byte[] ok = PacketCodec.encode(Packets.ping("ok".getBytes(StandardCharsets.UTF_8)));
            byte[] cut = Arrays.copyOf(PacketCodec.encode(Packets.s2c(g1.vip(), new byte[50])), 12);
            bad.sendRaw(frame(PacketType.MPAK.code(), concat(ok, cut)));
            assertThat(next(bad, PacketType.PING).bodyText()).isEqualTo("ok");
            assertThat(ErrorReply.parse(next(bad, PacketType.ERR).body()).text()).contains("announces 58 bytes but only 7 remain");
            sync(bad);
            sync(g1); // the S2C inside the nested MPAK was not delivered
            exchange(bad, g2, "after-mpak");
            g1Before = server.client(g1.vip()).orElseThrow().stats();
            g2Before = server.client(g2.vip()).orElseThrow().stats();
        }
        assertThat(server.stats().drops(DropReason.MALFORMED_FRAME)).isEqualTo(2);
        assertNoTrace();
    }

    @Test
    void serverToClientTypesAndUnknownTypesGetUknp() {
        start(false);
        try (RawClient bad = RawClient.connect(server.port())) {
            for (int type : new int[] {PacketType.AIP.code(), PacketType.HSK.code(), PacketType.SA.code(),
                    PacketType.ERR.code(), 0x00, 0x09, 0x1f, 0x20, 0xff}) {
                bad.sendRaw(frame(type, new byte[] {1, 2, 3, 4}));
                SimplePacket err = next(bad, PacketType.ERR);
                assertThat(ErrorReply.parse(err.body()).code()).as("type 0x%02x", type).isEqualTo(ErrCode.UKNP);
            }
            bad.sendRaw(frame(PacketType.S2C.code(), new byte[] {7, 10, 0}));
            assertThat(ErrorReply.parse(next(bad, PacketType.ERR).body()).code()).isEqualTo(ErrCode.S2CF);
            sync(bad);
        }
        assertNoTrace();
    }

    private static byte[] deflate(byte[] input) {
        Deflater d = new Deflater(6);
        try {
            d.setInput(input);
            d.finish();
            byte[] buf = new byte[input.length + 64];
            int n = 0;
            while (!d.finished()) {
                n += d.deflate(buf, n, buf.length - n);
            }
            return Arrays.copyOf(buf, n);
        } finally {
            d.end();
        }
    }
}
