package io.dosp.server.internal.session;

import io.dosp.protocol.ErrCode;
import io.dosp.protocol.Packet;
import io.dosp.protocol.PacketCodec;
import io.dosp.protocol.PacketType;
import io.dosp.protocol.Packets;
import io.dosp.server.DropReason;
import io.dosp.server.internal.Counters;
import java.util.function.Supplier;

/**
 * What a session's replies larger than their request (GCL, GSI) may cost: the reply bucket of its
 * {@link RateLimit}. A reply is built only while the bucket is not in debt; otherwise the request is
 * refused with ERR naming the limit. Replies and refusals are both charged and counted. Event loop
 * only; owned by one {@link ClientSession}.
 */
final class ReplyBudget {
    private final RateLimit rateLimit;
    private final Counters counters;
    private final long limit;

    ReplyBudget(RateLimit rateLimit, Counters counters, long limit) {
        this.rateLimit = rateLimit;
        this.counters = counters;
        this.limit = limit;
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
            p = rateLimit.firstRefusal() || !bareRepeats
                    ? Packets.err(refusal, type.name() + " refused: replies larger than their request are limited to "
                            + limit + " bytes/s per client; ask again later")
                    : Packets.err(refusal);
        }
        rateLimit.replied(PacketCodec.HEADER_BYTES + p.bodyLength());
        return p;
    }
}
