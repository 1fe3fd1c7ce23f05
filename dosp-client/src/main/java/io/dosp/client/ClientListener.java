package io.dosp.client;

import io.dosp.protocol.ErrorReply;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * Callbacks from a {@link DospClient}. Every method has a default that does nothing.
 *
 * <p>Executor model: callbacks run on the client's own callback thread, one at a time and in the
 * order events happened, never on the network I/O thread and never on a thread that called into
 * the client. A slow callback delays later callbacks (and {@link DospClient#receive()} is fed
 * independently), but never the network: packets keep being read and requests keep completing.
 * A callback that throws is logged and skipped.
 */
public interface ClientListener {

    /** Every packet as it arrived from the server, before the client handles it (tunnel frames still sealed). */
    default void onPacket(Packet packet) {
    }

    /** Something that is not an answer to our requests: S2C data (opened if tunneled), MSG, custom packets. */
    default void onMessage(Incoming message) {
    }

    /** A tunnel with {@code peer} is ready (we opened it, or the peer did). */
    default void onTunnelEstablished(Vip peer) {
    }

    /**
     * Tunnel {@code tunnel} with {@code peer} is ready; {@code tunnel} is the id its messages carry
     * ({@link Incoming#tunnel()}). Called right after {@link #onTunnelEstablished(Vip)}.
     */
    default void onTunnelEstablished(Vip peer, long tunnel) {
    }

    /**
     * The tunnel with {@code peer} was replaced by a new handshake: the peer may have changed (it
     * restarted, or another client holds the vIP now). Without identities the two cannot be told
     * apart; messages on the new tunnel carry {@code tunnel}, never {@code previous}. Refuse
     * replacements with {@link TunnelOptions.Builder#replaceTunnels}.
     */
    default void onTunnelReplaced(Vip peer, long previous, long tunnel) {
    }

    /**
     * Tunnel {@code tunnel} with {@code peer} ended: the server could not deliver to the vIP (ERR
     * S2CF), or told us the vIP changed hands ({@link #onPeerGone}), so its holder left and the vIP may belong to
     * someone else next. The next send to it
     * re-opens a tunnel first (and fails with {@link TunnelFailedException} if that fails); it is
     * never sent in plaintext.
     */
    default void onTunnelClosed(Vip peer, long tunnel, String reason) {
    }

    /**
     * A tunnel with {@code peer} was refused because it presented another identity (or none) than the
     * one pinned for the vIP on this server, vouched for, expected by {@code openTunnel}, or held by
     * the live tunnel: like SSH's "REMOTE HOST IDENTIFICATION HAS CHANGED", someone may be in the
     * middle, or another client holds the vIP now. {@code e} names the expected and the presented
     * fingerprints. Nothing went through the refused tunnel. To accept the new identity, pin it
     * ({@link DospClient#trust}) or forget the old one ({@link DospClient#forgetPeer}).
     */
    default void onTunnelIdentityMismatch(Vip peer, TunnelIdentityException e) {
    }

    /**
     * The server says {@code peer} changed hands: its holder, with whom this client exchanged S2C recently, left,
     * moved to another vIP or was removed ({@code reason}: {@code left}, {@code moved}, {@code kicked},
     * {@code revoked}, {@code dropped}, maybe followed by {@code ": "} and the server's text, escaped and cut as for a
     * log line). Only from a server of this project that enabled the peer-gone extension (never from
     * a reference server). A tunnel with {@code peer} ends right after ({@link #onTunnelClosed}); the next send to
     * it re-opens one first, so whoever holds the vIP next never gets what was meant for the one who left.
     */
    default void onPeerGone(Vip peer, String reason) {
    }

    /**
     * A message to a group this client joined ({@link DospNetwork#join}), from a client anywhere in the federation;
     * each message once. Only from a server of this project with the {@code groups} extension.
     */
    default void onGroupMessage(GroupMessage message) {
    }

    /** Something this client watches ({@link DospNetwork#watch}) joined or left; see {@link PresenceEvent}. */
    default void onPresence(PresenceEvent event) {
    }

    /**
     * This client no longer holds {@code name} ({@link DospNetwork#register}): {@code reason} is {@code conflict}
     * (an earlier concurrent registration elsewhere won: {@code winner} holds it), {@code revoked}, or why it could
     * not be re-registered after a reconnect (then it starts with {@code not re-registered}).
     */
    default void onNameLost(String name, String reason, Optional<Vip> winner) {
    }

    /** A frame from {@code peer} failed tunnel verification; it was dropped, never delivered. */
    default void onTunnelFrameRejected(Vip peer, String reason) {
    }

    /** An ERR the server sent that no request of ours was waiting for (e.g. S2CF for a plain send). */
    default void onError(ErrorReply error) {
    }

    /**
     * The connection was lost and re-established (only with reconnect enabled); {@code vip} is the
     * vIP held now (the previous one when the server still had it free).
     */
    default void onReconnected(Vip vip) {
    }

    /**
     * Cluster mode: after a reconnect the client could not get {@code previous} back with its resume secret
     * ({@code reason} says why, e.g. {@code bad secret}); it keeps the new vIP, which the {@link #onReconnected}
     * that follows carries. Peers that knew {@code previous} must learn the new vIP.
     */
    default void onResumeFailed(Vip previous, String reason) {
    }

    /**
     * The connection was lost and the client tries to reconnect (only with reconnect enabled; followed by
     * {@link #onReconnected} or, when it gives up, {@link #onDisconnected}). What was in flight on the lost
     * connection (answers other clients were sending to it) will not arrive.
     */
    default void onConnectionLost(DisconnectedException cause) {
    }

    /** The connection ended for good (with reconnect enabled: when the client will not reconnect); {@code cause} says why. */
    default void onDisconnected(DisconnectedException cause) {
    }
}
