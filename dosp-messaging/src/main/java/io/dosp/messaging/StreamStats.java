package io.dosp.messaging;

/**
 * A messenger's streams at a moment ({@link Messenger#streamStats()}): counts, and the peaks that show the flow
 * control at work.
 *
 * @param sending             streams being sent now
 * @param receiving           streams being received now
 * @param sent                streams sent and confirmed by their receiver
 * @param sendFailed          streams sent that failed (refused, cancelled, gone, integrity)
 * @param received            streams received, checked and confirmed
 * @param receiveFailed       streams received that failed
 * @param droppedEnvelopes    stream envelopes that belonged to no stream (chunks still on their way after a cancel
 *                            or refusal, credit for a stream already ended)
 * @param maxBufferedBytes    the most bytes one incoming stream held that its handler had not read yet (never more
 *                            than {@link StreamOptions#window()})
 * @param maxUnconfirmedBytes the most bytes one outgoing stream had sent that its receiver had not yet read, as far
 *                            as its grants tell (never more than the receiver's window)
 */
public record StreamStats(int sending, int receiving, long sent, long sendFailed, long received, long receiveFailed,
        long droppedEnvelopes, long maxBufferedBytes, long maxUnconfirmedBytes) {
}
