package io.dosp.codec;

import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * The DoSP frame codec for one channel: a {@link DospFrameDecoder} and a
 * {@link DospFrameEncoder} sharing one {@link Compression} state. Put it first in the pipeline
 * (after TLS or WebSocket adapters); handlers after it see {@link io.dosp.protocol.Packet}s
 * and {@link InvalidFrame}s, and write {@code Packet}s.
 *
 * <p>Not sharable: one per channel.
 */
public final class DospCodec extends CombinedChannelDuplexHandler<DospFrameDecoder, DospFrameEncoder> {
    private final Compression compression;

    private DospCodec(int maxFrameSize, Compression compression) {
        super(new DospFrameDecoder(maxFrameSize, compression), new DospFrameEncoder(maxFrameSize, compression));
        this.compression = compression;
    }

    /** Server side: compression fixed at accept (announce the same flag in HSK). */
    public static DospCodec forServer(int maxFrameSize, boolean compression, int level) {
        return new DospCodec(maxFrameSize, Compression.fixed(compression, level));
    }

    /** Client side: compression follows the server's HSK. */
    public static DospCodec forClient(int maxFrameSize) {
        return new DospCodec(maxFrameSize, Compression.followHandshake());
    }

    /** The shared compression state. */
    public Compression compression() {
        return compression;
    }

    /** The decoding half (to set its {@link DospFrameDecoder.FrameInterceptor} or {@link PartialFrameListener}). */
    public DospFrameDecoder decoder() {
        return inboundHandler();
    }

    /** Meters the decoder's inflate work from now on (see {@link DospFrameDecoder#inflateMeter(InflateMeter)}). */
    public void inflateMeter(InflateMeter meter) {
        inboundHandler().inflateMeter(meter);
    }

    /** Carries on decoding after the {@link InflateMeter} said no (see {@link DospFrameDecoder#resumeDecoding()}). */
    public void resumeDecoding() {
        inboundHandler().resumeDecoding();
    }
}
