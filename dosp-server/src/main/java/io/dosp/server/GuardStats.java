package io.dosp.server;

/**
 * What the server's guards at the door did, at a moment: the memory its frame decoders hold for
 * frames not yet complete (counted in the memory budget, at most {@link Limits#partialFrameMemory()}),
 * and AUTH attempts whose token was checked or refused unchecked (see
 * {@link Limits#maxAuthFailuresPerAddress()}). Refused and closed connections are counted in
 * {@link ServerStats#drops()} ({@link DropReason#ADDRESS_LIMIT}, {@link DropReason#FIRST_PACKET_TIMEOUT},
 * {@link DropReason#FRAME_TIMEOUT}, {@link DropReason#FRAME_MEMORY}, {@link DropReason#AUTH_THROTTLED}).
 *
 * @param partialFrameBytes  buffer held now for unfinished frames, all connections together
 * @param partialFramePeak   the most {@code partialFrameBytes} has been since start
 * @param partialFrameLimit  the most it may be ({@link Limits#partialFrameMemory()})
 * @param authChecked        AUTH attempts whose token was compared since start
 * @param authThrottled      AUTH attempts refused without comparing the token since start
 * @param authBans           times an address used up its AUTH failures and was banned from AUTH since start
 */
public record GuardStats(long partialFrameBytes, long partialFramePeak, long partialFrameLimit, long authChecked,
        long authThrottled, long authBans) {
}
