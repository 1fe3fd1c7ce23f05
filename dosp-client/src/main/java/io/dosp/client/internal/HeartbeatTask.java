package io.dosp.client.internal;

import io.dosp.client.HeartbeatOptions;
import io.netty.channel.Channel;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat of one connection: a PING every interval on the channel's event loop; after the
 * configured number of PINGs without an answer it closes the channel as dead (the inbound handler
 * then reports the loss, with reason {@code no answer to heartbeat PINGs}). The schedule ends with
 * the channel. While reading is paused ({@link ReadPauses}: auto-read off) PINGs are still sent but not counted
 * as missed. Runs on the I/O thread and never blocks it.
 */
final class HeartbeatTask implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatTask.class);
    private final Channel channel;
    private final ConnectionState state;
    private final int misses;
    private final Supplier<CompletableFuture<?>> ping;
    private final AtomicInteger missed = new AtomicInteger();

    private HeartbeatTask(Channel channel, ConnectionState state, int misses, Supplier<CompletableFuture<?>> ping) {
        this.channel = channel;
        this.state = state;
        this.misses = misses;
        this.ping = ping;
    }

    /** Starts the heartbeat of {@code channel}; {@code ping} sends a PING and completes when it is answered. */
    static void start(Channel channel, ConnectionState state, HeartbeatOptions options, Supplier<CompletableFuture<?>> ping) {
        long nanos = options.interval().toNanos();
        channel.eventLoop().scheduleAtFixedRate(new HeartbeatTask(channel, state, options.misses(), ping),
                nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** One beat: closes the channel as dead after too many unanswered PINGs, else sends the next PING. */
    @Override
    public void run() {
        if (!channel.isActive()) {
            throw new CancellationException("connection closed"); // ends the schedule
        }
        if (missed.get() >= misses) {
            LOG.warn("No answer to {} heartbeat PINGs from {}: closing the connection as dead", misses, state.server);
            state.heartbeatDead = true;
            channel.close();
            throw new CancellationException("dead");
        }
        if (channel.config().isAutoRead()) {
            missed.incrementAndGet();
        } // else reading is paused (ReadPauses): the PONG waits unread, it is not missing; the PING still keeps the
          // server's idle timeout from closing us
        ping.get().thenRun(() -> missed.set(0));
    }
}
