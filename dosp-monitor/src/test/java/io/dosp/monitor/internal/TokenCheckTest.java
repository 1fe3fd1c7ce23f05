package io.dosp.monitor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token check on a server that is built but not started (no socket): bearer parsing, failures per address, backoff. */
class TokenCheckTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    private DospServer server() {
        return new DospServer(ServerConfig.builder().port(0)
                .access(a -> a.adminToken(TOKEN).adminTokenFile(tmp.resolve("t"))).build());
    }

    @Test
    void bearerTokensAreCheckedAndWrongOnesThrottledPerAddress() throws Exception {
        AtomicLong clock = new AtomicLong();
        TokenCheck check = new TokenCheck(server(), 2, TimeUnit.SECONDS.toNanos(60), clock::get);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertThat(check.check(null, a)).isEqualTo(TokenCheck.Result.MISSING);
        assertThat(check.check("Basic abc", a)).isEqualTo(TokenCheck.Result.MISSING);
        assertThat(check.check("Bearer ", a)).isEqualTo(TokenCheck.Result.MISSING);
        assertThat(check.check("Bearer " + TOKEN, a)).isEqualTo(TokenCheck.Result.VALID);
        assertThat(check.check("bearer " + TOKEN, a)).isEqualTo(TokenCheck.Result.VALID);
        assertThat(check.check("Bearer nope", a)).isEqualTo(TokenCheck.Result.WRONG);
        assertThat(check.check("Bearer nope", a)).isEqualTo(TokenCheck.Result.WRONG);
        // a used up its failures: even the right token is refused unchecked, b is not affected
        assertThat(check.check("Bearer " + TOKEN, a)).isEqualTo(TokenCheck.Result.THROTTLED);
        assertThat(check.check("Bearer " + TOKEN, b)).isEqualTo(TokenCheck.Result.VALID);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
        assertThat(check.check("Bearer " + TOKEN, a)).isEqualTo(TokenCheck.Result.VALID);
        assertThat(check.wrongTokens()).isEqualTo(2);
        assertThat(check.throttledAttempts()).isEqualTo(1);
        assertThat(check.backoffSeconds()).isEqualTo(60);
    }

    @Test
    void theAddressTableIsBounded() throws Exception {
        TokenCheck check = new TokenCheck(server(), 1, TimeUnit.SECONDS.toNanos(60), () -> 0);
        for (int i = 0; i < TokenCheck.MAX_ADDRESSES + 10; i++) {
            byte[] ip = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
            assertThat(check.check("Bearer wrong", InetAddress.getByAddress(ip))).isEqualTo(TokenCheck.Result.WRONG);
        }
        // the first address was forgotten (least recently failed), the last is still held back
        assertThat(check.check("Bearer " + TOKEN, InetAddress.getByAddress(new byte[] {10, 0, 0, 0})))
                .isEqualTo(TokenCheck.Result.VALID);
        int last = TokenCheck.MAX_ADDRESSES + 9;
        assertThat(check.check("Bearer " + TOKEN, InetAddress.getByAddress(
                new byte[] {10, (byte) (last >> 16), (byte) (last >> 8), (byte) last}))).isEqualTo(TokenCheck.Result.THROTTLED);
    }

    @Test
    void hostHeadersNamingLoopback() {
        assertThat(MonitorHandler.hostIsLoopback("localhost")).isTrue();
        assertThat(MonitorHandler.hostIsLoopback("localhost:9464")).isTrue();
        assertThat(MonitorHandler.hostIsLoopback("127.0.0.1:9464")).isTrue();
        assertThat(MonitorHandler.hostIsLoopback("127.1.2.3")).isTrue();
        assertThat(MonitorHandler.hostIsLoopback("[::1]:9464")).isTrue();
        assertThat(MonitorHandler.hostIsLoopback("[::1]")).isTrue();
        assertThat(MonitorHandler.hostIsLoopback(null)).isFalse();
        assertThat(MonitorHandler.hostIsLoopback("evil.example")).isFalse();
        assertThat(MonitorHandler.hostIsLoopback("localhost.evil.example")).isFalse();
        assertThat(MonitorHandler.hostIsLoopback("127.0.0.1.evil.example")).isFalse();
        assertThat(MonitorHandler.hostIsLoopback("[::1].evil")).isFalse();
        assertThat(MonitorHandler.hostIsLoopback("10.0.0.1:9464")).isFalse();
    }
}
