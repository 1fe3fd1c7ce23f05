package io.dosp.it.server;

import static io.dosp.testkit.Expect.CLOSE_TIMEOUT;
import static io.dosp.testkit.Expect.admin;
import static io.dosp.testkit.Expect.auth;
import static io.dosp.testkit.Expect.nextText;
import static io.dosp.testkit.TestServers.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ServerExitReason;
import io.dosp.server.DospServer;
import io.dosp.server.DropReason;
import io.dosp.server.GuardStats;
import io.dosp.server.Limits;
import io.dosp.server.ServerStats;
import io.dosp.testkit.RawClient;
import io.dosp.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * AUTH guessing from the hardening issue: one address guessed 21,000 tokens a second (five per
 * connection, and reconnecting was free) and filled the log with WARN lines. Now failures are
 * counted per address across connections: past the allowance the address's AUTH is refused
 * without even comparing the token, for the ban's length; WARN lines are written only for checked
 * failures, at most one a second. An innocent pair keeps exchanging S2C and PING throughout, and
 * an admin from another address still gets in.
 */
class AuthGuessingIT {
    static final String ATTACKER = "127.0.0.1";
    static final String ADMIN_PACKETS_LOGGER = "io.dosp.server.internal.admin.AdminPackets";
    static final Pattern HELD_BACK = Pattern.compile("\\((\\d+) similar lines? held back\\)$");
    static final String THROTTLED = "ERR:Too many failed authentication attempts from your address; retry in ";

    @TempDir
    Path tmp;

    /** One connection from {@code from} that guesses until the server closes it; returns the replies. */
    private static List<String> guessUntilClosed(int port, String from, int perConnection, int round) {
        try (RawClient c = RawClient.connect(port, from)) {
            String[] replies = new String[perConnection];
            for (int i = 0; i < perConnection; i++) {
                c.send(Packets.auth(String.format("guess-%04d-%02d-0123456789abcdef", round, i)));
            }
            for (int i = 0; i < perConnection; i++) {
                replies[i] = nextText(c, PacketType.AUTH);
            }
            assertThat(c.expectExit()).isEqualTo(ServerExitReason.AUTH_FAILURES.text());
            assertThat(c.closedWithin(CLOSE_TIMEOUT)).isTrue();
            return List.of(replies);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void guessesAcrossReconnectsAreCappedPerAddressAndUncheckedBeyondTheAllowance() throws Exception {
        int allowance = 5;
        int perConnection = Limits.DEFAULT_MAX_AUTH_FAILURES;
        int connections = 40;
        Logger adminLog = (Logger) LoggerFactory.getLogger(ADMIN_PACKETS_LOGGER);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        adminLog.addAppender(log);
        try (DospServer server = TestServers.start(tmp, b -> b.limits(l -> l.maxAuthFailuresPerAddress(allowance)
                .authBackoff(Duration.ZERO).authBan(Duration.ofMinutes(10))));
             InnocentPair pair = InnocentPair.start(server.port())) {
            int invalid = 0;
            int throttled = 0;
            for (int round = 0; round < connections; round++) {
                for (String reply : guessUntilClosed(server.port(), ATTACKER, perConnection, round)) {
                    if (reply.equals("ERR:Invalid token")) {
                        invalid++;
                    } else {
                        assertThat(reply).startsWith(THROTTLED).endsWith(" s");
                        throttled++;
                    }
                }
                if (round == connections / 2) {
                    pair.awaitMoreRounds(5);
                }
            }
            int guesses = connections * perConnection;
            assertThat(invalid).as("guesses whose token was compared").isEqualTo(allowance);
            assertThat(throttled).isEqualTo(guesses - allowance);

            // Even the right token is not looked at from the banned address; another address gets in.
            try (RawClient banned = RawClient.connect(server.port(), ATTACKER);
                 RawClient operator = RawClient.connect(server.port(), "127.0.0.3")) {
                banned.send(Packets.auth(TOKEN));
                assertThat(nextText(banned, PacketType.AUTH)).startsWith(THROTTLED);
                auth(operator, TOKEN);
                assertThat(admin(operator, "stats")).contains("guard.auth_checked: " + (allowance + 1),
                        "guard.auth_throttled: " + (throttled + 1), "guard.auth_bans: 1");
            }
            pair.assertStillWorking();

            ServerStats stats = server.stats();
            GuardStats guard = stats.guard();
            assertThat(guard.authChecked()).isEqualTo(allowance + 1);
            assertThat(guard.authThrottled()).isEqualTo(throttled + 1);
            assertThat(guard.authBans()).isEqualTo(1);
            assertThat(stats.drops(DropReason.AUTH_THROTTLED)).isEqualTo(throttled + 1);
            assertThat(stats.drops(DropReason.AUTH_FAILURES)).as("every guessing connection was closed").isEqualTo(connections);

            // WARN lines: only checked failures and the ban write one, at most a few a second each; a line after held-back
            // ones says how many it stands for ("(N similar lines held back)"; none: it stands for itself); nothing for the
            // refused guesses.
            List<String> lines = log.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> !m.contains("authenticated as admin")).toList();
            long heldBack = 0;
            long bytes = 0;
            for (String line : lines) {
                Matcher m = HELD_BACK.matcher(line);
                heldBack += m.find() ? Long.parseLong(m.group(1)) : 0;
                bytes += line.getBytes(StandardCharsets.UTF_8).length;
                assertThat(line).doesNotContain("guess-").doesNotContain(TOKEN);
            }
            assertThat(lines).as("WARN lines for %d guesses", guesses).isNotEmpty().hasSizeLessThanOrEqualTo(allowance + 1);
            assertThat(lines.size() + heldBack).isLessThanOrEqualTo(allowance + 1);
            assertThat(bytes).as("log bytes written for the attack").isLessThanOrEqualTo((allowance + 1) * 256L);
        } finally {
            adminLog.detachAppender(log);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void withTheDefaultsAnAddressGetsNoMoreThanItsAllowanceOfChecks() throws Exception {
        int connections = 40;
        int perConnection = Limits.DEFAULT_MAX_AUTH_FAILURES;
        try (DospServer server = TestServers.start(tmp); InnocentPair pair = InnocentPair.start(server.port())) {
            int invalid = 0;
            for (int round = 0; round < connections; round++) {
                for (String reply : guessUntilClosed(server.port(), ATTACKER, perConnection, round)) {
                    if (reply.equals("ERR:Invalid token")) {
                        invalid++;
                    }
                }
            }
            pair.assertStillWorking();
            GuardStats guard = server.stats().guard();
            assertThat(guard.authChecked()).as("tokens compared for one address").isEqualTo(invalid)
                    .isGreaterThanOrEqualTo(3) // two failures cost no wait, the third starts the backoff
                    .isLessThanOrEqualTo(Limits.DEFAULT_MAX_AUTH_FAILURES_PER_ADDRESS);
            assertThat(guard.authThrottled()).isEqualTo((long) connections * perConnection - invalid);
        }
    }
}
