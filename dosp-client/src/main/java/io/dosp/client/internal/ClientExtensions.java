package io.dosp.client.internal;

import io.dosp.protocol.Ext;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.internal.LogText;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of this project's client extension ({@link Ext}): the features it offers in HELLO and, for each,
 * the handler of the EXT frames the server sends for it. A frame of a feature the server did not enable on this
 * connection, or of a kind nobody handles, is dropped with a debug line.
 *
 * <p>One per client, shared by its connections; handlers are called on the connection's I/O thread and must not
 * block.
 */
public final class ClientExtensions {
    private static final Logger LOG = LoggerFactory.getLogger(ClientExtensions.class);

    /** What a feature does with an EXT frame of its kinds. */
    @FunctionalInterface
    public interface FrameHandler {
        /** A frame of {@code kind} from {@code server}, on the I/O thread. */
        void onFrame(String server, int kind, SimplePacket frame);
    }

    private final Map<String, FrameHandler> handlers = new LinkedHashMap<>();

    /** Adds a feature the client offers and the handler of its frames; before the first connection only. */
    public synchronized ClientExtensions offer(String feature, FrameHandler handler) {
        handlers.put(feature, handler);
        return this;
    }

    /** The features offered in HELLO. */
    public synchronized Set<String> offered() {
        return Set.copyOf(handlers.keySet());
    }

    /** Hands a server's EXT frame (not WELCOME) to its feature, when {@code enabled} on the connection. */
    void onFrame(String server, Set<String> enabled, int kind, SimplePacket frame) {
        String feature = Ext.featureOf(kind);
        FrameHandler h;
        synchronized (this) {
            h = feature == null ? null : handlers.get(feature);
        }
        if (h == null || !enabled.contains(feature)) {
            LOG.debug("Dropped an EXT frame of kind 0x{} from {}: feature {} is not enabled", String.format("%02X", kind),
                    server, LogText.of(feature));
            return;
        }
        h.onFrame(server, kind, frame);
    }
}
