package io.dosp.server.internal.federation;

import io.dosp.protocol.Packet;
import io.dosp.protocol.S2cPacket;
import io.dosp.server.internal.session.ClientSession;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A two-way link a peer of this build opened to us (it arrived as a client session, proved the mesh
 * key and answered our CAPS): we send advertisements, FWD, FWD_FAIL and LINK_EXT back over it,
 * exactly as over a link we dialed. Frames go past the session's client queue, bounded by
 * {@code federation.peerQueueBytes}; a frame lost with the connection is reported to its sender.
 * Thread-safe.
 */
final class IncomingLink implements LinkChannel {
    final String address;
    final ClientSession session;
    private final byte[] peerId;
    private final long queueBytes;
    private final Consumer<S2cPacket> lost;
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    /** When the peer last sent anything over the link ({@link System#nanoTime}). */
    private volatile long lastHeard = System.nanoTime();

    IncomingLink(String address, ClientSession session, byte[] peerId, long queueBytes, Consumer<S2cPacket> lost) {
        this.address = address;
        this.session = session;
        this.peerId = peerId.clone();
        this.queueBytes = queueBytes;
        this.lost = lost;
    }

    @Override
    public String peer() {
        return address;
    }

    @Override
    public boolean outgoing() {
        return false;
    }

    @Override
    public boolean usable() {
        return !session.isClosing();
    }

    @Override
    public boolean twoWay() {
        return true;
    }

    @Override
    public boolean extended() {
        return true;
    }

    @Override
    public byte[] peerId() {
        return peerId.clone();
    }

    @Override
    public boolean send(Packet frame) {
        return session.writeLinkFrame(frame, queueBytes, null);
    }

    @Override
    public boolean forward(Packet frame, S2cPacket original) {
        boolean ok = session.writeLinkFrame(frame, queueBytes, f -> {
            if (!f.isSuccess()) {
                dropped.incrementAndGet();
                lost.accept(original);
            }
        });
        if (!ok) {
            dropped.incrementAndGet();
        }
        return ok;
    }

    @Override
    public void countForwarded() {
        forwarded.incrementAndGet();
    }

    /** The peer sent something (its heartbeat PING, a frame): it is alive. */
    void heard() {
        lastHeard = System.nanoTime();
    }

    /**
     * Watches the peer's heartbeat: a link the peer sent nothing over for {@code silence} is closed (a
     * half-open connection would take our frames and deliver none). Rechecks every {@code every}.
     */
    void watch(java.time.Duration every, java.time.Duration silence, Runnable onSilent) {
        session.schedule(() -> {
            if (session.isClosing()) {
                return;
            }
            if (System.nanoTime() - lastHeard > silence.toNanos()) {
                onSilent.run();
            } else {
                watch(every, silence, onSilent);
            }
        }, every);
    }

    @Override
    public String toString() {
        return "incoming link from " + address;
    }
}
