package io.dosp.client;

/**
 * A reason to stop reading from the client's connection, held by a layer that takes data faster than it can
 * process it (e.g. the messaging layer's inbox past its high water mark). Obtained from
 * {@link DospClient#readPause(String)}; each handle is one reason: {@link #pause()} and {@link #resume()} are
 * idempotent, and the connection is read again only when no handle of the client is paused (reference-counted by
 * reason, so several layers can hold reading back independently).
 *
 * <p>While paused, the client reads nothing from its socket and decodes nothing it already read (at most one read
 * of the socket waits undecoded), so TCP fills up and the server's flow control pauses whoever sends to this
 * client. The pause outlives a reconnect: a new connection of a paused client is paused too.
 *
 * <p>Heartbeat: while reading is paused the client's heartbeat still sends its PINGs (they keep the server's idle
 * timeout from closing the connection), but an unanswered PING is not counted as missed (its PONG waits unread,
 * it is not missing), so a paused client never declares its own connection dead. The server's side of this is
 * its slow-consumer check: with the default {@code BACKPRESSURE} policy, a client that reads nothing while the
 * server holds data for it for the whole {@code slowConsumerTimeout} (default 30 s) is dropped; so a layer must
 * not hold reading back for long without progress.
 *
 * <p>Thread-safe; pausing from the client's I/O thread (e.g. in a {@link DataInterceptor}) takes effect before the
 * next frame is decoded.
 */
public interface ReadPause {
    /** The reason given when the handle was made, for people. */
    String reason();

    /** Stops reading (if not already paused by this handle). Any thread. */
    void pause();

    /** Takes this handle's reason away; reading resumes when no other handle of the client is paused. Any thread. */
    void resume();

    /** Whether this handle is paused now. */
    boolean isPaused();

    /** How many times this handle went from running to paused. */
    long pauses();
}
