package io.dosp.monitor.internal;

import io.dosp.server.DospServer;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The monitoring listener's admin-token check: {@code Authorization: Bearer TOKEN} compared by the server's
 * own constant-time check ({@link DospServer#isAdminToken}), with wrong tokens counted per remote address:
 * after {@code maxFailures} an address's attempts are refused unchecked until {@code backoff} has passed
 * (so the token cannot be guessed at the listener's speed). At most {@value #MAX_ADDRESSES} addresses are
 * remembered (the least recently failed forgotten first). Not thread-safe: used on the monitor's one
 * event loop only.
 */
public final class TokenCheck {
    static final int MAX_ADDRESSES = 4096;
    private static final String BEARER = "bearer ";

    /** What a request's credentials amount to. */
    public enum Result {
        /** A valid admin token. */
        VALID,
        /** No {@code Authorization} header (or not a bearer token). */
        MISSING,
        /** A token that is not an admin token. */
        WRONG,
        /** Not checked: the address sent too many wrong tokens lately. */
        THROTTLED
    }

    private static final class Failures {
        int count;
        long since;
    }

    private final DospServer server;
    private final int maxFailures;
    private final long backoffNanos;
    private final LongSupplier clock;
    private final AtomicLong wrong = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final Map<InetAddress, Failures> failures = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Failures> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    /** Checks against {@code server}'s admin tokens. */
    public TokenCheck(DospServer server, int maxFailures, long backoffNanos, LongSupplier clock) {
        this.server = server;
        this.maxFailures = maxFailures;
        this.backoffNanos = backoffNanos;
        this.clock = clock;
    }

    /** Checks the value of an {@code Authorization} header (null when absent) sent from {@code from}. */
    public Result check(String authorization, InetAddress from) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Result.MISSING;
        }
        long now = clock.getAsLong();
        Failures f = failures.get(from);
        if (f != null && f.count >= maxFailures) {
            if (now - f.since < backoffNanos) {
                throttled.incrementAndGet();
                return Result.THROTTLED;
            }
            failures.remove(from);
            f = null;
        }
        if (server.isAdminToken(authorization.substring(BEARER.length()).trim())) {
            failures.remove(from);
            return Result.VALID;
        }
        wrong.incrementAndGet();
        if (f == null) {
            f = new Failures();
            failures.put(from, f);
        }
        f.count++;
        f.since = now;
        return Result.WRONG;
    }

    /** Wrong tokens since start. */
    public long wrongTokens() {
        return wrong.get();
    }

    /** Attempts refused unchecked since start. */
    public long throttledAttempts() {
        return throttled.get();
    }

    /** Seconds an address waits after its last wrong token (for {@code Retry-After}). */
    public long backoffSeconds() {
        return Math.max(1, backoffNanos / 1_000_000_000L);
    }
}
