package io.dosp.server.internal;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's memory budget for what it holds on behalf of clients. Sessions add what they hold
 * in steps (not per frame) and take it back as it is written; over the {@linkplain #overLimit()
 * limit} the senders that feed clients who are behind are paused, over the {@linkplain
 * #overHardLimit() hard limit} (an eighth more) every sender is, and they are all resumed once the
 * use is back under 90% of the limit.
 *
 * <p>Thread-safe: {@link #add} from every event loop (an atomic per step), the checks are one
 * volatile read. Waiters are resumed through {@link Waiter#budgetRelieved()}, called on whichever
 * thread brought the use down; the waiter moves itself to its own event loop.
 */
public final class MemoryBudget {

    /** A paused sender waiting for the budget. */
    public interface Waiter {
        /** The use went back under the resume mark: resume (on the waiter's own event loop). */
        void budgetRelieved();
    }

    private final long limit;
    private final long hardLimit;
    private final long resumeBelow;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();

    /** A budget of {@code limit} bytes. */
    public MemoryBudget(long limit) {
        this.limit = limit;
        this.hardLimit = limit + limit / 8;
        this.resumeBelow = limit - limit / 10;
    }

    /** A budget that is never spent (tests, tools). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE / 4);
    }

    /** Adds {@code delta} bytes (negative: given back); resumes the waiters when the use falls under the resume mark. */
    public void add(long delta) {
        long now = used.addAndGet(delta);
        if (delta > 0) {
            long p = peak.get();
            while (now > p && !peak.compareAndSet(p, now)) {
                p = peak.get();
            }
        } else if (now < resumeBelow && !waiters.isEmpty()) {
            relieve();
        }
    }

    /** Whether more than the budget is in use: senders to clients that are behind should pause. */
    public boolean overLimit() {
        return used.get() > limit;
    }

    /** Whether more than the hard limit is in use: every sender should pause, S2C that cannot pause one are refused. */
    public boolean overHardLimit() {
        return used.get() > hardLimit;
    }

    /**
     * Registers a sender that has just paused for the budget. If the use fell under the resume
     * mark meanwhile (the relief may have run before the registration), it is resumed at once.
     */
    public void await(Waiter w) {
        waiters.add(w);
        if (used.get() < resumeBelow && waiters.remove(w)) {
            w.budgetRelieved();
        }
    }

    /** Forgets a waiter whose connection closed. */
    public void forget(Waiter w) {
        waiters.remove(w);
    }

    private void relieve() {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext();) {
            Waiter w = it.next();
            it.remove();
            w.budgetRelieved();
        }
    }

    /** Bytes in use now. */
    public long used() {
        return used.get();
    }

    /** The budget in bytes. */
    public long limit() {
        return limit;
    }

    /** The most in use since start. */
    public long peak() {
        return peak.get();
    }
}
