package io.dosp.protocol;

import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;

/**
 * Hands out the client vIPs of one {@link VipTemplate}: always the lowest free
 * {@linkplain VipTemplate#isAssignable(Vip) assignable} address, so a freed vIP is reused
 * before any higher one (spec section 4).
 *
 * <p>State is one {@link BitSet} over host indices (address minus the template's base), so
 * a /8 template costs at most 2 MiB and no object per address. A search hint remembers the
 * lowest index that may be free; {@link #allocate()} scans forward from it with
 * {@link BitSet#nextClearBit(int)}, stepping over indices that are not assignable (network,
 * server, broadcast, last octet 0 or 255, at most two in a row).
 *
 * <p>Thread-safe: every public method synchronizes on this allocator, so callers on several
 * event loops may share one instance. Each call is atomic; a sequence of calls (e.g. an RQIP
 * move: {@link #reserve(Vip)} the new address, then {@link #release(Vip)} the old one) is
 * not, and needs the caller's own coordination if that matters.
 */
public final class VipAllocator {

    private final VipTemplate template;
    private final int size;
    private final BitSet taken = new BitSet();
    /** Every assignable index below this one is taken. */
    private int searchFrom = 2;
    private int count;

    /** An allocator with every assignable address of {@code template} free. */
    public VipAllocator(VipTemplate template) {
        this.template = Objects.requireNonNull(template, "template");
        this.size = template.size();
    }

    /** The template this allocator hands out addresses from. */
    public VipTemplate template() {
        return template;
    }

    /**
     * Takes the lowest free assignable vIP.
     *
     * @return the vIP, or empty when every assignable address is taken
     */
    public synchronized Optional<Vip> allocate() {
        int i = taken.nextClearBit(searchFrom);
        while (i < size && !template.isAssignableIndex(i)) {
            i = taken.nextClearBit(i + 1);
        }
        if (i >= size) {
            searchFrom = size;
            return Optional.empty();
        }
        taken.set(i);
        count++;
        searchFrom = i + 1;
        return Optional.of(template.vipAt(i));
    }

    /**
     * Takes a specific vIP (for RQIP).
     *
     * @return true if it was free and is now taken by the caller; false if it was already taken
     * @throws IllegalArgumentException if {@code vip} is null, outside the template or not
     *     assignable (the message says which)
     */
    public synchronized boolean reserve(Vip vip) {
        String why = template.unassignableReason(vip);
        if (why != null) {
            throw new IllegalArgumentException("cannot reserve: " + why);
        }
        int i = template.indexOf(vip);
        if (taken.get(i)) {
            return false;
        }
        taken.set(i);
        count++;
        return true;
    }

    /**
     * Frees a vIP so it can be handed out again. Idempotent: releasing a free address, or one
     * that is outside the template or not assignable (never taken), does nothing.
     *
     * @return true if the vIP was taken and is now free
     */
    public synchronized boolean release(Vip vip) {
        if (!template.isAssignable(vip)) {
            return false;
        }
        int i = template.indexOf(vip);
        if (!taken.get(i)) {
            return false;
        }
        taken.clear(i);
        count--;
        if (i < searchFrom) {
            searchFrom = i;
        }
        return true;
    }

    /** True if {@code vip} is currently taken; false for null or addresses outside the template. */
    public synchronized boolean isAllocated(Vip vip) {
        return template.isAssignable(vip) && taken.get(template.indexOf(vip));
    }

    /** How many vIPs are currently taken. */
    public synchronized int allocatedCount() {
        return count;
    }

    /** How many vIPs this allocator can hand out in total ({@link VipTemplate#capacity()}). */
    public int capacity() {
        return template.capacity();
    }

    /** Template, taken and capacity, for logs. */
    @Override
    public synchronized String toString() {
        return "VipAllocator[" + template + ", " + count + "/" + template.capacity() + " taken]";
    }
}
