package io.dosp.client.internal;

import io.dosp.client.DospClientException;
import io.dosp.client.Vouch;
import io.dosp.protocol.Ext;
import io.dosp.protocol.Login;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.Vip;
import io.dosp.protocol.internal.LogText;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of the {@code vouch} extension: VOUCH_REQUEST per vIP, answered by VOUCH_REPLY carrying the same
 * vIP, so replies are matched by vIP (oldest request first). At most {@value #MAX_PENDING} requests wait at once; each
 * fails after the request timeout. One per client, shared by its connections; thread-safe.
 */
public final class VouchRequests {
    private static final Logger LOG = LoggerFactory.getLogger(VouchRequests.class);
    static final int MAX_PENDING = 1024;

    private final Map<Vip, Queue<CompletableFuture<Optional<Vouch>>>> waiting = new HashMap<>();
    private int pending;

    /** Sends VOUCH_REQUEST for {@code vip} on {@code k}; the future completes with the server's answer. */
    public CompletableFuture<Optional<Vouch>> request(ClientConnection k, Vip vip, Duration timeout) {
        CompletableFuture<Optional<Vouch>> f = new CompletableFuture<>();
        if (!k.extensions().contains(Ext.FEATURE_VOUCH)) {
            f.completeExceptionally(new DospClientException("DoSP server " + k.server()
                    + " does not vouch for vIPs (client admission is off, or it is not a server of this project)"));
            return f;
        }
        synchronized (this) {
            if (pending >= MAX_PENDING) {
                f.completeExceptionally(new DospClientException("too many vouch requests waiting (" + MAX_PENDING + ")"));
                return f;
            }
            waiting.computeIfAbsent(vip, v -> new ArrayDeque<>()).add(f);
            pending++;
        }
        f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> forget(vip, f));
        try {
            k.write(Login.vouchRequest(vip));
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    private synchronized void forget(Vip vip, CompletableFuture<Optional<Vouch>> f) {
        Queue<CompletableFuture<Optional<Vouch>>> q = waiting.get(vip);
        if (q != null && q.remove(f)) {
            pending--;
            if (q.isEmpty()) {
                waiting.remove(vip);
            }
        }
    }

    /** A frame of the vouch feature from {@code server} (I/O thread). */
    public void onFrame(String server, int kind, SimplePacket frame) {
        if (kind != Login.VOUCH_REPLY) {
            LOG.debug("Dropped vouch frame of kind 0x{} from {}", Integer.toHexString(kind), server);
            return;
        }
        Login.VouchReply r;
        try {
            r = Login.VouchReply.parse(Ext.payload(frame));
        } catch (MalformedPacketException e) {
            LOG.info("Unreadable VOUCH_REPLY from {}: {}", server, LogText.of(e.getMessage()));
            return;
        }
        CompletableFuture<Optional<Vouch>> f;
        synchronized (this) {
            Queue<CompletableFuture<Optional<Vouch>>> q = waiting.get(r.vip());
            f = q == null ? null : q.peek();
        }
        if (f == null) {
            LOG.debug("Unsolicited VOUCH_REPLY for {} from {}", r.vip(), server);
            return;
        }
        f.complete(r.status() == Login.VOUCH_UNKNOWN ? Optional.empty()
                : Optional.of(new Vouch(r.vip(), r.user(), Optional.ofNullable(r.identityKey()))));
    }
}
