package io.dosp.server;

/**
 * What the server does when a client does not read as fast as others send to it
 * ({@link Limits#slowConsumerPolicy()}).
 */
public enum SlowConsumerPolicy {
    /**
     * The default: past its outbound high water mark, the connections sending to the client are
     * no longer read from until it drains below its low water mark, so nothing is lost. The cost
     * is head-of-line blocking: a paused sender waits with all of its traffic, also to fast
     * clients. A client that makes no progress at all for {@link Limits#slowConsumerTimeout()} is
     * dropped, and the senders of what was queued for it get ERR S2CF.
     */
    BACKPRESSURE,
    /**
     * NATS-style: senders are never paused for a slow client; past {@link Limits#maxOutboundBytes()}
     * the client is dropped at once and the senders of what was queued for it get ERR S2CF.
     */
    DROP
}
