package io.dosp.messaging;

import io.dosp.protocol.Vip;

/**
 * Who is calling: an {@link Rpc} method may take it as its first parameter (it is not one of the call's arguments).
 *
 * @param caller   the caller's vIP
 * @param method   the method name called
 * @param tunneled whether the call came through an end-to-end tunnel (its answer goes back through it)
 */
public record CallContext(Vip caller, String method, boolean tunneled) {
}
