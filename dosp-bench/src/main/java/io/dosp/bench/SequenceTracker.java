package io.dosp.bench;

import java.util.HashSet;
import java.util.Set;

/**
 * Loss, duplicate and reorder accounting for one stream of sequence numbers sent as 0, 1, 2, ...
 *
 * <ul>
 *   <li><b>duplicate</b>: an arrival of a number already seen;</li>
 *   <li><b>reordered</b>: the first arrival of a number lower than one seen before it;</li>
 *   <li><b>lost</b>: numbers sent and never seen, {@code sent - unique()}, known once the stream is drained.</li>
 * </ul>
 *
 * <p>Memory is bounded: a ring bitmap covers {@code window} numbers from the lowest one not yet
 * seen. A number further ahead pushes the window forward; the unseen numbers it passes are kept
 * in a set (up to {@link #MAX_SKIPPED}) so that a late arrival still counts as reordered rather
 * than duplicated. Past that cap a late arrival counts as a duplicate (over TCP none of this
 * happens unless something in between is broken).
 *
 * <p>Not thread-safe: one per receiving connection, used on its event loop.
 */
final class SequenceTracker {
    /** Default window: 65,536 numbers (8 KiB of bitmap). */
    static final int DEFAULT_WINDOW = 1 << 16;
    /** How many skipped numbers are remembered individually. */
    static final int MAX_SKIPPED = 1 << 16;

    private final long[] bits;
    private final long window;
    private final long mask;
    private final Set<Long> skipped = new HashSet<>();
    /** Lowest number not seen yet (every lower one was seen or skipped). */
    private long base;
    private long highest = -1;
    private long received;
    private long duplicates;
    private long reordered;
    private long invalid;

    SequenceTracker() {
        this(DEFAULT_WINDOW);
    }

    /** {@code window} must be a power of two, at least 64. */
    SequenceTracker(int window) {
        if (window < 64 || Integer.bitCount(window) != 1) {
            throw new IllegalArgumentException("window must be a power of two >= 64, got " + window);
        }
        this.window = window;
        this.mask = window - 1;
        this.bits = new long[window / 64];
    }

    /** Records one arrival of {@code seq}. */
    void onSeq(long seq) {
        received++;
        if (seq < 0) {
            invalid++;
            return;
        }
        if (seq < base) {
            if (skipped.remove(seq)) {
                reordered++;
            } else {
                duplicates++;
            }
            return;
        }
        if (seq - base >= window) {
            skipTo(seq - window + 1);
        }
        if (isSet(seq)) {
            duplicates++;
            return;
        }
        set(seq);
        if (seq < highest) {
            reordered++;
        } else {
            highest = seq;
        }
        while (base <= highest && isSet(base)) {
            clear(base);
            base++;
        }
    }

    /** Moves the window's start to {@code newBase}, remembering every unseen number it passes. */
    private void skipTo(long newBase) {
        long end = Math.min(newBase, base + window);
        for (long s = base; s < end; s++) {
            if (isSet(s)) {
                clear(s);
            } else {
                remember(s);
            }
        }
        for (long s = end; s < newBase && skipped.size() < MAX_SKIPPED; s++) {
            remember(s);
        }
        base = newBase;
        while (base <= highest && isSet(base)) {
            clear(base);
            base++;
        }
    }

    private void remember(long s) {
        if (skipped.size() < MAX_SKIPPED) {
            skipped.add(s);
        }
    }

    private boolean isSet(long s) {
        long i = s & mask;
        return (bits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    private void set(long s) {
        long i = s & mask;
        bits[(int) (i >>> 6)] |= 1L << i;
    }

    private void clear(long s) {
        long i = s & mask;
        bits[(int) (i >>> 6)] &= ~(1L << i);
    }

    /** Every arrival. */
    long received() {
        return received;
    }

    /** Distinct valid numbers seen. */
    long unique() {
        return received - duplicates - invalid;
    }

    long duplicates() {
        return duplicates;
    }

    long reordered() {
        return reordered;
    }

    /** Arrivals carrying a negative number (corrupt data). */
    long invalid() {
        return invalid;
    }

    /** Numbers sent but never seen, given how many were sent (0, 1, ..., sent - 1). */
    long lost(long sent) {
        return Math.max(0, sent - unique());
    }
}
