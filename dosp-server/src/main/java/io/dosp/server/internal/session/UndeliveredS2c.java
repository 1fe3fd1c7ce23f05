package io.dosp.server.internal.session;

/**
 * Where a session reports an S2C it had accepted but could not write whole (its connection
 * ended, or a frame could not be allocated): the sender must hear of it. Implemented by the
 * dispatch layer (ERR S2CF to a local sender, the federation failure path for peer traffic).
 * Thread-safe; called on the destination's event loop.
 */
@FunctionalInterface
public interface UndeliveredS2c {
    /** The S2C from {@code src} to {@code dst} (32-bit vIP values) was not delivered. */
    void report(int src, int dst);
}
