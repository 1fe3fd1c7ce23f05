package io.dosp.client.internal;

import io.dosp.client.DisconnectedException;
import io.dosp.client.DospClientException;
import io.dosp.client.FunctionCallException;
import io.dosp.client.RequestTimeoutException;
import io.dosp.protocol.Envelope;
import io.dosp.protocol.Ext;
import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.internal.FlatJson;
import io.dosp.protocol.internal.LogText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of the {@code functions} extension: a typed call is an EXT FN_CALL carrying an envelope REQUEST
 * with a call id of ours; the server's FN_REPLY (RESPONSE or ERROR, the same id) completes it. Several calls may be in
 * flight (at most {@value #MAX_PENDING}); each fails after the request timeout, and all of a connection's fail at once
 * when it closes. Without the feature (a reference server, or ours with it off) a call with no arguments falls back to
 * a bare FN, answered as a TEXT envelope; one with arguments fails with {@code UNSUPPORTED}
 * ({@value FunctionCallException#NOT_SUPPORTED_MESSAGE}). One per client, shared by its connections; thread-safe.
 */
public final class TypedCalls {
    private static final Logger LOG = LoggerFactory.getLogger(TypedCalls.class);
    static final int MAX_PENDING = 1024;
    /** The name of the discovery call (docs/messaging.md section 3). */
    public static final String DISCOVER = "$discover";

    private record Pending(ClientConnection connection, String function, CompletableFuture<Envelope> future) {
    }

    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextId;
    /** The connection whose close fails its calls (one hook per connection, not one per call). */
    private ClientConnection watched;

    /**
     * Calls {@code function} with {@code args} (an array encoded as {@code contentType}) on {@code k}; {@code bare}
     * makes a blocking bare FN for the fallback.
     */
    public CompletableFuture<Envelope> call(ClientConnection k, String function, int contentType, byte[] args,
            Duration timeout, Function<String, String> bare) {
        if (!k.extensions().contains(Ext.FEATURE_FUNCTIONS)) {
            if (!DISCOVER.equals(function) && FlatJson.isEmptyArray(contentType, args)) {
                return CompletableFuture.supplyAsync(() -> new Envelope(Envelope.RESPONSE, Envelope.FLAG_REPLY, 0, "",
                        Envelope.TEXT, bare.apply(function).getBytes(StandardCharsets.UTF_8)),
                        ClientThreads.callbackPool());
            }
            return CompletableFuture.failedFuture(new FunctionCallException(k.server(), function, "UNSUPPORTED",
                    FunctionCallException.NOT_SUPPORTED_MESSAGE + " (no 'functions' extension)", null));
        }
        CompletableFuture<Envelope> f = new CompletableFuture<>();
        long id;
        synchronized (this) {
            if (pending.size() >= MAX_PENDING) {
                return CompletableFuture.failedFuture(new DospClientException("too many function calls waiting ("
                        + MAX_PENDING + ") on DoSP server " + k.server()));
            }
            do {
                nextId = (nextId + 1) & 0xFFFF_FFFFL;
            } while (nextId == 0 || pending.containsKey(nextId));
            id = nextId;
            pending.put(id, new Pending(k, function, f));
            if (watched != k) {
                watched = k;
                k.whenClosed(() -> failAll(k));
            }
        }
        Envelope request;
        try {
            request = new Envelope(Envelope.REQUEST, 0, id, function, contentType, args);
        } catch (IllegalArgumentException e) {
            forget(id);
            return CompletableFuture.failedFuture(new DospClientException("function call '" + function + "': "
                    + e.getMessage()));
        }
        f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> forget(id));
        try {
            k.write(Ext.frame(Ext.FN_CALL, request.encode()));
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f.exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof TimeoutException
                ? new RequestTimeoutException("function '" + function + "' got no answer from DoSP server "
                        + k.server() + " within " + timeout) : e));
    }

    private synchronized void forget(long id) {
        pending.remove(id);
    }

    /** A frame of the functions feature from {@code server} (I/O thread). */
    public void onFrame(String server, int kind, SimplePacket frame) {
        if (kind != Ext.FN_REPLY) {
            LOG.debug("Dropped functions frame of kind 0x{} from {}", Integer.toHexString(kind), server);
            return;
        }
        Envelope e;
        try {
            e = Envelope.decode(Ext.payload(frame));
        } catch (Envelope.MalformedEnvelopeException | MalformedPacketException x) {
            LOG.info("Unreadable FN_REPLY from {}: {}", server, LogText.of(x.getMessage()));
            return;
        }
        Pending p;
        synchronized (this) {
            p = pending.remove(e.id());
        }
        if (p == null) {
            LOG.debug("FN_REPLY for no call in flight (id {}) from {}", e.id(), server);
            return;
        }
        if (e.kind() == Envelope.RESPONSE && e.isReply()) {
            p.future().complete(e);
        } else if (e.kind() == Envelope.ERROR) {
            p.future().completeExceptionally(error(server, p.function(), e));
        } else {
            p.future().completeExceptionally(new DospClientException("function '" + p.function()
                    + "' got an envelope of kind " + e.kind() + " from DoSP server " + server));
        }
    }

    /** The exception an ERROR envelope stands for (its texts are the server's: escaped and cut). */
    static FunctionCallException error(String server, String function, Envelope e) {
        Map<String, String> fields;
        try {
            fields = FlatJson.stringFields(e.bodyBytes());
        } catch (IllegalArgumentException x) {
            fields = Map.of("code", "UNSUPPORTED", "message", "unreadable error object: " + x.getMessage());
        }
        String field = fields.get("field");
        return new FunctionCallException(server, function, LogText.of(fields.getOrDefault("code", "UNKNOWN"), 64),
                LogText.of(fields.getOrDefault("message", ""), 1000), field == null ? null : LogText.of(field, 200));
    }

    /** Fails every call still waiting on {@code k}, whose connection closed. */
    private void failAll(ClientConnection k) {
        List<Pending> gone = new ArrayList<>();
        synchronized (this) {
            pending.values().removeIf(p -> p.connection() == k && gone.add(p));
        }
        gone.forEach(p -> p.future().completeExceptionally(new DisconnectedException(k.server(), null)));
    }
}
