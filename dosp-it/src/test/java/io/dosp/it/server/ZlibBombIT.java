package io.dosp.it.server;

import static io.dosp.testkit.Expect.assertPingRoundTrip;
import static io.dosp.testkit.Expect.nextErr;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dosp.codec.Zlib;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.PacketType;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerStats;
import io.dosp.testkit.Frames;
import io.dosp.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zlib bombs on a compressed server: bodies of about 1 KB that inflate to 1 MiB. A body that inflates
 * past the maximum frame size is refused (ERR naming the limit, the connection kept) after at most
 * {@code maxFrameSize + 1} bytes of work; that work is counted and charged to the connection; one
 * connection inflates at most {@code inflatePerRead} (plus one body) per turn of its event loop, and
 * no more than its inflate rate. An innocent pair exchanges S2C and PING throughout.
 */
class ZlibBombIT {
    static final int MAX = 64 << 10;
    static final int PER_READ = 128 << 10;
    static final int ATTACKERS = 3;
    static final int BOMBS = 60;

    @TempDir
    Path tmp;

    /** A MSG frame whose compressed body (about 1 KB) inflates to 1 MiB. */
    static byte[] bomb() {
        try (Zlib zlib = new Zlib(9)) {
            return Frames.frame(PacketType.MSG.code(), zlib.deflate(new byte[1 << 20]));
        }
    }

    static byte[] bombs(int n) {
        byte[] one = bomb();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            out.writeBytes(one);
        }
        return out.toByteArray();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void bombsAreRefusedAndTheirWorkIsBoundedPerTurnAndCounted() throws Exception {
        assertThat(bomb().length).isLessThan(1100);
        ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS);
        List<RawClient> attackers = new ArrayList<>();
        try (DospServer server = start(tmp, b -> b.compression(true)
                .limits(l -> l.maxFrameSize(MAX).inflatePerRead(PER_READ).inflateRateLimit(0)));
             InnocentPair pair = InnocentPair.start(server.port())) {
            for (int i = 0; i < ATTACKERS; i++) {
                RawClient a = RawClient.connect(server.port());
                assertThat(a.handshake().compression()).isTrue();
                attackers.add(a);
            }
            pair.awaitMore(3);
            List<Future<?>> attacks = new ArrayList<>();
            for (RawClient a : attackers) {
                attacks.add(pool.submit(() -> {
                    a.sendRaw(bombs(BOMBS)); // in one write: the server reads them in few, large batches
                    for (int i = 0; i < BOMBS; i++) {
                        ErrorReply e = nextErr(a, ErrCode.UKNP);
                        assertThat(e.text()).isEqualTo("MSG body inflates to more than the maximum frame size of " + MAX
                                + " bytes");
                    }
                    assertPingRoundTrip(a); // refused, not disconnected
                    return null;
                }));
            }
            for (Future<?> f : attacks) {
                f.get(90, TimeUnit.SECONDS);
            }
            pair.awaitMore(3);
            pair.stop();

            long work = (long) ATTACKERS * BOMBS * (MAX + 1);
            await().atMost(AWAIT).untilAsserted(() -> {
                ServerStats s = server.stats();
                assertThat(s.drops(DropReason.INFLATE_TOO_LARGE)).isEqualTo(ATTACKERS * BOMBS);
                // Every byte inflated is counted: the bombs' work (the limit + 1 each), and the body of every packet
                // that was decoded (all of them compressed: frames after HSK).
                assertThat(s.guard().inflatedBytes()).isEqualTo(work + s.bytesIn() - 5 * s.packetsIn());
            });
            // At most PER_READ plus one body per turn: every two bombs of a connection wait for another turn.
            long turns = (long) ATTACKERS * (BOMBS / 2 - 1);
            assertThat(server.stats().guard().inflateDeferrals()).isGreaterThanOrEqualTo(turns);
            assertThat(server.stats().drops(DropReason.MALFORMED_FRAME)).isZero();
        } finally {
            attackers.forEach(RawClient::close);
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theInflateRateHoldsABomberBackAndNobodyElse() throws Exception {
        try (DospServer server = start(tmp, b -> b.compression(true)
                .limits(l -> l.maxFrameSize(MAX).inflateRateLimit(1024)));
             InnocentPair pair = InnocentPair.start(server.port());
             RawClient attacker = RawClient.connect(server.port())) {
            long before = server.stats().guard().inflatedBytes();
            attacker.sendRaw(bombs(5));
            // The first bomb fits the one-second burst and is refused; its MAX + 1 bytes put the bucket 64 s in debt.
            assertThat(nextErr(attacker, ErrCode.UKNP).text()).contains("inflates to more than the maximum frame size");
            // While the bomber waits for its bucket, the innocent pair (with buckets of their own) carries on.
            pair.awaitMore(20);
            ServerStats s = server.stats();
            assertThat(s.drops(DropReason.INFLATE_TOO_LARGE)).as("only the first bomb was inflated").isEqualTo(1);
            assertThat(s.guard().inflateDeferrals()).isPositive();
            assertThat(s.guard().inflatedBytes() - before).isGreaterThanOrEqualTo(MAX + 1);
        }
    }
}
