package io.dosp.codec;

import io.dosp.protocol.FrameTooLargeException;
import io.dosp.protocol.ProtocolException;

/**
 * What {@link DospFrameDecoder} passes down the pipeline instead of a packet when a frame cannot
 * be decoded. The decoder never throws for peer input; handlers decide the answer.
 *
 * <p>When {@link #fatal()} (the LENGTH was over the limit) the stream cannot be resynchronised:
 * the decoder discards everything after it and the handler should send EXIT
 * {@code Packet too large} and close. Otherwise the frame was skipped whole and the connection
 * can go on (answer ERR with {@link ProtocolException#errCode()}).
 *
 * @param typeCode type byte of the bad frame
 * @param error    the typed reason
 */
public record InvalidFrame(int typeCode, ProtocolException error) {

    /** True when the connection must be closed. */
    public boolean fatal() {
        return error instanceof FrameTooLargeException;
    }
}
