package io.dosp.messaging.internal;

import io.dosp.protocol.Envelope;
import io.dosp.protocol.Vip;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** What the messenger lends the parts plugged into it (the stream engine): sending, ids and its executor. */
public interface EnvelopeSender {
    /**
     * Sends {@code e} to {@code to}: through the tunnel when {@code secure} (opening one first, which may block up to
     * the client's tunnel timeout: never call it on an I/O thread), else as {@code DospClient.send} does (sealed when
     * a tunnel exists).
     *
     * @throws io.dosp.messaging.RpcException {@code DISCONNECTED} when the client is not connected, {@code SEND_FAILED}
     *     when no tunnel could be opened for a secure send; nothing was sent
     */
    void send(Vip to, Envelope e, boolean secure);

    /**
     * {@link #send} without ever blocking the caller (for the dispatch thread): the future fails with the
     * {@link io.dosp.messaging.RpcException} {@code send} would throw, and then nothing was sent. This default sends
     * synchronously; the messenger opens a missing tunnel asynchronously.
     */
    default CompletableFuture<Void> sendAsync(Vip to, Envelope e, boolean secure) {
        try {
            send(to, e, secure);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException x) {
            return CompletableFuture.failedFuture(x);
        }
    }

    /** Whether envelopes to {@code peer} must go through a tunnel (the messenger is secure, or {@code tunneled}). */
    boolean secureFor(boolean tunneled);

    /**
     * A fresh id for something this side starts (a call or a stream): one counter for both, so a CANCEL's id names
     * one thing; never 0, wraps after 2^32 - 1.
     */
    long nextId();

    /** The messenger's handler executor (bounded by the messenger's admission counts): never an I/O thread. */
    Executor executor();
}
