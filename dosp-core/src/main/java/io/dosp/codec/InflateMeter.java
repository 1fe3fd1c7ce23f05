package io.dosp.codec;

/**
 * Meters the inflate work of one connection's {@link DospFrameDecoder} when compression is on: a
 * small compressed body can make a receiver inflate up to the maximum frame size (a zlib bomb),
 * so a server charges that work to the connection and can make the decoder wait.
 *
 * <p>Before each compressed body the decoder asks {@link #mayInflate()}; when the answer is no it
 * stops decoding, keeps every byte it holds, and carries on only when
 * {@link DospFrameDecoder#resumeDecoding()} is called (the meter arranges that, e.g. on the next
 * turn of the event loop or when its rate limit has refilled). After each inflation, successful
 * or refused, it reports the bytes produced to {@link #inflated(int)}.
 *
 * <p>Called on the channel's event loop only.
 */
public interface InflateMeter {

    /** Whether the decoder may inflate another body now; false: it waits for {@link DospFrameDecoder#resumeDecoding()}. */
    boolean mayInflate();

    /** One body inflated to {@code bytes} (for a refused body, what was produced before it was refused). */
    void inflated(int bytes);
}
