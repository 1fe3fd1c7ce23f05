package io.dosp.server.internal.admin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Failed AUTH attempts per key (a remote address, {@code AddressKey}: IPv6 by /64; or, for client logins, a
 * user name), across all its connections, so that reconnecting does not start afresh. The first {@value #FREE_FAILURES}
 * failures cost nothing (a typo is not punished); after the k-th failure, k > {@value #FREE_FAILURES},
 * the address waits {@code backoff * 2^(k-3)} (at most the ban) before its next attempt is checked;
 * after {@code allowance} failures its AUTH is refused for {@code ban}. Attempts in a wait or a ban are
 * refused without comparing the token. A success forgets the address's failures; so does a
 * quiet period as long as the ban.
 *
 * <p>At most {@value #MAX_TRACKED} addresses are held (the least recently seen goes first): an
 * attacker who could push its own entry out needs that many addresses (/64s), each of which has
 * its own allowance anyway. Thread-safe: one lock, held while the token is compared (a digest
 * comparison), so concurrent attempts from one address cannot exceed the allowance.
 */
public final class AuthGuard<K> {
    static final int MAX_TRACKED = 65_536;
    /** Failures after which no wait is imposed yet. */
    static final int FREE_FAILURES = 2;

    /** What happened to one attempt. */
    public enum Outcome {
        /** The token was checked and accepted. */
        ACCEPTED,
        /** The token was checked and refused. */
        REFUSED,
        /** The token was checked and refused, and that used up the address's allowance: it is banned now. */
        REFUSED_NOW_BANNED,
        /** Not checked: the address is waiting out its backoff or its ban. */
        THROTTLED
    }

    /** One attempt's outcome and, when {@link Outcome#THROTTLED}, how long until the next one is checked. */
    public record Verdict(Outcome outcome, long waitNanos, int failures) {
    }

    private static final class Entry {
        int failures;
        long lastFailure;
        long nextCheck;
        long bannedUntil;
    }

    private final int allowance;
    private final long backoffNanos;
    private final long banNanos;
    private final LongSupplier clock;
    private final Map<K, Entry> entries = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, Entry> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    /** {@code allowance} failures per address (0: no limit), the first backoff and the ban, timed by {@code nanoClock}. */
    public AuthGuard(int allowance, Duration backoff, Duration ban, LongSupplier nanoClock) {
        this.allowance = allowance;
        this.backoffNanos = backoff.toNanos();
        this.banNanos = ban.toNanos();
        this.clock = nanoClock;
    }

    /**
     * One attempt from {@code key} (null: no address, never limited): runs {@code check} (the token
     * comparison) unless the address must wait, and records the result.
     */
    public Verdict attempt(K key, BooleanSupplier check) {
        if (allowance == 0 || key == null) {
            return new Verdict(check.getAsBoolean() ? Outcome.ACCEPTED : Outcome.REFUSED, 0, 0);
        }
        synchronized (entries) {
            long now = clock.getAsLong();
            Entry e = entries.get(key);
            if (e != null && e.bannedUntil == 0 && now - e.lastFailure >= banNanos) {
                entries.remove(key); // quiet for as long as a ban: forgotten
                e = null;
            }
            if (e != null && e.bannedUntil != 0 && now - e.bannedUntil >= 0) {
                entries.remove(key); // the ban is over: a fresh allowance
                e = null;
            }
            if (e != null) {
                long until = e.bannedUntil != 0 ? e.bannedUntil : e.nextCheck;
                if (until - now > 0) {
                    return new Verdict(Outcome.THROTTLED, until - now, e.failures);
                }
            }
            if (check.getAsBoolean()) {
                if (e != null) {
                    entries.remove(key);
                }
                return new Verdict(Outcome.ACCEPTED, 0, 0);
            }
            if (e == null) {
                e = new Entry();
                entries.put(key, e);
            }
            e.failures++;
            e.lastFailure = now;
            if (e.failures >= allowance) {
                e.bannedUntil = now + banNanos;
                if (e.bannedUntil == 0) {
                    e.bannedUntil = 1; // 0 means "not banned"
                }
                return new Verdict(Outcome.REFUSED_NOW_BANNED, banNanos, e.failures);
            }
            e.nextCheck = now + backoff(e.failures);
            return new Verdict(Outcome.REFUSED, 0, e.failures);
        }
    }

    /** The wait after the {@code failures}-th failure: none for the free ones, then backoff doubled per failure, at most the ban. */
    long backoff(int failures) {
        if (backoffNanos == 0 || failures <= FREE_FAILURES) {
            return 0;
        }
        int shift = Math.min(failures - FREE_FAILURES - 1, 40);
        long wait = backoffNanos << shift;
        return wait <= 0 || wait > banNanos || (wait >> shift) != backoffNanos ? banNanos : wait;
    }

    /** Addresses with failures on record now. */
    int tracked() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
