package io.dosp.client.internal;

import io.dosp.protocol.Vip;
import java.util.concurrent.CompletableFuture;

/** What the facade needs of the tunnel manager. */
public final class TunnelManagerView {
    private final TunnelManager tunnels;

    TunnelManagerView(TunnelManager tunnels) {
        this.tunnels = tunnels;
    }

    /** Starts or joins an open. */
    public CompletableFuture<Void> open(Vip peer) {
        return tunnels.open(peer);
    }

    /** Fails a pending open. */
    public void failOpen(Vip peer, String reason) {
        tunnels.failOpen(peer, reason);
    }

    /** Whether a tunnel with the peer exists. */
    public boolean has(Vip peer) {
        return tunnels.has(peer);
    }

    /** Peers with a tunnel now. */
    public java.util.Set<Vip> peers() {
        return tunnels.peers();
    }

    /** Forgets a tunnel. */
    public void remove(Vip peer) {
        tunnels.remove(peer);
    }
}
