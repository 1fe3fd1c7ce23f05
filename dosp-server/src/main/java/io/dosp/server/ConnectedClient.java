package io.dosp.server;

import io.dosp.protocol.Packet;
import io.dosp.protocol.Vip;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * A client connected to a {@link DospServer}, as hooks and the Java API see it. Thread-safe:
 * every method may be called from any thread.
 */
public interface ConnectedClient {

    /** The client's current vIP (changes after a granted RQIP). */
    Vip vip();

    /** Where it connected from (a {@code LocalAddress} for in-process clients). */
    SocketAddress remoteAddress();

    /** When it connected. */
    Instant connectedSince();

    /** Whether it authenticated as admin. */
    boolean isAdmin();

    /** The machine hash it sent in CLIENT_INFO, if any. */
    Optional<String> machineHash();

    /** Whether its frames are compressed. */
    boolean compression();

    /** Its counters now. */
    ClientStats stats();

    /**
     * Queues a packet to this client (never blocks; flushed with the current batch).
     *
     * @return false if the client is gone or was dropped for exceeding its outbound limit
     */
    boolean send(Packet packet);

    /** Sends EXIT with {@code reason} and closes the connection. */
    void disconnect(String reason);
}
