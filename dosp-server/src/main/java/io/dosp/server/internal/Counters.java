package io.dosp.server.internal;

import io.dosp.server.DropReason;
import io.dosp.server.ServerStats;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Server-wide counters; LongAdder because every event loop updates them. Thread-safe. */
public final class Counters {
    final LongAdder accepted = new LongAdder();
    final LongAdder packetsIn = new LongAdder();
    final LongAdder packetsOut = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    private final Map<DropReason, LongAdder> drops = new EnumMap<>(DropReason.class);
    private final Instant startedAt = Instant.now();

    Counters() {
        for (DropReason r : DropReason.values()) {
            drops.put(r, new LongAdder());
        }
    }

    void drop(DropReason reason) {
        drops.get(reason).increment();
    }

    ServerStats snapshot(int connected) {
        Map<DropReason, Long> d = new EnumMap<>(DropReason.class);
        drops.forEach((k, v) -> d.put(k, v.sum()));
        return new ServerStats(startedAt, connected, accepted.sum(), packetsIn.sum(), packetsOut.sum(), bytesIn.sum(),
                bytesOut.sum(), d);
    }
}
