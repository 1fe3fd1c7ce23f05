package io.dosp.server.internal.dispatch;

import io.dosp.protocol.Packets;
import io.dosp.protocol.S2cPacket;
import io.dosp.protocol.Vip;
import io.dosp.server.internal.federation.IncomingLinks;
import io.dosp.server.internal.routing.Router;
import io.dosp.server.internal.session.UndeliveredS2c;
import java.util.Optional;

/**
 * Tells senders about S2C a destination had queued but never wrote: a local sender gets ERR S2CF
 * with the DST (as for no route); for traffic from a peer, the failure goes back towards the
 * sender's server the way the dispatcher reports undeliverable forwarded S2C. Thread-safe
 * (stateless over thread-safe parts); called on the destination's event loop.
 */
public final class S2cFailures implements UndeliveredS2c {
    private static final byte[] NO_DATA = new byte[0];

    private final Router router;
    private final Optional<IncomingLinks> links;

    /** Local senders are found through {@code router}; {@code links} (federation on) carries the rest. */
    public S2cFailures(Router router, Optional<IncomingLinks> links) {
        this.router = router;
        this.links = links;
    }

    @Override
    public void report(int src, int dst) {
        Vip from = new Vip(src);
        Vip to = new Vip(dst);
        if (links.isPresent()) {
            links.get().failed(S2cPacket.of(to, from, NO_DATA)); // local sender first, else towards its server
        } else {
            router.localClient(from).ifPresent(s -> s.send(Packets.errS2cFailed(to)));
        }
    }
}
