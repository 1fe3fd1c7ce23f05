package io.dosp.client.internal;

import io.dosp.protocol.Vip;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The vIPs a {@link TunnelManager} must never send plaintext to without a new tunnel: their tunnel
 * ended because the server could not reach them (ERR S2CF), or an open was refused for the peer's
 * identity. Bounded (the oldest is forgotten, and goes plain again); reads are lock-free, changes are
 * made under the manager's lock.
 */
final class LostPeers {
    private final Set<Integer> lost = ConcurrentHashMap.newKeySet();
    private final int max;

    LostPeers(int max) {
        this.max = max;
    }

    void add(Vip peer) {
        if (lost.size() >= max) {
            lost.remove(lost.iterator().next());
        }
        lost.add(peer.value());
    }

    void remove(Vip peer) {
        lost.remove(peer.value());
    }

    boolean contains(Vip peer) {
        return !lost.isEmpty() && lost.contains(peer.value());
    }

    /** A copy. */
    Set<Vip> all() {
        Set<Vip> out = new HashSet<>();
        lost.forEach(v -> out.add(new Vip(v)));
        return out;
    }
}
