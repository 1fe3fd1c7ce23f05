package io.dosp.server.internal.session;

import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import io.dosp.server.SlowConsumerPolicy;
import java.time.Duration;

/**
 * The configuration every session reads, taken from {@link ServerConfig} once (one shared
 * instance for all sessions). Immutable.
 *
 * @param compression          whether frames are compressed (then packets go through the codec's encoder)
 * @param maxFrameSize         the largest body a frame may carry
 * @param maxOutboundBytes     pending outbound bytes past which S2C to a client are refused (BACKPRESSURE) or it is dropped (DROP)
 * @param outboundLowWaterMark pending bytes under which a client's paused senders are resumed
 * @param outboundHighWaterMark pending bytes over which a client's senders are paused (BACKPRESSURE)
 * @param slowConsumerTimeout  how long a client with data pending may make no progress before it is dropped
 * @param slowConsumerPolicy   pause the senders of a slow client, or drop it at {@code maxOutboundBytes}
 * @param packetRateLimit      packets per second a client may send, 0 for no limit
 * @param byteRateLimit        bytes per second a client may send, 0 for no limit
 * @param inflateRateLimit     bytes per second a connection's compressed frames may inflate to, 0 for no limit
 * @param inflatePerRead       bytes a connection may inflate per read batch before the rest waits a loop turn
 * @param replyRateLimit       bytes per second of GCL and GSI replies a client may get, 0 for no limit
 */
public record SessionSettings(boolean compression, int maxFrameSize, int maxOutboundBytes, int outboundLowWaterMark,
        int outboundHighWaterMark, Duration slowConsumerTimeout, SlowConsumerPolicy slowConsumerPolicy,
        long packetRateLimit, long byteRateLimit, long inflateRateLimit, int inflatePerRead, long replyRateLimit) {

    /** Settings without the guards of a session's inflate work and replies (their defaults in {@link Limits}). */
    public SessionSettings(boolean compression, int maxFrameSize, int maxOutboundBytes, int outboundLowWaterMark,
            int outboundHighWaterMark, Duration slowConsumerTimeout, SlowConsumerPolicy slowConsumerPolicy,
            long packetRateLimit, long byteRateLimit) {
        this(compression, maxFrameSize, maxOutboundBytes, outboundLowWaterMark, outboundHighWaterMark, slowConsumerTimeout,
                slowConsumerPolicy, packetRateLimit, byteRateLimit, Limits.DEFAULT_INFLATE_RATE_LIMIT,
                Limits.DEFAULT_INFLATE_PER_READ, Limits.DEFAULT_REPLY_RATE_LIMIT);
    }

    /** The session settings of {@code config}. */
    public static SessionSettings of(ServerConfig config) {
        return new SessionSettings(config.compression(), config.limits().maxFrameSize(), config.limits().maxOutboundBytes(),
                config.limits().outboundLowWaterMark(), config.limits().outboundHighWaterMark(),
                config.limits().slowConsumerTimeout(), config.limits().slowConsumerPolicy(), config.limits().packetRateLimit(),
                config.limits().byteRateLimit(), config.limits().inflateRateLimit(), config.limits().inflatePerRead(),
                config.limits().replyRateLimit());
    }

    /** Only the send limits {@code packets}/s and {@code bytes}/s (a user's own, under client admission), nothing else metered. */
    SessionSettings withSendLimitsOnly(long packets, long bytes) {
        return new SessionSettings(false, maxFrameSize, maxOutboundBytes, outboundLowWaterMark, outboundHighWaterMark,
                slowConsumerTimeout, slowConsumerPolicy, packets, bytes, 0, inflatePerRead, 0);
    }
}
