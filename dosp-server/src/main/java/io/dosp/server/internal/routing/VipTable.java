package io.dosp.server.internal.routing;

import io.dosp.protocol.RqipReply;
import io.dosp.protocol.Vip;
import io.dosp.protocol.VipAllocator;
import io.dosp.protocol.VipTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * The vIPs of this server's template and who holds them: allocation (never used vIPs lowest
 * first, then freed vIPs least recently used, none within its quarantine), RQIP
 * moves, blocked vIPs (reserved while blocked, also when blocked while held), and lookup of the
 * holder of a vIP by its 32-bit value without boxing.
 *
 * <p>Lookup is lock-free: slots are {@link AtomicReferenceArray} elements indexed by the vIP's
 * offset in the template (vIP minus the template's base). A volatile read of an array element
 * costs a plain load on x86/ARM, allocates nothing (a {@code ConcurrentHashMap<Integer, ?>}
 * boxed an Integer per routed S2C), and still publishes a holder bound on another event loop
 * safely (a plain array would give no such guarantee). Templates up to a /16 (65,536 slots,
 * 256 KiB of references at most) use one flat array. Wider templates (down to a /8, 16 Mi
 * addresses) would cost up to 64 MiB flat, so they use pages: a top array with one slot per
 * /24 and a 256-slot page allocated when its first vIP is bound and kept after (the allocator
 * fills the lowest addresses first, so about one page per 254 holders).
 *
 * <p>Threading: lookups from any thread without locking; every change (bind, release, move,
 * block) takes this table's lock, so the slots, the holder map and the allocator change
 * together. A holder's vIP changes only on its own event loop (connect, RQIP, disconnect).
 *
 * <p>Reuse: a vIP its holder gave up (disconnect, RQIP away) stays reserved in the allocator and
 * goes into {@link #freed} in release order. Nobody else gets it for the quarantine (see
 * {@code Limits.vipQuarantine}): peers that had traffic or a tunnel with the old holder learn it
 * left (ERR S2CF) before a newcomer can answer in its name. After that it is handed out again, the
 * least recently freed first, once the never used vIPs are gone. Without a quarantine (zero) a freed
 * vIP is free again at once and allocation is lowest free first, as in the reference. At most {@value #MAX_FREED_ORDER}
 * freed vIPs keep their order (exact for templates up to a /16); older ones whose quarantine ended
 * go back to the allocator (lowest first), so the bookkeeping for a /8 grows past that only by the
 * vIPs freed within one quarantine.
 *
 * @param <S> the holder of a vIP (a client session)
 */
public final class VipTable<S> {
    /** Templates with at most this many addresses use one flat slot array. */
    static final int FLAT_MAX_SLOTS = 1 << 16;
    private static final int PAGE_BITS = 8;
    private static final int PAGE_SIZE = 1 << PAGE_BITS;

    private final VipTemplate template;
    private final int base;
    private final int hostBits;
    /** One slot per address, or null when the template is paged. */
    private final AtomicReferenceArray<S> flat;
    /** One page of {@link #PAGE_SIZE} slots per /24, or null when the template is flat. */
    private final AtomicReferenceArray<AtomicReferenceArray<S>> pages;
    /** The same bindings by vIP, for listing (GCL, admin, broadcast); never used to route. */
    private final ConcurrentHashMap<Vip, S> byVip = new ConcurrentHashMap<>();
    private final VipAllocator allocator;
    private final Set<Vip> blocked = ConcurrentHashMap.newKeySet();
    /** Blocked vIPs of the template held in the allocator so nobody gets them. */
    private final Set<Vip> reservedByBlock = ConcurrentHashMap.newKeySet();
    /** Users' fixed vIPs (client admission): held in the allocator for good, taken only by {@link #claimReserved}. */
    private final Set<Vip> reservedForUser = ConcurrentHashMap.newKeySet();
    /** The RQIP refusal of a vIP reserved for a user. */
    public static final String RESERVED = "IP is reserved for a user";
    private final Object lock = new Object();
    /** Freed vIPs in release order (oldest first) with their release time (nanos); under the lock. */
    private final LinkedHashMap<Vip, Long> freed = new LinkedHashMap<>();
    /** Freed vIPs kept in release order at most. */
    static final int MAX_FREED_ORDER = 1 << 16;
    private final long quarantineNanos;
    private final LongSupplier nanoTime;

    /**
     * An empty table for {@code template} with {@code blockedVips} blocked (and reserved when in the
     * template), no quarantine: a freed vIP is free again at once, lowest free first.
     */
    public VipTable(VipTemplate template, Collection<Vip> blockedVips) {
        this(template, blockedVips, Duration.ZERO, System::nanoTime);
    }

    /**
     * An empty table for {@code template} with {@code blockedVips} blocked, where a freed vIP goes
     * to nobody else for {@code quarantine}, on the clock {@code nanoTime}.
     */
    public VipTable(VipTemplate template, Collection<Vip> blockedVips, Duration quarantine, LongSupplier nanoTime) {
        this.quarantineNanos = quarantine.toNanos();
        this.nanoTime = nanoTime;
        this.template = template;
        this.base = template.base().value();
        this.hostBits = 32 - template.prefixLength();
        this.allocator = new VipAllocator(template);
        int size = template.size();
        if (size <= FLAT_MAX_SLOTS) {
            flat = new AtomicReferenceArray<>(size);
            pages = null;
        } else {
            flat = null;
            pages = new AtomicReferenceArray<>(size >>> PAGE_BITS);
        }
        for (Vip v : blockedVips) {
            block(v);
        }
    }

    /** The template this table hands out. */
    public VipTemplate template() {
        return template;
    }

    /** Whether the vIP with 32-bit value {@code vip} lies in the template. */
    public boolean contains(int vip) {
        return (vip - base) >>> hostBits == 0;
    }

    // ---- lookup (any thread, lock-free) ----

    /** The holder of the vIP with 32-bit value {@code vip}, or null. Allocates nothing. */
    public S holder(int vip) {
        int offset = vip - base;
        if (offset >>> hostBits != 0) {
            return null; // outside the template
        }
        if (flat != null) {
            return flat.get(offset);
        }
        AtomicReferenceArray<S> page = pages.get(offset >>> PAGE_BITS);
        return page == null ? null : page.get(offset & (PAGE_SIZE - 1));
    }

    /** The holder of {@code vip}, if any. */
    public Optional<S> holder(Vip vip) {
        return Optional.ofNullable(holder(vip.value()));
    }

    /** Every holder now. */
    public Collection<S> holders() {
        return byVip.values();
    }

    /** The vIPs held now, in ascending order. */
    public List<Vip> vips() {
        List<Vip> out = new ArrayList<>(byVip.keySet());
        out.sort(null);
        return out;
    }

    /** How many vIPs are held. */
    public int size() {
        return byVip.size();
    }

    // ---- changes ----

    /**
     * Takes a vIP to {@link #bind} to its holder: the lowest never used one, else the least recently
     * freed one out of quarantine; empty when the template is full (quarantined vIPs count as taken).
     */
    public Optional<Vip> allocate() {
        synchronized (lock) {
            Optional<Vip> fresh = allocator.allocate();
            if (fresh.isPresent()) {
                return fresh;
            }
            Iterator<Map.Entry<Vip, Long>> it = freed.entrySet().iterator();
            if (it.hasNext()) {
                Map.Entry<Vip, Long> oldest = it.next();
                if (!quarantined(oldest.getValue())) {
                    it.remove();
                    return Optional.of(oldest.getKey()); // still reserved in the allocator: now for its new holder
                }
            }
            return Optional.empty();
        }
    }

    /** How many freed vIPs are in quarantine now. */
    public int quarantinedCount() {
        synchronized (lock) {
            int n = 0;
            for (long t : freed.values()) {
                if (quarantined(t)) {
                    n++;
                }
            }
            return n;
        }
    }

    private boolean quarantined(long releasedAt) {
        return quarantineNanos > 0 && nanoTime.getAsLong() - releasedAt < quarantineNanos;
    }

    /** Makes {@code holder} the holder of {@code vip}, which it was allocated or reserved. */
    public void bind(Vip vip, S holder) {
        synchronized (lock) {
            put(vip, holder);
        }
    }

    /**
     * {@code holder} gave {@code vip} up (it disconnected): the vIP goes back to the allocator,
     * unless it was blocked while held: then it stays reserved until unblocked. Returns false
     * (and changes nothing) when {@code holder} does not hold {@code vip}.
     */
    public boolean release(Vip vip, S holder) {
        synchronized (lock) {
            if (!remove(vip, holder)) {
                return false;
            }
            freeLocked(vip);
            return true;
        }
    }

    /**
     * Takes {@code holder} out of the vIP space (an authenticated peer link is not a client): its
     * vIP is free for clients again and nothing routes to it.
     */
    public void detach(Vip vip, S holder) {
        synchronized (lock) {
            if (remove(vip, holder)) {
                allocator.release(vip);
            }
        }
    }

    /**
     * Why nobody may move to {@code wanted} whoever holds it (blocked, outside the template, not assignable, a
     * user's fixed vIP), or null: the checks of {@link #move} that need no claim (a cluster node makes them before
     * its cluster-wide claim).
     */
    public String moveRefusal(Vip wanted) {
        if (isBlocked(wanted)) {
            return RqipReply.CANNOT_BE_USED;
        }
        if (!template.contains(wanted)) {
            return "IP outside this server's range " + template;
        }
        if (!template.isAssignable(wanted)) {
            return RqipReply.CANNOT_BE_USED; // network, server or broadcast address, or .0/.255
        }
        return null;
    }

    /**
     * Moves {@code holder} from {@code from} to {@code wanted} atomically (spec 5.5): the old vIP is
     * freed and no longer routes to it. Returns null on success (the caller then sets the holder's
     * vIP), else the {@code E:} reason of the RQIP reply.
     */
    public String move(S holder, Vip from, Vip wanted) {
        String refused = moveRefusal(wanted);
        if (refused != null) {
            return refused;
        }
        synchronized (lock) {
            if (from.equals(wanted)) {
                return null;
            }
            if (reservedForUser.contains(wanted)) {
                return RESERVED;
            }
            Long releasedAt = freed.get(wanted);
            if (releasedAt != null) {
                if (quarantined(releasedAt)) {
                    // Nobody can tell its former holder from a newcomer (no identities): nobody gets it yet.
                    return "IP was released recently and is quarantined for " + Duration.ofNanos(quarantineNanos).toSeconds()
                            + " s (limits.vipQuarantine)";
                }
                freed.remove(wanted); // out of quarantine; still reserved in the allocator, now for this holder
            } else if (!allocator.reserve(wanted)) {
                return RqipReply.IN_USE;
            }
            put(wanted, holder);
            remove(from, holder);
            freeLocked(from);
        }
        return null;
    }

    /**
     * Whether {@code vip} may be claimed for a client on this node (cluster mode, before its cluster-wide claim):
     * assignable, not blocked, not a user's fixed vIP, nobody holding it here.
     */
    public boolean claimable(Vip vip) {
        return template.isAssignable(vip) && !isBlocked(vip) && !reservedForUser.contains(vip) && holder(vip.value()) == null;
    }

    /**
     * Binds {@code vip}, which the cluster's registry gave this node, to {@code holder} (cluster mode: the
     * registry, not this table's allocator, decides who may have it; a local quarantine is ended). The caller
     * checked it {@link #claimable} first.
     */
    public void bindClaimed(Vip vip, S holder) {
        synchronized (lock) {
            if (freed.remove(vip) == null) {
                allocator.reserve(vip); // false when a local release left it reserved: it is ours again either way
            }
            put(vip, holder);
        }
    }

    /**
     * Reserves {@code vip} as a user's fixed vIP (client admission): nobody is allocated it, RQIP to it is refused
     * ({@link #RESERVED}), and it stays reserved when its holder leaves (no quarantine: its user comes back to it).
     * False when it is not free now.
     */
    public boolean reserveForUser(Vip vip) {
        synchronized (lock) {
            if (reservedForUser.contains(vip)) {
                return true;
            }
            if (freed.remove(vip) != null || allocator.reserve(vip)) {
                reservedForUser.add(vip);
                return true;
            }
            return false;
        }
    }

    /**
     * Moves {@code holder} from {@code from} to the user-reserved vIP {@code fixed} (its login). {@code fixed} must be
     * free or held by {@code displaced} (another session of the same user, which this takes it from: that session
     * then holds nothing, and its later {@link #release} changes nothing). Returns null on success, else why not.
     */
    public String claimReserved(S holder, Vip from, Vip fixed, S displaced) {
        synchronized (lock) {
            if (!reservedForUser.contains(fixed)) {
                return "IP is not reserved for a user";
            }
            S current = holder(fixed.value());
            if (current == holder) {
                return null;
            }
            if (current != null && current != displaced) {
                return RqipReply.IN_USE;
            }
            if (current != null) {
                remove(fixed, current);
            }
            put(fixed, holder);
            if (!from.equals(fixed)) {
                remove(from, holder);
                freeLocked(from);
            }
            return null;
        }
    }

    /** Whether {@code vip} is blocked. */
    public boolean isBlocked(Vip vip) {
        return blocked.contains(vip);
    }

    /** Blocks {@code vip} for RQIP and allocation; a free vIP of the template is reserved now. False if already blocked. */
    public boolean block(Vip vip) {
        boolean added = blocked.add(vip);
        if (template.isAssignable(vip)) {
            synchronized (lock) {
                if (freed.remove(vip) != null || allocator.reserve(vip)) {
                    reservedByBlock.add(vip); // a freed vIP is already reserved in the allocator
                }
            }
        }
        return added;
    }

    /** Unblocks {@code vip}; a vIP reserved by its block is free again. False if it was not blocked. */
    public boolean unblock(Vip vip) {
        boolean removed = blocked.remove(vip);
        synchronized (lock) {
            if (reservedByBlock.remove(vip)) {
                allocator.release(vip);
            }
        }
        return removed;
    }

    /** Returns a vIP a holder gave up to the allocator, or keeps it reserved while blocked. Caller holds the lock. */
    private void freeLocked(Vip vip) {
        if (reservedForUser.contains(vip)) {
            return; // a user's fixed vIP: stays reserved for its user, no quarantine
        }
        if (isBlocked(vip)) {
            reservedByBlock.add(vip);
            return;
        }
        if (quarantineNanos == 0) {
            allocator.release(vip); // no quarantine: free at once, lowest free first, as the reference does
            return;
        }
        freed.put(vip, nanoTime.getAsLong()); // stays reserved in the allocator while it waits here
        if (freed.size() > MAX_FREED_ORDER) {
            Iterator<Map.Entry<Vip, Long>> it = freed.entrySet().iterator();
            Map.Entry<Vip, Long> oldest = it.next();
            if (!quarantined(oldest.getValue())) {
                it.remove();
                allocator.release(oldest.getKey());
            }
        }
    }

    /** Caller holds the lock. */
    private void put(Vip vip, S holder) {
        int offset = vip.value() - base;
        if (flat != null) {
            flat.set(offset, holder);
        } else {
            AtomicReferenceArray<S> page = pages.get(offset >>> PAGE_BITS);
            if (page == null) {
                page = new AtomicReferenceArray<>(PAGE_SIZE);
                pages.set(offset >>> PAGE_BITS, page);
            }
            page.set(offset & (PAGE_SIZE - 1), holder);
        }
        byVip.put(vip, holder);
    }

    /** Unbinds {@code vip} if {@code holder} holds it. Caller holds the lock. */
    private boolean remove(Vip vip, S holder) {
        if (holder(vip.value()) != holder) {
            return false;
        }
        int offset = vip.value() - base;
        if (flat != null) {
            flat.set(offset, null);
        } else {
            pages.get(offset >>> PAGE_BITS).set(offset & (PAGE_SIZE - 1), null);
        }
        byVip.remove(vip, holder);
        return true;
    }
}
