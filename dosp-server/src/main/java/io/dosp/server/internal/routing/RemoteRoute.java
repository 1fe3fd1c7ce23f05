package io.dosp.server.internal.routing;

import io.dosp.protocol.S2cPacket;
import io.dosp.server.internal.RouteResult;

/** The way out for S2C whose DST is outside this server's template (federation). Thread-safe. */
@FunctionalInterface
public interface RemoteRoute {

    /** Forwards {@code packet} towards the server owning its DST; never back over {@code fromPeer}. */
    RouteResult forward(S2cPacket packet, int hopLimit, String fromPeer);
}
