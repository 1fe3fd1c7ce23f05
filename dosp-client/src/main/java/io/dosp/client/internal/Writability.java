package io.dosp.client.internal;

import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;

/**
 * Whether one connection's channel takes more data without growing its write buffer past the high water mark
 * (Netty's writability), as a future a bulk sender can wait on: completed at once while writable, otherwise
 * completed when the channel turns writable again, failed when the connection ends. One waiting future at a time,
 * shared by every waiter.
 */
final class Writability {
    private static final CompletableFuture<Void> NOW = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> waiting;
    private Throwable ended;

    /** The future for {@code c}: done when it is writable now. */
    CompletableFuture<Void> when(Channel c) {
        CompletableFuture<Void> f;
        synchronized (this) {
            if (ended != null) {
                return CompletableFuture.failedFuture(ended);
            }
            if (c.isWritable()) {
                return NOW;
            }
            if (waiting == null) {
                waiting = new CompletableFuture<>();
            }
            f = waiting;
        }
        if (c.isWritable()) { // turned writable between the check and the future: its event may have passed
            changed(c);
        }
        return f;
    }

    /** The channel's writability changed (I/O thread). */
    void changed(Channel c) {
        CompletableFuture<Void> f;
        synchronized (this) {
            if (!c.isWritable() || waiting == null) {
                return;
            }
            f = waiting;
            waiting = null;
        }
        f.complete(null);
    }

    /** The connection ended: waiters fail with {@code why}, and so does every later ask. */
    void end(Throwable why) {
        CompletableFuture<Void> f;
        synchronized (this) {
            ended = why;
            f = waiting;
            waiting = null;
        }
        if (f != null) {
            f.completeExceptionally(why);
        }
    }
}
