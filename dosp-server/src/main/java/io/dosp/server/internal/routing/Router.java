package io.dosp.server.internal.routing;

import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.RouteResult;
import io.dosp.server.internal.session.ClientSession;
import java.util.Optional;

/**
 * Where S2C goes: what federation (and later a cluster mode) depends on to deliver what arrives
 * over a peer link, instead of the server's composition. Implementations are thread-safe.
 */
public interface Router {

    /**
     * Routes an S2C whose SRC is already decided to the local holder of DST, or over federation
     * when DST is outside this server's template; never back over {@code fromPeer} (null for a
     * client's S2C). Returns what happened; never throws for an unreachable DST.
     */
    RouteResult route(S2cPacket packet, int hopLimit, String fromPeer);

    /**
     * Routes a client's S2C like {@link #route(S2cPacket, int, String)}; {@code sender} is the
     * session it came from, paused if a local destination is behind or the memory budget is spent
     * (null: nobody to pause, e.g. a peer link). Called on the sender's event loop.
     */
    default RouteResult route(S2cPacket packet, int hopLimit, String fromPeer, ClientSession sender) {
        return route(packet, hopLimit, fromPeer);
    }

    /** The local client holding {@code vip}, if any. */
    Optional<ClientSession> localClient(Vip vip);

    /**
     * Stops routing to {@code link}, an authenticated peer link that arrived as a client session:
     * its vIP is free for clients again (it carries traffic, it is not a client).
     */
    void detach(ClientSession link);
}
