package io.dosp.codec;

/**
 * Told what a {@link DospFrameDecoder} holds for a frame it has not completed yet, after each
 * read that leaves one unfinished: for a memory budget (bytes a peer makes us hold) and for a
 * deadline on the whole frame (bytes trickling in are not a frame). Called on the channel's
 * event loop, after the frames the read completed were passed on.
 */
@FunctionalInterface
public interface PartialFrameListener {
    /**
     * The decoder now holds {@code bytes} bytes of buffer (its capacity, what the memory costs)
     * for an unfinished frame, or 0 when it holds none any more. Called when the amount changes
     * or a new unfinished frame began.
     *
     * @param bytes    buffer held for the unfinished frame, 0 for none
     * @param newFrame whether the unfinished frame began in this read (none was held before, or the
     *                 one held before was completed)
     */
    void buffered(int bytes, boolean newFrame);
}
