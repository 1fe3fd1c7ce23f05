package io.dosp.client.internal;

import io.dosp.client.DospClientException;
import io.dosp.client.RequestTimeoutException;
import io.dosp.protocol.ProtocolException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** How the blocking calls wait for a request's answer: one place for the timeout and the failures' wording. */
public final class Replies {
    private Replies() {
    }

    /**
     * Waits up to {@code timeout} for {@code reply} on the calling thread.
     *
     * @param what   the request, for messages (e.g. {@code "GCL"}, {@code "FN name"})
     * @param server the server, for messages
     * @throws RequestTimeoutException when no answer came in time
     * @throws DospClientException     when the wait was interrupted, the request failed or its answer does
     *                                 not parse; another failure that is already unchecked is thrown as it is
     */
    public static <T> T await(CompletableFuture<T> reply, String what, String server, Duration timeout) {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RequestTimeoutException(what + " got no answer from DoSP server " + server + " within " + timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ProtocolException p) {
                // The answer arrived but does not parse (a GCL of 3 bytes, say): the server's fault, said as ours.
                throw new DospClientException(what + " got an unreadable answer from DoSP server " + server + ": "
                        + p.getMessage(), p);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new DospClientException(what + " failed on " + server + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DospClientException("interrupted waiting for " + what + " from " + server, e);
        }
    }
}
