package io.dosp.client.internal;

import io.dosp.client.DisconnectedException;
import io.dosp.protocol.Vip;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What one connection knows about itself: the vIP it holds, whether the server compresses it, how
 * it ended, and the handshake (AIP + HSK) it is waiting for. Written by the connection's
 * {@link InboundHandler} on the I/O thread (and by {@link ClientConnection} when it closes), read
 * from any thread: every field is volatile.
 */
final class ConnectionState {
    /** The server as {@code host:port} or {@code local:name}, for messages. */
    final String server;
    /** Completes with the vIP when AIP and HSK have arrived; fails on a bad handshake or a disconnect. */
    final CompletableFuture<Vip> handshake = new CompletableFuture<>();
    volatile Vip vip;
    volatile boolean compression;
    /** The extension features the server enabled in its WELCOME; empty before it, and for a reference server. */
    volatile Set<String> extensions = Set.of();
    /** The user it logged in as (client admission), or null. */
    volatile String loginUser;
    /** Set on EXIT or when the channel closes; from then on writes throw it. */
    volatile DisconnectedException disconnected;
    /** This side is closing the connection (not a loss). */
    volatile boolean closing;
    /** The channel's writability, for bulk senders ({@code DospClient.whenWritable}). */
    final Writability writability = new Writability();
    /** The heartbeat closed the connection as dead. */
    volatile boolean heartbeatDead;

    ConnectionState(String server) {
        this.server = server;
    }

    /** Why the connection ended, when the server sent no EXIT. */
    String localReason() {
        return closing ? "closed by this client" : heartbeatDead ? "no answer to heartbeat PINGs" : null;
    }
}
