package io.dosp.server.internal.hooks;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.Packets;
import io.dosp.protocol.SimplePacket;
import io.dosp.server.CustomPacketHandler;
import io.dosp.server.Disconnect;
import io.dosp.server.DropReason;
import io.dosp.server.ServerFunction;
import io.dosp.server.ServerListener;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.session.ClientSession;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's hooks: listeners, functions (run on their own bounded executor, never on an
 * event loop) and custom packet handlers. A hook that throws is logged and the server carries
 * on. Thread-safe: hooks may be added or removed at any time from any thread.
 */
public final class ServerHooks {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHooks.class);

    private final List<ServerListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, ServerFunction> functions = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<CustomPacketHandler> customHandlers = new AtomicReferenceArray<>(256);
    private final Counters counters;
    private final ThreadPoolExecutor functionExecutor;

    /** Functions run on {@code functionThreads} threads with {@code functionQueue} waiting calls (0: none wait). */
    public ServerHooks(Counters counters, int functionThreads, int functionQueue) {
        this.counters = counters;
        AtomicInteger n = new AtomicInteger();
        BlockingQueue<Runnable> queue = functionQueue == 0 ? new SynchronousQueue<>()
                : new LinkedBlockingQueue<>(functionQueue);
        this.functionExecutor = new ThreadPoolExecutor(functionThreads, functionThreads, 60, TimeUnit.SECONDS, queue,
                r -> {
                    Thread t = new Thread(r, "dosp-fn-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
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
                LOG.warn("ServerListener.onPacket failed for {} ({}); handling the packet normally", s, p, e);
            }
        }
        return false;
    }

    // ---- functions ----

    /** Registers (or with null removes) a function. */
    public void function(String name, ServerFunction fn) {
        if (fn == null) {
            functions.remove(name);
        } else {
            functions.put(name, fn);
        }
    }

    /** FN {@code name} from {@code s}: runs the function off the event loop, answers SA or ERR. */
    public void callFunction(ClientSession s, String name) {
        ServerFunction fn = functions.get(name);
        if (fn == null) {
            s.deliver(Packets.err(ErrCode.FNF, name));
            return;
        }
        try {
            functionExecutor.execute(() -> {
                try {
                    String result = fn.call(s);
                    s.deliver(Packets.sa(result == null ? "" : result));
                } catch (Exception e) {
                    LOG.debug("Function {} failed for {}", name, s, e);
                    s.deliver(Packets.err(ErrCode.FF, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                } catch (Throwable t) {
                    LOG.error("Function {} failed for {}", name, s, t);
                    s.deliver(Packets.err(ErrCode.FF, "internal error"));
                }
            });
        } catch (RejectedExecutionException e) {
            counters.drop(DropReason.FUNCTION_REJECTED);
            s.deliver(Packets.err(ErrCode.FF, "Server busy"));
        }
    }

    /** Stops the function threads. */
    public void shutdownFunctions() {
        functionExecutor.shutdownNow();
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
            LOG.warn("Handler for custom type 0x{} failed for {}", Integer.toHexString(p.typeCode()), s, e);
            s.deliver(Packets.err(ErrCode.FF, "handler failed"));
        }
    }
}
