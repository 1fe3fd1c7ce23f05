package io.dosp.client.internal;

import io.dosp.client.ClientListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A client's {@link ClientListener}s and the serial executor their callbacks run on, kept across
 * reconnects. Events are queued from any thread (mostly I/O threads) and run one at a time, in the
 * order they were queued, on {@link ClientThreads#callbackPool()}: never on an I/O thread, so a
 * slow listener never stalls the network.
 *
 * <p>Thread-safe.
 */
public final class ListenerNotifier {
    private final List<ClientListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor callbacks = new SerialExecutor(ClientThreads.callbackPool());

    /** Adds a listener. */
    public void add(ClientListener l) {
        listeners.add(l);
    }

    /** Removes a listener. */
    public void remove(ClientListener l) {
        listeners.remove(l);
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
