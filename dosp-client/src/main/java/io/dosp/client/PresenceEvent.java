package io.dosp.client;

import io.dosp.protocol.Vip;

/**
 * A change of presence of something this client watches ({@link DospNetwork#watch}), from the server's network
 * directory (heard through {@link ClientListener#onPresence}): a client holding a watched vIP, holding a watched
 * name, or a member of a watched group joined or left, wherever in the federation it is connected. Right after a
 * watch starts, the current state arrives as {@code joined} events.
 *
 * @param target what is watched
 * @param joined true for joined, false for left
 * @param vip    the client the event is about
 * @param reason why it left: {@code left}, {@code moved}, {@code kicked}, {@code revoked}, {@code dropped},
 *               {@code unreachable} (its server cannot be reached any more), {@code requested} (it left the group
 *               or gave up the name), {@code conflict}, {@code expired}; {@code none} for joined events
 */
public record PresenceEvent(PresenceTarget target, boolean joined, Vip vip, String reason) {
    @Override
    public String toString() {
        return target + ": " + vip + (joined ? " joined" : " left (" + reason + ")");
    }
}
