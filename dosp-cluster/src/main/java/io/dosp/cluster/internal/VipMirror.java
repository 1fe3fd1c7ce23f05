package io.dosp.cluster.internal;

import io.dosp.protocol.VipTemplate;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A node's mirror of the vIP registry: a {@code ConcurrentHashMap} by the vIP's 32-bit value (for listing, GCL,
 * allocation) that also keeps every entry in slots indexed by the vIP's offset in the template, so that routing
 * ({@link #at}, once per cross-node S2C frame) reads it without boxing an {@code Integer} and without hashing.
 * The slots are {@link AtomicReferenceArray} elements (a volatile read is a plain load on x86/ARM): one flat
 * array for templates up to a /16, pages of 256 (one per /24, allocated on first use) for wider ones, as in the
 * server's {@code VipTable}.
 *
 * <p>Every change through the map's methods ({@code put}, {@code merge}, {@code compute*}, {@code remove},
 * {@code replace}, {@code clear}) updates the slot inside the map's own per-key atomic step (a
 * {@code compute}), so the map and the slots never disagree for longer than that step. Removing through a view's
 * iterator ({@code entrySet().iterator().remove()}, {@code removeIf} on a view) bypasses the slots: don't. vIPs
 * outside the template are kept in the map only ({@link #at} returns null for them).
 *
 * @param <V> what the mirror knows of a claim
 */
public final class VipMirror<V> extends ConcurrentHashMap<Integer, V> {
    private static final long serialVersionUID = 1L;
    static final int FLAT_MAX_SLOTS = 1 << 16;
    private static final int PAGE_BITS = 8;
    private static final int PAGE_SIZE = 1 << PAGE_BITS;

    private final int base;
    private final int hostBits;
    private final transient AtomicReferenceArray<V> flat;
    private final transient AtomicReferenceArray<AtomicReferenceArray<V>> pages;

    /** An empty mirror for the vIPs of {@code template}. */
    public VipMirror(VipTemplate template) {
        this.base = template.base().value();
        this.hostBits = 32 - template.prefixLength();
        int size = template.size();
        if (size <= FLAT_MAX_SLOTS) {
            flat = new AtomicReferenceArray<>(size);
            pages = null;
        } else {
            flat = null;
            pages = new AtomicReferenceArray<>(size >>> PAGE_BITS);
        }
    }

    /** The entry of the vIP with 32-bit value {@code vip}, or null (also outside the template). Allocates nothing. */
    public V at(int vip) {
        int offset = vip - base;
        if (hostBits < 32 && offset >>> hostBits != 0) {
            return null;
        }
        if (flat != null) {
            return flat.get(offset);
        }
        AtomicReferenceArray<V> page = pages.get(offset >>> PAGE_BITS);
        return page == null ? null : page.get(offset & (PAGE_SIZE - 1));
    }

    /** Sets the slot of {@code vip} (inside the map's atomic step for that key). */
    private void slot(int vip, V value) {
        int offset = vip - base;
        if (hostBits < 32 && offset >>> hostBits != 0) {
            return;
        }
        if (flat != null) {
            flat.set(offset, value);
            return;
        }
        int p = offset >>> PAGE_BITS;
        AtomicReferenceArray<V> page = pages.get(p);
        if (page == null) {
            if (value == null) {
                return;
            }
            pages.compareAndSet(p, null, new AtomicReferenceArray<>(PAGE_SIZE));
            page = pages.get(p);
        }
        page.set(offset & (PAGE_SIZE - 1), value);
    }

    @Override
    public V compute(Integer key, BiFunction<? super Integer, ? super V, ? extends V> remap) {
        Objects.requireNonNull(remap, "remap");
        return super.compute(key, (k, old) -> {
            V neu = remap.apply(k, old);
            slot(k, neu);
            return neu;
        });
    }

    @Override
    public V computeIfPresent(Integer key, BiFunction<? super Integer, ? super V, ? extends V> remap) {
        Objects.requireNonNull(remap, "remap");
        return compute(key, (k, old) -> old == null ? null : remap.apply(k, old));
    }

    @Override
    public V computeIfAbsent(Integer key, Function<? super Integer, ? extends V> f) {
        Objects.requireNonNull(f, "f");
        V present = get(key);
        return present != null ? present : compute(key, (k, old) -> old != null ? old : f.apply(k));
    }

    @Override
    public V merge(Integer key, V value, BiFunction<? super V, ? super V, ? extends V> remap) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(remap, "remap");
        return compute(key, (k, old) -> old == null ? value : remap.apply(old, value));
    }

    @Override
    public V put(Integer key, V value) {
        Objects.requireNonNull(value, "value");
        Object[] before = new Object[1];
        compute(key, (k, old) -> {
            before[0] = old;
            return value;
        });
        @SuppressWarnings("unchecked")
        V old = (V) before[0];
        return old;
    }

    @Override
    public V putIfAbsent(Integer key, V value) {
        Objects.requireNonNull(value, "value");
        Object[] before = new Object[1];
        compute(key, (k, old) -> {
            before[0] = old;
            return old != null ? old : value;
        });
        @SuppressWarnings("unchecked")
        V old = (V) before[0];
        return old;
    }

    @Override
    public void putAll(Map<? extends Integer, ? extends V> m) {
        m.forEach(this::put);
    }

    @Override
    public V remove(Object key) {
        if (!(key instanceof Integer k)) {
            return null;
        }
        Object[] before = new Object[1];
        computeIfPresent(k, (kk, old) -> {
            before[0] = old;
            return null;
        });
        @SuppressWarnings("unchecked")
        V old = (V) before[0];
        return old;
    }

    @Override
    public boolean remove(Object key, Object value) {
        if (!(key instanceof Integer k) || value == null) {
            return false;
        }
        boolean[] removed = new boolean[1];
        computeIfPresent(k, (kk, old) -> {
            removed[0] = old.equals(value);
            return removed[0] ? null : old;
        });
        return removed[0];
    }

    @Override
    public V replace(Integer key, V value) {
        Objects.requireNonNull(value, "value");
        Object[] before = new Object[1];
        computeIfPresent(key, (k, old) -> {
            before[0] = old;
            return value;
        });
        @SuppressWarnings("unchecked")
        V old = (V) before[0];
        return old;
    }

    @Override
    public boolean replace(Integer key, V oldValue, V newValue) {
        Objects.requireNonNull(oldValue, "oldValue");
        Objects.requireNonNull(newValue, "newValue");
        boolean[] replaced = new boolean[1];
        computeIfPresent(key, (k, old) -> {
            replaced[0] = old.equals(oldValue);
            return replaced[0] ? newValue : old;
        });
        return replaced[0];
    }

    @Override
    public void replaceAll(BiFunction<? super Integer, ? super V, ? extends V> f) {
        for (Integer k : keySet()) {
            computeIfPresent(k, f);
        }
    }

    @Override
    public void clear() {
        for (Integer k : keySet()) {
            remove(k);
        }
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
