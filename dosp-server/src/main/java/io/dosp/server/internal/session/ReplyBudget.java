package io.dosp.server.internal.session;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import io.dosp.server.internal.LogLimiter;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a session's replies larger than their request (GCL, GSI) may cost: the reply bucket of its
 * {@link RateLimit}. A reply is built only while the bucket is not in debt; otherwise the request is
 * refused with ERR naming the limit. Replies and refusals are both charged and counted. Event loop
 * only; owned by one {@link ClientSession}.
 */
final class ReplyBudget {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyBudget.class);

    private final Object owner;
    private final RateLimit rateLimit;
    private final Counters counters;
    private final long limit;
    private final LogLimiter refusedLog;

    /** The budget of {@code owner} (named in log lines), {@code limit} bytes/s, refusals logged at the rate of {@code refusedLog}. */
    ReplyBudget(Object owner, RateLimit rateLimit, Counters counters, long limit, LogLimiter refusedLog) {
        this.owner = owner;
        this.rateLimit = rateLimit;
        this.counters = counters;
        this.limit = limit;
        this.refusedLog = refusedLog;
    }

    /**
     * What to send for a request of {@code type}: the reply {@code reply} builds, or ERR
     * {@code refusal}; with {@code bareRepeats} the refusals after the first (until a reply is sent
     * again) are the bare code, no larger than a request.
     */
    Packet answer(PacketType type, ErrCode refusal, boolean bareRepeats, Supplier<Packet> reply) {
        Packet p;
        if (rateLimit.mayReply()) {
            p = reply.get();
            counters.meteredReply(PacketCodec.HEADER_BYTES + p.bodyLength());
        } else {
            counters.drop(DropReason.REPLY_RATE_LIMIT);
            if (refusedLog.allow()) {
                LOG.info("Refusing {} from {}: over its reply rate limit of {} bytes/s{}", type, owner, limit,
                        refusedLog.heldBackNote());
            }
            p = rateLimit.firstRefusal() || !bareRepeats
                    ? Packets.err(refusal, type.name() + " refused: replies larger than their request are limited to "
                            + limit + " bytes/s per client; ask again later")
                    : Packets.err(refusal);
        }
        rateLimit.replied(PacketCodec.HEADER_BYTES + p.bodyLength());
        return p;
    }
}
