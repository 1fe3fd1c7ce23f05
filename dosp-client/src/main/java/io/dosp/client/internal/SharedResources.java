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
final class SharedResources {
    private static volatile EventLoopGroup io;
    private static volatile EventLoopGroup local;
    private static volatile ExecutorService callbacks;

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
