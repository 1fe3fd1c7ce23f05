package io.dosp.client.internal;

import io.dosp.client.ClientListener;
import io.dosp.client.DataInterceptor;
import io.dosp.client.Incoming;
import io.dosp.protocol.Packet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's {@link ClientListener}s and the serial executor their callbacks run on, kept across
 * reconnects. Events are queued from any thread (mostly I/O threads) and run one at a time, in the
 * order they were queued, on {@link ClientThreads#callbackPool()}: never on an I/O thread, so a
 * slow listener never stalls the network.
 *
 * <p>Thread-safe.
 */
public final class ListenerNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerNotifier.class);
    private final List<ClientListener> listeners = new CopyOnWriteArrayList<>();
    private final List<DataInterceptor> interceptors = new CopyOnWriteArrayList<>();
    private final SerialExecutor callbacks = new SerialExecutor(ClientThreads.callbackPool());
    /** Whether a listener overrides {@code onPacket}: if none does, no task is queued per packet (a flood costs nothing here). */
    private volatile boolean wantsPackets;

    /** Adds a listener. */
    public void add(ClientListener l) {
        listeners.add(l);
        wantsPackets = listeners.stream().anyMatch(ListenerNotifier::overridesOnPacket);
    }

    /** Adds a data interceptor (asked after those added before it). */
    public void addInterceptor(DataInterceptor i) {
        interceptors.add(i);
    }

    /** Removes a data interceptor. */
    public void removeInterceptor(DataInterceptor i) {
        interceptors.remove(i);
    }

    /**
     * Whether an interceptor took {@code in} (I/O thread: the interceptors must not block). One that throws is logged
     * and counts as not taking it.
     */
    boolean intercept(Incoming in) {
        for (DataInterceptor i : interceptors) {
            try {
                if (i.intercept(in)) {
                    return true;
                }
            } catch (RuntimeException e) {
                LOG.warn("A DoSP data interceptor threw; the message goes on to the receive queue", e);
            }
        }
        return false;
    }

    /** Removes a listener. */
    public void remove(ClientListener l) {
        listeners.remove(l);
        wantsPackets = listeners.stream().anyMatch(ListenerNotifier::overridesOnPacket);
    }

    private static boolean overridesOnPacket(ClientListener l) {
        try {
            return l.getClass().getMethod("onPacket", Packet.class).getDeclaringClass() != ClientListener.class;
        } catch (NoSuchMethodException e) {
            return true; // cannot happen (the interface declares it); deliver to be safe
        }
    }

    /** {@link #emit} for {@code onPacket}: queued only when some listener overrides it. */
    public void emitPacket(Consumer<ClientListener> event) {
        if (wantsPackets) {
            emit(event);
        }
    }

    /** Whether no listener is registered (an event emitted now reaches nobody). */
    public boolean isEmpty() {
        return listeners.isEmpty();
    }

    /** Runs {@code event} for every listener on the callback executor; returns at once. */
    public void emit(Consumer<ClientListener> event) {
        if (listeners.isEmpty()) {
            return;
        }
        callbacks.execute(() -> {
            for (ClientListener l : listeners) {
                event.accept(l);
            }
        });
    }
}
