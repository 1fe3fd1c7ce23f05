package io.dosp.server;

import io.dosp.protocol.SimplePacket;

/**
 * Handles an application-defined packet type ({@code 0x20..0xFF}) registered with
 * {@link DospServer#onCustomPacket(int, CustomPacketHandler)}.
 *
 * <p>Runs on the connection's event loop, in the order packets arrive: it must not block. An
 * exception is logged and answered with ERR FF; the connection carries on.
 */
@FunctionalInterface
public interface CustomPacketHandler {

    /** Handles one packet from {@code client}; reply with {@link ConnectedClient#send}. */
    void handle(ConnectedClient client, SimplePacket packet) throws Exception;
}
