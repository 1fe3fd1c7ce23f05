package io.dosp.server.internal;

/** What happened to a packet handed to the router or to a session: a value, never an exception. */
public enum RouteResult {
    /** Queued to the destination's connection. */
    DELIVERED,
    /** Nobody holds the destination vIP (or it just left). */
    NO_ROUTE,
    /** The destination is over its outbound limit; the packet was not queued. */
    OVERLOADED
}
