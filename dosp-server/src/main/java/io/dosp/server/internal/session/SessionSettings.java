package io.dosp.server.internal.session;

import io.dosp.server.ServerConfig;
import java.time.Duration;

/**
 * The configuration every session reads, taken from {@link ServerConfig} once (one shared
 * instance for all sessions). Immutable.
 *
 * @param compression          whether frames are compressed (then packets go through the codec's encoder)
 * @param maxFrameSize         the largest body a frame may carry
 * @param maxOutboundBytes     pending outbound bytes past which a client is dropped as a slow consumer
 * @param outboundLowWaterMark Netty's low water mark: counted as pending while the channel is unwritable
 * @param slowConsumerTimeout  how long a client may stay unwritable before it is dropped
 * @param packetRateLimit      packets per second a client may send, 0 for no limit
 * @param byteRateLimit        bytes per second a client may send, 0 for no limit
 */
public record SessionSettings(boolean compression, int maxFrameSize, int maxOutboundBytes, int outboundLowWaterMark,
        Duration slowConsumerTimeout, long packetRateLimit, long byteRateLimit) {

    /** The session settings of {@code config}. */
    public static SessionSettings of(ServerConfig config) {
        return new SessionSettings(config.compression(), config.limits().maxFrameSize(), config.limits().maxOutboundBytes(),
                config.limits().outboundLowWaterMark(), config.limits().slowConsumerTimeout(), config.limits().packetRateLimit(),
                config.limits().byteRateLimit());
    }
}
