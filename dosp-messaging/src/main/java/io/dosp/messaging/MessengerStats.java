package io.dosp.messaging;

/**
 * What a {@link Messenger} did since it was attached: every envelope that did not reach a handler or a caller is
 * counted here by reason, so nothing is lost without a trace.
 *
 * @param callsInFlight      this side's calls waiting for answers now
 * @param incomingCalls      calls from peers running here now
 * @param callsMade          calls this side sent
 * @param callsServed        calls from peers answered (with a result or an error)
 * @param callsRefusedBusy   calls from peers answered {@code TOO_MANY_CALLS}
 * @param callsCancelled     calls from peers that their caller cancelled (answered nothing more)
 * @param messagesHandled    messages given to a handler
 * @param messagesDropped    messages dropped: no handler, undecodable, or too many queued
 * @param malformed          S2C data that looked like an envelope and was not one
 * @param unhandled          envelopes nothing waited for (answers to calls that already failed, unknown stream ids)
 * @param inboxOverflows     envelopes refused because the inbox was over its bound (calls answered
 *                           {@code TOO_MANY_CALLS}, messages dropped, stream envelopes failing their stream)
 * @param readPauses         times the messenger paused the client's reading (backpressure: what it held passed its
 *                           high water mark)
 * @param readPaused         whether it holds the client's reading paused now
 * @param peakHeld           the most envelopes and messages it held at once (inbox plus messages waiting for or in
 *                           their handlers)
 * @param peakHeldBytes      their bytes at the most
 */
public record MessengerStats(int callsInFlight, int incomingCalls, long callsMade, long callsServed,
        long callsRefusedBusy, long callsCancelled, long messagesHandled, long messagesDropped, long malformed, long unhandled,
        long inboxOverflows, long readPauses, boolean readPaused, long peakHeld, long peakHeldBytes) {
}
