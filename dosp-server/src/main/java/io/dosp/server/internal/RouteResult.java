package io.dosp.server.internal;

import io.dosp.server.DropReason;

/** What happened to a packet handed to the router or to a session: a value, never an exception. */
public enum RouteResult {
    /** Queued to the destination's connection. */
    DELIVERED(null),
    /** Nobody holds the destination vIP (or it just left). */
    NO_ROUTE(DropReason.NO_ROUTE),
    /** The destination is over its outbound limit; the packet was not queued. */
    OVERLOADED(DropReason.TARGET_OVERLOADED),
    /** The memory budget is spent and the sender could not be paused; the packet was not queued. */
    OVER_BUDGET(DropReason.MEMORY_BUDGET),
    /** Queueing it failed to allocate memory; the packet was not queued. */
    NO_MEMORY(DropReason.OUT_OF_MEMORY),
    /** Client admission: the destination has not logged in (or its access was just revoked); not queued. */
    NOT_ALLOWED(DropReason.NOT_ALLOWED);

    private final DropReason dropReason;

    RouteResult(DropReason dropReason) {
        this.dropReason = dropReason;
    }

    /** The reason a packet that was not delivered is counted under; null for {@link #DELIVERED}. */
    public DropReason dropReason() {
        return dropReason;
    }
}
