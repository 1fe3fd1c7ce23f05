package io.dosp.client.internal;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The threads every client in the JVM shares: one NIO event loop group for TCP, one event loop
 * group for the in-process (local) transport, one scheduler for reconnect attempts and one cached
 * pool under the clients' listener callbacks. All daemon threads, each created on first use (a
 * holder class per resource), so a process with many clients does not get a thread per client
 * and a program never hangs on exit because of them. Never shut down.
 */
public final class ClientThreads {
    private ClientThreads() {
    }

    private static final class Io {
        static final EventLoopGroup GROUP = new NioEventLoopGroup(0, new DefaultThreadFactory("dosp-client-io", true));
    }

    private static final class Local {
        static final EventLoopGroup GROUP = new DefaultEventLoopGroup(0, new DefaultThreadFactory("dosp-client-local", true));
    }

    private static final class Reconnect {
        static final ScheduledExecutorService SCHEDULER =
                Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("dosp-client-reconnect", true));
    }

    private static final class Callbacks {
        static final ExecutorService POOL = Executors.newCachedThreadPool(new DefaultThreadFactory("dosp-client-callback", true));
    }

    /** The event loops of TCP connections. */
    static EventLoopGroup ioGroup() {
        return Io.GROUP;
    }

    /** The event loops of in-process connections. */
    static EventLoopGroup localGroup() {
        return Local.GROUP;
    }

    /** Runs reconnect attempts (which block while connecting): never an I/O thread. */
    public static ScheduledExecutorService scheduler() {
        return Reconnect.SCHEDULER;
    }

    /** The pool under every client's serial listener executor. */
    static ExecutorService callbackPool() {
        return Callbacks.POOL;
    }
}
