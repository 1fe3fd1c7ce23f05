package io.dosp.it.server;

import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dosp.client.DospClient;
import io.dosp.client.DospClientException;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.ServerStats;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * GCL amplification: a 5-byte request whose reply lists every client (4 bytes each). Replies larger
 * than their request are held to {@link #RATE} bytes per second per client (burst of one second);
 * over it a request is refused with ERR, the first refusal saying why and the next ones bare (no
 * larger than the request), and a client more than a second in debt is not read from until its
 * bucket is full again. Other clients keep their own budgets; an innocent pair exchanges S2C and
 * PING throughout.
 */
class ReplyAmplificationIT {
    static final long RATE = 4096;
    static final int IDLE = 100;
    static final int REQUESTS = 1000;
    static final String WHY = "GCL refused: replies larger than their request are limited to " + RATE
            + " bytes/s per client; ask again later";

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aGclFloodIsHeldToTheReplyRate() throws Exception {
        List<RawClient> idle = new ArrayList<>();
        // IDLE clients from one address: without the per-address limit (AddressLockoutIT tests that).
        try (DospServer server = start(tmp, b -> b.limits(l -> l.replyRateLimit(RATE).maxConnectionsPerAddress(0)));
             InnocentPair pair = InnocentPair.start(server.port());
             RawClient innocent = RawClient.connect(server.port());
             RawClient attacker = RawClient.connect(server.port())) {
            for (int i = 0; i < IDLE; i++) {
                idle.add(RawClient.connect(server.port()));
            }
            int clients = IDLE + 4;
            await().atMost(AWAIT).until(() -> server.stats().clientsConnected() == clients);
            int replyBytes = PacketCodec.HEADER_BYTES + 4 * clients;
            assertThat(replyBytes).as("%d times the request", replyBytes / 5).isGreaterThan(80 * 5);
            pair.awaitMore(3);

            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 0; i < REQUESTS; i++) {
                flood.writeBytes(PacketCodec.encode(Packets.gclRequest()));
            }
            long start = System.nanoTime();
            attacker.sendRaw(flood.toByteArray());
            int answered = 0;
            int explained = 0;
            int bare = 0;
            long received = 0;
            String firstWhy = null;
            for (int i = 0; i < REQUESTS; i++) {
                SimplePacket p = (SimplePacket) attacker.receive(Duration.ofSeconds(30));
                received += PacketCodec.HEADER_BYTES + p.bodyLength();
                if (p.type() == PacketType.GCL) {
                    assertThat(p.bodyLength()).isEqualTo(4 * clients);
                    answered++;
                    continue;
                }
                assertThat(p.type()).isEqualTo(PacketType.ERR);
                ErrorReply e = ErrorReply.parse(p.body());
                assertThat(e.code()).isEqualTo(ErrCode.GCLF);
                if (e.text().isEmpty()) {
                    assertThat(p.bodyLength()).as("a bare refusal is the code alone").isEqualTo(1);
                    bare++;
                } else {
                    assertThat(e.text()).isEqualTo(WHY);
                    firstWhy = firstWhy == null ? e.text() : firstWhy;
                    explained++;
                }
                if (i == REQUESTS / 2) {
                    // Meanwhile another client's GCL is answered from its own budget.
                    innocent.send(Packets.gclRequest());
                    assertThat(innocent.receive().type()).isEqualTo(PacketType.GCL);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pair.awaitMore(3);

            assertThat(answered + explained + bare).as("every request answered once").isEqualTo(REQUESTS);
            assertThat(firstWhy).isEqualTo(WHY);
            assertThat(explained).as("each explained refusal follows a reply sent").isBetween(1, answered);
            // What the bucket allows: its one-second burst, the rate for the time it took, one reply into debt.
            assertThat((long) answered * replyBytes).isLessThanOrEqualTo((long) (RATE * (seconds + 1)) + replyBytes);
            assertThat(received).as("all the attacker got, refusals included")
                    .isLessThanOrEqualTo((long) (RATE * (seconds + 1)) + replyBytes + explained * 200L + bare * 6L);
            ServerStats s = server.stats();
            assertThat(s.drops(DropReason.REPLY_RATE_LIMIT)).isEqualTo(explained + bare);
            assertThat(s.guard().meteredReplies()).as("the attacker's and the innocent's").isEqualTo(answered + 1);
            assertThat(s.guard().meteredReplyBytes()).isEqualTo((long) (answered + 1) * replyBytes);

            // The attacker is slowed, not cut off: once its bucket has refilled its GCL is answered again.
            await().atMost(AWAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                attacker.send(Packets.gclRequest());
                Packet p = attacker.receive(Duration.ofSeconds(30));
                return p.type() == PacketType.GCL;
            });
            pair.awaitMore(3);
        } finally {
            idle.forEach(RawClient::close);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theClientLibraryReportsARefusedGclOrGsiWithTheServersReason() throws Exception {
        try (DospServer server = start(tmp, b -> b.limits(l -> l.replyRateLimit(200)));
             InnocentPair pair = InnocentPair.start(server.port());
             DospClient client = TestServers.client(server)) {
            DospClientException refused = null;
            int answered = 0;
            long start = System.nanoTime();
            while (refused == null && answered < 1000) {
                Throwable t = catchThrowable(client::selfInfo);
                if (t == null) {
                    answered++;
                } else {
                    refused = (DospClientException) t;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(refused).isNotNull().hasMessageContaining("refused GSI: GSI refused: replies larger than their"
                    + " request are limited to 200 bytes/s per client");
            // A 300-byte reply fits a burst of 200 (the bucket goes into debt), the next request does not.
            assertThat(answered).isPositive().isLessThanOrEqualTo((int) (200 * (seconds + 1) / 300) + 1);
            Throwable gcl = catchThrowable(client::clients);
            assertThat(gcl).isInstanceOf(DospClientException.class).hasMessageContaining("refused GCL");
            assertThat(server.stats().drops(DropReason.REPLY_RATE_LIMIT)).isEqualTo(2);
            pair.awaitMore(3);
        }
    }
}
