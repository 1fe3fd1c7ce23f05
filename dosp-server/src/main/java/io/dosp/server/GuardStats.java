package io.dosp.server;

/**
 * What the server's guards against a client that abuses it did, since start: log lines it held
 * back, function calls it admitted, inflate work it charged, and the replies larger than their
 * request it metered. What they refused is in {@link ServerStats#drops()}
 * ({@link DropReason#FUNCTION_CLIENT_LIMIT}, {@link DropReason#FUNCTION_TIMEOUT},
 * {@link DropReason#INFLATE_TOO_LARGE}, {@link DropReason#REPLY_RATE_LIMIT}).
 *
 * @param logLinesSuppressed    log lines a peer caused that were held back by {@link Limits#logLinesPerSecond()}
 * @param functionCallsAdmitted FN calls admitted to the function threads
 * @param functionCallsInFlight FN calls waiting or running now
 * @param inflatedBytes         bytes compressed frames inflated to, refused bodies included (what was charged
 *                              against {@link Limits#inflateRateLimit()})
 * @param inflateDeferrals      times a connection's inflation waited: for the next turn of its event loop
 *                              ({@link Limits#inflatePerRead()}) or for its inflate rate to refill
 * @param meteredReplies        GCL and GSI replies sent under {@link Limits#replyRateLimit()}
 * @param meteredReplyBytes     their bytes (header included)
 */
public record GuardStats(long logLinesSuppressed, long functionCallsAdmitted, long functionCallsInFlight,
        long inflatedBytes, long inflateDeferrals, long meteredReplies, long meteredReplyBytes) {
}
