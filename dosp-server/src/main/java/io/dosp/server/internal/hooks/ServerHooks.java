package io.dosp.server.internal.hooks;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.CustomPacketHandler;
import io.dosp.server.Disconnect;
import io.dosp.server.ServerFunction;
import io.dosp.server.ServerListener;
import io.dosp.server.TypedFunction;
import io.dosp.protocol.internal.FlatJson;
import io.dosp.server.internal.ext.ClientExtensions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.session.ClientSession;
import io.dosp.server.Functions;
import io.dosp.server.internal.LogLimiter;
import io.dosp.server.internal.PeerLog;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's hooks: listeners, functions (run on their own threads, never on an event
 * loop, fairly across clients: {@link FunctionCalls}) and custom packet handlers. A hook that
 * throws is logged (at a bounded rate) and the server carries on. Thread-safe: hooks may be added
 * or removed at any time from any thread.
 */
public final class ServerHooks {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHooks.class);

    private final List<ServerListener> listeners = new CopyOnWriteArrayList<>();
    /** Every function by name: a {@link ServerFunction} or a {@link TypedFunction} (one namespace). */
    private final ConcurrentHashMap<String, Object> functions = new ConcurrentHashMap<>();
    /** The {@code $discover} schema, built again after a change. */
    private volatile byte[] schema;
    private final AtomicReferenceArray<CustomPacketHandler> customHandlers = new AtomicReferenceArray<>(256);
    private final FunctionCalls calls;
    private final TypedCalls typedCalls;
    private final LogLimiter hookLog;

    /** Functions run as {@code functions} says; counted in {@code counters}; peers' strings logged through {@code log}. */
    public ServerHooks(Counters counters, Functions functions, PeerLog log) {
        this.calls = new FunctionCalls(functions, counters, log);
        this.typedCalls = functions.typedCalls() ? new TypedCalls(this, calls, functions, log) : null;
        this.hookLog = log.limiter("hook.failed");
    }

    /** The client extension feature {@code functions} (typed calls, {@code $discover}), or none when it is off. */
    public List<ClientExtensions.Feature> features() {
        return typedCalls == null ? List.of() : List.of(typedCalls);
    }

    // ---- listeners ----

    /** Adds a listener. */
    public void addListener(ServerListener l) {
        listeners.add(l);
    }

    /** Removes a listener. */
    public void removeListener(ServerListener l) {
        listeners.remove(l);
    }

    /** Tells the listeners {@code s} connected. */
    public void connected(ClientSession s) {
        for (ServerListener l : listeners) {
            try {
                l.onConnect(s);
            } catch (RuntimeException e) {
                LOG.warn("ServerListener.onConnect failed for {}", s, e);
            }
        }
    }

    /** Tells the listeners {@code s} disconnected. */
    public void disconnected(ClientSession s, Disconnect d) {
        for (ServerListener l : listeners) {
            try {
                l.onDisconnect(s, d);
            } catch (RuntimeException e) {
                LOG.warn("ServerListener.onDisconnect failed for {}", s, e);
            }
        }
    }

    /** Whether any listener is registered (each may see or consume every packet). */
    public boolean hasPacketListeners() {
        return !listeners.isEmpty();
    }

    /** Offers {@code p} to the listeners; true when one consumed it. */
    public boolean packet(ClientSession s, Packet p) {
        for (ServerListener l : listeners) {
            try {
                if (l.onPacket(s, p)) {
                    return true;
                }
            } catch (RuntimeException e) {
                if (hookLog.allow()) {
                    LOG.warn("ServerListener.onPacket failed for {} ({}); handling the packet normally{}", s, p,
                            hookLog.heldBackNote(), e);
                }
            }
        }
        return false;
    }

    // ---- functions ----

    /** Registers (or with null removes) a function; it replaces a typed function of that name. */
    public void function(String name, ServerFunction fn) {
        put(name, fn);
    }

    /** Registers (or with null removes) a typed function; it replaces a bare function of that name. */
    public void typedFunction(String name, TypedFunction fn) {
        put(name, fn);
    }

    private void put(String name, Object fn) {
        if (fn == null) {
            functions.remove(name);
        } else {
            functions.put(name, fn);
        }
        schema = null;
    }

    /** The function called {@code name}: a {@link ServerFunction}, a {@link TypedFunction}, or null. */
    Object lookup(String name) {
        return functions.get(name);
    }

    /**
     * The {@code $discover} answer (JSON, docs/messaging.md section 3): every function by name, a bare one with no
     * parameters and a string result, a typed one as it describes itself; no handlers, no streams.
     */
    byte[] schema() {
        byte[] s = schema;
        if (s == null) {
            StringBuilder sb = new StringBuilder("{\"methods\":[");
            boolean first = true;
            for (Map.Entry<String, Object> e : new TreeMap<>(functions).entrySet()) {
                sb.append(first ? "" : ",").append("{\"name\":").append(FlatJson.quote(e.getKey()));
                if (e.getValue() instanceof TypedFunction t) {
                    sb.append(",\"params\":").append(t.paramsSchema()).append(",\"result\":").append(t.resultSchema());
                } else {
                    sb.append(",\"params\":[],\"result\":{\"type\":\"string\"}");
                }
                sb.append('}');
                first = false;
            }
            s = sb.append("],\"handlers\":[],\"streams\":[]}").toString().getBytes(StandardCharsets.UTF_8);
            schema = s;
        }
        return s;
    }

    /**
     * FN {@code name} from {@code s}: runs the function off the event loop, answers SA or ERR (FNF,
     * or FF when it throws, times out, or {@code s} or the server is over its call limits).
     */
    public void callFunction(ClientSession s, String name) {
        // Bare FN reaches bare functions only, exactly as before typed functions (a typed one is FNF here).
        ServerFunction fn = functions.get(name) instanceof ServerFunction f ? f : null;
        if (fn == null) {
            s.deliver(Packets.err(ErrCode.FNF, name));
            return;
        }
        calls.submit(s, name, fn);
    }

    /** Stops the function threads. */
    public void shutdownFunctions() {
        calls.shutdown();
    }

    // ---- custom packets ----

    /** Registers (or with null removes) a custom-type handler. */
    public void customHandler(int type, CustomPacketHandler h) {
        customHandlers.set(type, h);
    }

    /** A custom-type packet from {@code s}: its handler, or ERR UKNP when none is registered. */
    public void customPacket(ClientSession s, SimplePacket p) {
        CustomPacketHandler h = customHandlers.get(p.typeCode());
        if (h == null) {
            s.deliver(Packets.err(ErrCode.UKNP));
            return;
        }
        try {
            h.handle(s, p);
        } catch (Exception e) {
            if (hookLog.allow()) {
                LOG.warn("Handler for custom type 0x{} failed for {}{}",
                        Integer.toHexString(p.typeCode()), s, hookLog.heldBackNote(), e);
            }
            s.deliver(Packets.err(ErrCode.FF, "handler failed"));
        }
    }
}
