package io.dosp.server;

/**
 * What the server's guards against abusive clients did: at the door, the memory its frame decoders
 * hold for frames not yet complete (counted in the memory budget, at most
 * {@link Limits#partialFrameMemory()}) and AUTH attempts whose token was checked or refused
 * unchecked ({@link Limits#maxAuthFailuresPerAddress()}); inside, log lines held back, function
 * calls admitted, inflate work charged, and replies larger than their request metered. What they
 * refused or closed is counted in {@link ServerStats#drops()} ({@link DropReason#ADDRESS_LIMIT},
 * {@link DropReason#FIRST_PACKET_TIMEOUT}, {@link DropReason#FRAME_TIMEOUT},
 * {@link DropReason#FRAME_MEMORY}, {@link DropReason#AUTH_THROTTLED},
 * {@link DropReason#FUNCTION_CLIENT_LIMIT}, {@link DropReason#FUNCTION_TIMEOUT},
 * {@link DropReason#INFLATE_TOO_LARGE}, {@link DropReason#REPLY_RATE_LIMIT}).
 *
 * @param partialFrameBytes     buffer held now for unfinished frames, all connections together
 * @param partialFramePeak      the most {@code partialFrameBytes} has been since start
 * @param partialFrameLimit     the most it may be ({@link Limits#partialFrameMemory()})
 * @param authChecked           AUTH attempts whose token was compared since start
 * @param authThrottled         AUTH attempts refused without comparing the token since start
 * @param authBans              times an address used up its AUTH failures and was banned from AUTH since start
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
public record GuardStats(long partialFrameBytes, long partialFramePeak, long partialFrameLimit, long authChecked,
        long authThrottled, long authBans, long logLinesSuppressed, long functionCallsAdmitted,
        long functionCallsInFlight, long inflatedBytes, long inflateDeferrals, long meteredReplies,
        long meteredReplyBytes) {
}
