package io.dosp.server.internal.federation;

import io.dosp.protocol.Advertisement;
import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packets;
import io.dosp.protocol.ProtocolException;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.ServerExitReason;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.ServerConfig;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.routing.Router;
import io.dosp.server.internal.session.ClientSession;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer links other servers opened to us: they arrive as client sessions, prove the mesh key
 * (HELLO, CHALLENGE, PROOF, ACCEPT) and then carry forwarded S2C, delivery failures and
 * advertisements. Keeps each such session's link state (the session knows nothing of it); a
 * reference peer is recognised by its address the first time it sends S2C with a foreign SRC.
 *
 * <p>Thread-safe: a session's frames arrive on its event loop; the state is in concurrent maps.
 * A server with no link sessions pays one emptiness check per client S2C.
 */
public final class IncomingLinks {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingLinks.class);

    /** A HELLO answered with CHALLENGE, waiting for PROOF. */
    private record PendingAuth(LinkFrames.Hello hello, byte[] nonce) {
    }

    /** A session that is a peer server's link; {@code authenticated} when it proved the mesh key. */
    private record Peer(String address, boolean authenticated) {
    }

    private final ServerConfig config;
    private final Router router;
    private final Federation federation;
    private final ConcurrentHashMap<ClientSession, PendingAuth> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ClientSession, Peer> peers = new ConcurrentHashMap<>();
    private final PeerLog log;
    private final LogLimiter refusedLog;
    private final LogLimiter forgedLog;

    /**
     * Links to us for {@code federation}; what they forward is delivered through {@code router}; what
     * peers send reaches log lines through {@code log} (anyone can send HELLO: refusals at its rate).
     */
    public IncomingLinks(ServerConfig config, Router router, Federation federation, PeerLog log) {
        this.config = config;
        this.log = log;
        this.refusedLog = log.limiter("link.refused");
        this.forgedLog = log.limiter("link.forged-src");
        this.router = router;
        this.federation = federation;
    }

    /**
     * The peer an S2C from {@code session} comes from ({@code ip:port}, or {@code ip:ref} for a
     * reference peer): then it keeps its SRC. Null for a client's S2C, whose SRC the server sets.
     */
    public String sourcePeer(ClientSession session, S2cPacket s) {
        if (!peers.isEmpty()) {
            Peer p = peers.get(session);
            if (p != null) {
                return p.address();
            }
        }
        if (!federation.hasReferencePeers() || s.src().isZero() || s.src().equals(session.vip())
                || config.template().contains(s.src())) {
            return null;
        }
        // A reference peer can prove nothing: it is trusted by address (see README, federation).
        if (session.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && federation.isReferencePeer(a.getAddress().getHostAddress())) {
            String address = a.getAddress().getHostAddress() + ":ref";
            peers.put(session, new Peer(address, false));
            return address;
        }
        return null;
    }

    /**
     * Whether an S2C from {@code session} might keep its SRC ({@link #sourcePeer} could name a peer):
     * it is a peer link, or reference peers are configured (their links look like clients).
     */
    public boolean mayKeepSrc(ClientSession session) {
        return federation.hasReferencePeers() || (!peers.isEmpty() && peers.containsKey(session));
    }

    /** Whether {@code session} is a peer's link that proved the mesh key. */
    public boolean isAuthenticatedPeer(ClientSession session) {
        if (peers.isEmpty()) {
            return false;
        }
        Peer p = peers.get(session);
        return p != null && p.authenticated();
    }

    /** An S2C that came over a peer link could not be delivered: tell its sender (or its sender's server). */
    public void failed(S2cPacket p) {
        federation.failed(p);
    }

    /** Handles a link frame ({@link LinkFrames#isLinkFrame}) that arrived on a session; always consumes it. */
    public void onFrame(ClientSession session, SimplePacket p) {
        try {
            switch (p.typeCode()) {
                case LinkFrames.HELLO -> onHello(session, LinkFrames.parseHello(p.body()));
                case LinkFrames.PROOF -> onProof(session, p.body());
                case LinkFrames.FWD -> {
                    Peer peer = authenticated(session);
                    if (peer != null) {
                        onForwarded(peer, LinkFrames.parseFwd(p));
                    }
                }
                case LinkFrames.FWD_FAIL -> {
                    if (authenticated(session) != null) {
                        onFailure(LinkFrames.parseFwdFail(p));
                    }
                }
                default -> session.send(Packets.err(ErrCode.UKNP));
            }
        } catch (ProtocolException e) {
            session.send(Packets.err(ErrCode.UKNP, e.getMessage()));
        }
    }

    private Peer authenticated(ClientSession session) {
        Peer p = peers.get(session);
        return p != null && p.authenticated() ? p : null;
    }

    private void onHello(ClientSession session, LinkFrames.Hello hello) {
        String key = config.federation().meshKey();
        if (key == null) {
            session.send(Packets.err(ErrCode.UKNP)); // no mesh key: answer like a reference server
            return;
        }
        byte[] serverId = federation.serverId();
        if (Arrays.equals(hello.serverId(), serverId)) {
            if (refusedLog.allow()) {
                LOG.warn("A peer link from this server to itself ({}:{}) was refused{}",
                        log.text(hello.host()), hello.port(), refusedLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.PEER_SELF);
            return;
        }
        byte[] nonce = LinkFrames.random(LinkFrames.NONCE_LENGTH);
        pending.put(session, new PendingAuth(hello, nonce));
        session.send(LinkFrames.challenge(serverId, nonce,
                LinkFrames.prove(key, true, hello.nonce(), nonce, hello.serverId(), serverId)));
    }

    private void onProof(ClientSession session, byte[] proof) {
        PendingAuth pa = pending.remove(session);
        if (pa == null) {
            session.send(Packets.err(ErrCode.UKNP));
            return;
        }
        byte[] expected = LinkFrames.prove(config.federation().meshKey(), false, pa.hello().nonce(), pa.nonce(),
                pa.hello().serverId(), federation.serverId());
        if (!LinkFrames.same(expected, proof)) {
            if (refusedLog.allow()) {
                LOG.warn("Peer link from {} failed the mesh key proof; refused{}",
                        session.remoteAddress(), refusedLog.heldBackNote());
            }
            session.disconnect(ServerExitReason.PEER_AUTH_FAILED);
            return;
        }
        String address = Federation.key(pa.hello().host(), pa.hello().port());
        peers.put(session, new Peer(address, true));
        router.detach(session);
        session.send(LinkFrames.accept());
        LOG.info("Peer {} linked to us (mesh key proven)", log.text(address));
        federation.peerJoined(address, pa.hello().host(), pa.hello().port());
    }

    private void onForwarded(Peer peer, LinkFrames.Forwarded f) {
        S2cPacket p = f.packet();
        if (config.template().contains(p.src())) {
            if (forgedLog.allow()) {
                LOG.warn("Peer {} forwarded an S2C claiming local SRC {}; dropped{}",
                        log.text(peer.address()), p.src(), forgedLog.heldBackNote());
            }
            return;
        }
        RouteResult r = router.route(p, f.hopLimit(), peer.address());
        if (r != RouteResult.DELIVERED) {
            federation.failed(p);
        }
    }

    private void onFailure(LinkFrames.Failure f) {
        Optional<ClientSession> local = router.localClient(f.src());
        if (local.isPresent()) {
            local.get().send(Packets.errS2cFailed(f.dst()));
        } else {
            federation.relayFailure(f.dst(), f.src(), f.hopLimit());
        }
    }

    /** An SD from a session: routes from authenticated peers, ignored from anyone else. */
    public void onAdvertisement(ClientSession session, Advertisement ad) {
        Peer peer = authenticated(session);
        if (peer == null) {
            LOG.debug("SD from {} ignored: not an authenticated peer", session);
            return;
        }
        federation.advertised(peer.address(), ad);
    }

    /** A session closed: its link state goes; if it was an authenticated peer's link, so do its routes. */
    public void closed(ClientSession session) {
        pending.remove(session);
        Peer p = peers.remove(session);
        if (p != null && p.authenticated()) {
            federation.incomingClosed(p.address());
        }
    }

    /** Sends EXIT {@code reason} on every authenticated link to us (the server stops). */
    public void disconnectAll(ServerExitReason reason) {
        peers.forEach((session, peer) -> {
            if (peer.authenticated()) {
                session.disconnect(reason);
            }
        });
    }
}
