package io.dosp.client;

import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * A client somewhere in the federation, as the network directory lists it ({@link DospNetwork#clients}).
 *
 * @param vip  its vIP
 * @param user the user it logged in as (client admission), empty when it did not; as the server sent it: escape
 *             it before showing it on a terminal
 */
public record NetworkClient(Vip vip, Optional<String> user) {
}
