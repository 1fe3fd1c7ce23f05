package io.dosp.client.internal;

import io.dosp.client.TunnelIdentityException;
import io.dosp.crypto.Fingerprint;
import io.dosp.crypto.TunnelException;
import io.dosp.crypto.TunnelHello;
import io.dosp.crypto.X25519KeyPair;
import io.dosp.protocol.Vip;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An open of ours waiting for its answer: our key pair and hello, the vIP we signed it with, the
 * fingerprint the application expects (or null), and the frames the peer sends while the answer's
 * identity is being decided. Its mutable part is changed under the {@link TunnelManager}'s lock.
 */
final class PendingOpen {
    final X25519KeyPair keyPair;
    final TunnelHello hello;
    final Vip self;
    final Fingerprint expected;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    /** Frames from the peer while its answer's trust decision is pending (non-null only then). */
    List<byte[]> held;

    PendingOpen(X25519KeyPair keyPair, TunnelHello hello, Vip self, Fingerprint expected) {
        this.keyPair = keyPair;
        this.hello = hello;
        this.self = self;
        this.expected = expected;
    }

    /** Throws unless {@code got} is {@code expected} (an open joined by a caller with an expectation). */
    static void check(Vip peer, Fingerprint expected, Optional<Fingerprint> got) {
        if (!got.map(expected::equals).orElse(false)) {
            throw new TunnelIdentityException(peer, TunnelIdentityException.Problem.MISMATCH, expected, got.orElse(null),
                    "the tunnel opened meanwhile is with another identity");
        }
    }

    /** Starts holding frames (the decision waits for the verifier). */
    void startHolding() {
        held = new ArrayList<>();
    }

    /**
     * Keeps {@code frame} when a decision is pending: true. False when none is (the frame is not ours to keep).
     *
     * @throws TunnelException past {@link TunnelManager#MAX_HELD} frames (dropped and counted as rejected)
     */
    boolean hold(byte[] frame) {
        if (held == null) {
            return false;
        }
        if (held.size() >= TunnelManager.MAX_HELD) {
            throw new TunnelException(TunnelException.Reason.BAD_MAC, "more than " + TunnelManager.MAX_HELD
                    + " frames while the peer's identity is checked");
        }
        held.add(frame.clone());
        return true;
    }

    /** Opens the frames held for {@code t} in order and hands them on (a failure is a rejected frame). */
    static void replay(List<byte[]> frames, Vip from, Tunnel t, TunnelManager.HeldFrames sink) {
        if (frames == null || sink == null) {
            return;
        }
        for (byte[] frame : frames) {
            try {
                sink.opened(from, new TunnelManager.Opened(t.cipher.open(frame), t.id));
            } catch (TunnelException e) {
                sink.rejected(from, e);
            }
        }
    }

    /** The frames held for a tunnel that will not be: each one a rejected frame. */
    static void drop(List<byte[]> frames, Vip from, TunnelManager.HeldFrames sink, String why) {
        if (frames == null || sink == null) {
            return;
        }
        for (int i = 0; i < frames.size(); i++) {
            sink.rejected(from, new TunnelException(TunnelException.Reason.BAD_MAC, "held frame dropped: " + why));
        }
    }
}
