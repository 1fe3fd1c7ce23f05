package io.dosp.client.internal;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Threads shared by every client in the JVM: one NIO group for I/O, one local-transport group,
 * one cached pool for callbacks. All daemon threads, created on first use, so a process with
 * many clients does not get a thread per client and a program never hangs on exit because of them.
 */
public final class SharedResources {
    private static volatile EventLoopGroup io;
    private static volatile EventLoopGroup local;
    private static volatile ExecutorService callbacks;
    private static volatile java.util.concurrent.ScheduledExecutorService scheduler;

    private SharedResources() {
    }

    static EventLoopGroup ioGroup() {
        if (io == null) {
            synchronized (SharedResources.class) {
                if (io == null) {
                    io = new NioEventLoopGroup(0, new DefaultThreadFactory("dosp-client-io", true));
                }
            }
        }
        return io;
    }

    static EventLoopGroup localGroup() {
        if (local == null) {
            synchronized (SharedResources.class) {
                if (local == null) {
                    local = new DefaultEventLoopGroup(0, new DefaultThreadFactory("dosp-client-local", true));
                }
            }
        }
        return local;
    }

    /** Runs reconnect attempts (which block while connecting): never an I/O thread. */
    public static java.util.concurrent.ScheduledExecutorService scheduler() {
        if (scheduler == null) {
            synchronized (SharedResources.class) {
                if (scheduler == null) {
                    scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("dosp-client-reconnect", true));
                }
            }
        }
        return scheduler;
    }

    static ExecutorService callbackPool() {
        if (callbacks == null) {
            synchronized (SharedResources.class) {
                if (callbacks == null) {
                    callbacks = Executors.newCachedThreadPool(new DefaultThreadFactory("dosp-client-callback", true));
                }
            }
        }
        return callbacks;
    }
}
