package io.dosp.client.internal;

import io.dosp.protocol.Vip;
import java.util.concurrent.CompletableFuture;

/** What the facade needs of the tunnel manager. */
public final class TunnelManagerView {
    private final TunnelManager tunnels;

    TunnelManagerView(TunnelManager tunnels) {
        this.tunnels = tunnels;
    }

    public CompletableFuture<Void> open(Vip peer) {
        return tunnels.open(peer);
    }

    public void failOpen(Vip peer, String reason) {
        tunnels.failOpen(peer, reason);
    }

    public boolean has(Vip peer) {
        return tunnels.has(peer);
    }

    public java.util.Set<Vip> peers() {
        return tunnels.peers();
    }

    public void remove(Vip peer) {
        tunnels.remove(peer);
    }
}
