package io.dosp.server;

/**
 * Flow control at a moment: senders paused because what they send cannot be queued yet, and the
 * server's memory budget for what it holds on behalf of clients (see {@link Limits#memoryBudget()}).
 *
 * @param sendersPaused   connections not read from now because a client they send to is behind or the
 *                        memory budget is spent (rate-limit pauses are not counted)
 * @param pauses          such pauses since start
 * @param memoryInUse     bytes held for clients now (outbound queues, batches and Netty's outbound buffers),
 *                        as the budget counts them (it may lag by up to 16 KiB per client with data pending)
 * @param memoryBudget    the budget in bytes
 * @param memoryPeak      the most {@code memoryInUse} has been since start
 */
public record FlowStats(long sendersPaused, long pauses, long memoryInUse, long memoryBudget, long memoryPeak) {
}
