package io.dosp.server.internal.federation;

import io.dosp.protocol.SimplePacket;
import io.dosp.server.internal.network.NetLinks;
import io.dosp.server.internal.network.Network;
import io.dosp.server.internal.session.ClientSession;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The network directory's view of the peer links ({@link NetLinks}): our outgoing links that are up with extension
 * frames (v2, mesh key proven) carry its frames out; its frames arrive on the authenticated links peers opened to us
 * ({@link IncomingLinks}) or, once links carry traffic both ways, back over ours. Link up, down and heartbeats are
 * those of our outgoing links ({@link Federation}'s link events). Thread-safe.
 */
public final class NetworkLinks implements NetLinks {
    /** Before wiring: frames are dropped, sessions ignored. */
    static final NetworkLinks DETACHED = new NetworkLinks(null);

    private final Federation federation;
    private volatile Listener listener;
    private volatile Consumer<ClientSession> linkSessions = s -> { };

    private NetworkLinks(Federation federation) {
        this.federation = federation;
    }

    /** The links of {@code federation} and of {@code incoming} (the links to us). */
    public static NetworkLinks of(Federation federation, IncomingLinks incoming) {
        NetworkLinks n = new NetworkLinks(federation);
        federation.network(n);
        incoming.network(n);
        return n;
    }

    /** {@code network} hears of sessions that turn out to be peer links (they are no clients). */
    public void attach(Network network) {
        this.linkSessions = network::notClient;
    }

    @Override
    public byte[] serverId() {
        return federation.serverId().clone();
    }

    @Override
    public void listener(Listener l) {
        this.listener = l;
    }

    @Override
    public Set<String> up() {
        Set<String> out = new LinkedHashSet<>();
        for (PeerLink l : federation.outgoing()) {
            String id = l.peerId();
            if (id != null && l.extended() && l.state() == PeerLink.State.UP) {
                out.add(id);
            }
        }
        return out;
    }

    @Override
    public boolean send(String peer, SimplePacket frame) {
        for (PeerLink l : federation.outgoing()) {
            if (peer.equals(l.peerId()) && l.extended()) {
                return l.send(frame);
            }
        }
        return false;
    }

    void up(PeerLink l) {
        Listener n = listener;
        String id = l.peerId();
        if (n != null && id != null && l.extended()) {
            n.linkUp(id);
        }
    }

    void down(PeerLink l) {
        Listener n = listener;
        String id = l.peerId();
        if (n != null && id != null) {
            n.linkDown(id);
        }
    }

    void heartbeat(PeerLink l) {
        Listener n = listener;
        String id = l.peerId();
        if (n != null && id != null) {
            n.heartbeat(id);
        }
    }

    void frame(String peer, SimplePacket p) {
        Listener n = listener;
        if (n != null && peer != null) {
            n.frame(peer, p);
        }
    }

    void becameLink(ClientSession s) {
        linkSessions.accept(s);
    }
}
