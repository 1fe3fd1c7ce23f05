package io.dosp.it.server;

import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.TestServers.AWAIT;
import static io.dosp.testkit.TestServers.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dosp.protocol.ExitCode;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.server.DospServer;
import io.dosp.server.PeerStatus;
import io.dosp.testkit.PeerScript;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.ScriptedPeer;
import io.dosp.protocol.PacketCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Log injection: strings a peer controls (a client's EXIT reason, a link HELLO's host name, a peer
 * server's EXIT text) reach the log escaped and cut to {@value #TEXT} characters, and the lines a
 * client can cause over and over (connections, failed AUTH, refused links) are held to
 * {@value #LINES} per second per kind, the rest counted. The log is captured at INFO; an innocent
 * pair exchanges S2C and PING throughout.
 */
class LogInjectionIT {
    static final int TEXT = 40;
    static final int LINES = 5;
    static final int EXITS = 50;
    static final int AUTHS = 200;
    static final String MESH_KEY = "log-injection-mesh-key";
    static final String FORGED = "\u001b[31mbye\r\n12:00:00.000 INFO  [dosp-io-1] AdminPackets - Client 7.10.0.66"
            + " (/127.0.0.1:4242) authenticated as admin\u001b[2J\u202e";
    static final Pattern HELD_BACK = Pattern.compile("\\((\\d+) similar lines? held back\\)$");
    /** The kinds of line a client can cause over and over, each held to LINES per second. */
    static final List<String> LIMITED = List.of("Client connected:", "Client disconnected:",
            "Failed admin authentication", "A peer link from this server to itself");

    @TempDir
    Path tmp;
    private final Logger dosp = (Logger) LoggerFactory.getLogger("io.dosp");
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Level level;

    @BeforeEach
    void captureInfo() {
        level = dosp.getLevel();
        dosp.setLevel(Level.INFO);
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void restore() {
        root.detachAppender(log);
        dosp.setLevel(level);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void peersCannotForgeLinesNorFloodTheLog() throws Exception {
        String reason = FORGED + "x".repeat(1_000_000 - FORGED.length());
        byte[] exitEnd = "bye\n\u001b[2J forged: Peer link to 10.0.0.1:7744 is up (mesh key proven)".getBytes(StandardCharsets.UTF_8);
        try (ScriptedPeer peer = ScriptedPeer.start(PeerScript.create().greet(Vip.parse("7.20.0.2"))
                .send("exit", Packets.serverExit(new String(exitEnd, StandardCharsets.UTF_8))).hold());
             // Every failed AUTH is checked (no per-address throttling, which AuthGuessingIT tests): the burst is
             // about the log lines it causes.
             DospServer server = start(tmp, b -> b.limits(l -> l.logTextLength(TEXT).logLinesPerSecond(LINES)
                             .maxAuthFailuresPerAddress(0).maxAuthFailures(AUTHS * 10))
                     .federation(f -> f.meshKey(MESH_KEY).peer(PeerSpec.parse(peer.address() + ":7.20.0.x"))));
             InnocentPair pair = InnocentPair.start(server.port())) {
            pair.awaitMore(3);
            long opened = 2;

            // 1. EXIT reasons of a megabyte with a forged line, terminal escapes and a bidi override.
            for (int i = 0; i < EXITS; i++) {
                try (RawClient c = RawClient.connect(server.port())) {
                    c.send(Packets.exit(ExitCode.CC, reason));
                    assertThat(c.closedWithin(AWAIT)).isTrue();
                }
                opened++;
            }
            pair.awaitMore(1);

            // 2. Failed AUTH over and over, in one write: each attempt answered, a few lines written, the rest held back,
            //    and the next line of that kind (once a second has passed) says how many.
            long auths = AUTHS;
            try (RawClient c = RawClient.connect(server.port())) {
                ByteArrayOutputStream burst = new ByteArrayOutputStream();
                for (int k = 0; k < AUTHS; k++) {
                    burst.writeBytes(PacketCodec.encode(Packets.auth("not-the-token-" + k + "\nforged")));
                }
                c.sendRaw(burst.toByteArray());
                for (int k = 0; k < AUTHS; k++) {
                    assertThat(nextText(c, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
                }
                int[] probes = {0};
                await().atMost(AWAIT).pollInterval(Duration.ofMillis(250)).until(() -> {
                    c.send(Packets.auth("not-the-token-probe"));
                    assertThat(nextText(c, PacketType.AUTH)).isEqualTo("ERR:Invalid token");
                    probes[0]++;
                    return List.copyOf(log.list).stream().anyMatch(e -> e.getFormattedMessage()
                            .startsWith("Failed admin authentication") && HELD_BACK.matcher(e.getFormattedMessage()).find());
                });
                auths += probes[0];
            }
            opened++;
            long authEvents = auths;

            // 3. A link HELLO with the server's own id (learnt from its CHALLENGE) and a forged host name.
            try (RawClient c = RawClient.connect(server.port())) {
                c.send(Packets.custom(0xF0, hello(new byte[16], "peer.example", server.port())));
                SimplePacket challenge = (SimplePacket) c.receive();
                assertThat(challenge.typeCode()).as("CHALLENGE").isEqualTo(0xF1);
                byte[] serverId = Arrays.copyOf(challenge.body(), 16);
                c.send(Packets.custom(0xF0, hello(serverId, "evil\r\n12:00:00.000 WARN forged\u001b[0m.example", server.port())));
                assertThat(c.expectExit()).as("a clear EXIT").isEqualTo(ServerExitReason.PEER_SELF.text());
            }
            opened++;
            pair.awaitMore(1);

            // 4. A peer server that ends our link with a forged line: escaped in the log and in admin 'peers'.
            await().atMost(AWAIT).until(() -> server.peers().stream().map(PeerStatus::lastError)
                    .anyMatch(e -> e.startsWith("peer ended the link: bye\\n\\x1b[2J forged")));
            pair.awaitMore(3);
            pair.stop();

            // Every connection has gone but the pair's (closed just now).
            long all = opened;
            await().atMost(AWAIT).until(() -> server.stats().clientsConnected() == 0);
            long events = all /* connected */ + all /* disconnected */ + authEvents + 1 /* self link */;

            List<ILoggingEvent> events0 = List.copyOf(log.list);
            for (ILoggingEvent e : events0) {
                String m = e.getFormattedMessage();
                assertThat(m).as("one line per event, nothing a terminal runs").doesNotContain("\n", "\r", "\u001b", "\u202e");
                assertThat(m).as("no forged admin line").doesNotContain("authenticated as admin");
                assertThat(m).as("no secret or token text").doesNotContain("not-the-token");
                assertThat(m.length()).as("bounded: %s", m).isLessThanOrEqualTo(300);
            }
            // The EXIT reasons: 40 escaped characters and the count of what was left out.
            List<String> exits = events0.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.startsWith("Client disconnected:") && m.contains("by=CLIENT reason=\\x1b[31mbye")).toList();
            assertThat(exits).isNotEmpty();
            Matcher cut = Pattern.compile("reason=(.*)…\\((\\d+) more\\)").matcher(exits.get(0));
            assertThat(cut.find()).isTrue();
            assertThat(cut.group(1)).hasSizeLessThanOrEqualTo(TEXT).startsWith("\\x1b[31mbye\\r\\n12:00:00.000");
            assertThat(Long.parseLong(cut.group(2)) + unescapedLength(cut.group(1))).isEqualTo(reason.length());
            assertThat(events0).anyMatch(e -> e.getFormattedMessage().startsWith(
                    "A peer link from this server to itself (evil\\r\\n12:00:00.000 WARN"));
            assertThat(events0).anyMatch(e -> e.getFormattedMessage().contains("peer ended the link: bye\\n\\x1b[2J"));

            // Rate: at most LINES per second of each kind; every event of those kinds is a line or counted as held back.
            await().atMost(AWAIT).untilAsserted(() -> {
                List<ILoggingEvent> now = List.copyOf(log.list);
                long written = 0;
                long reportedHeldBack = 0;
                for (String kind : LIMITED) {
                    List<ILoggingEvent> lines = now.stream().filter(e -> e.getFormattedMessage().startsWith(kind)).toList();
                    written += lines.size();
                    if (lines.isEmpty()) {
                        continue;
                    }
                    long span = lines.get(lines.size() - 1).getTimeStamp() - lines.get(0).getTimeStamp();
                    assertThat(lines.size()).as("%s lines within %d ms", kind, span)
                            .isLessThanOrEqualTo(LINES * (int) (span / 1000 + 2));
                    for (ILoggingEvent e : lines) {
                        Matcher m = HELD_BACK.matcher(e.getFormattedMessage());
                        reportedHeldBack += m.find() ? Long.parseLong(m.group(1)) : 0;
                    }
                }
                long suppressed = server.stats().guard().logLinesSuppressed();
                assertThat(written + suppressed).as("lines written plus lines held back").isEqualTo(events);
                assertThat(reportedHeldBack).isLessThanOrEqualTo(suppressed);
            });
            // The burst of failed AUTH: its last line reported every line held back before it.
            List<String> authLines = events0.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.startsWith("Failed admin authentication")).toList();
            long authReported = authLines.stream().map(HELD_BACK::matcher).filter(Matcher::find)
                    .mapToLong(m -> Long.parseLong(m.group(1))).sum();
            assertThat(authLines.size() + authReported).as("every failed AUTH is a line or counted in one").isEqualTo(authEvents);
            assertThat(authReported).as("held back from a burst of %d", AUTHS).isGreaterThanOrEqualTo(AUTHS - 2L * LINES);
            long bytes = events0.stream().mapToLong(e -> e.getFormattedMessage().length()).sum();
            assertThat(bytes).as("log volume, against 52 MB unescaped").isLessThan(100_000);
        }
    }

    /** A link HELLO body: version 2, server id, nonce, host, port, the address dialed (127.0.0.1:{@code dialedPort}). */
    private static byte[] hello(byte[] serverId, String host, int dialedPort) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        byte[] d = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(1 + 16 + 16 + 1 + h.length + 2 + 1 + d.length + 2).put((byte) 2).put(serverId)
                .put(new byte[16]).put((byte) h.length).put(h).putShort((short) 7744)
                .put((byte) d.length).put(d).putShort((short) dialedPort).array();
    }

    /** How many characters of the input an escaped text stands for. */
    private static int unescapedLength(String escaped) {
        int n = 0;
        for (int i = 0; i < escaped.length(); i++, n++) {
            if (escaped.charAt(i) == '\\') {
                char k = escaped.charAt(i + 1);
                i += k == 'x' ? 3 : k == 'u' ? 5 : 1;
            }
        }
        return n;
    }
}
