package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.KeyValue;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link Janitor#tick} on scripted buckets and a hand-moved clock: it takes the lock, orphans nothing for a full L after
 * gaining it, and again for a full L after its KV came back (no mass expiry after an outage); a node that cannot write
 * does nothing.
 */
class JanitorQuietTest {
    private static final Duration L = Duration.ofSeconds(6);
    private final AtomicLong clock = new AtomicLong();
    private final AtomicBoolean kvDown = new AtomicBoolean();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    private final KeyValue kv = (KeyValue) Proxy.newProxyInstance(KeyValue.class.getClassLoader(),
            new Class<?>[] {KeyValue.class}, (proxy, method, args) -> {
                String key = args != null && args.length > 0 && args[0] instanceof String s ? s : "";
                if (!key.startsWith(NodeLiveness.PREFIX)) {
                    calls.add(method.getName() + " " + key);
                }
                if (kvDown.get()) {
                    throw new IOException("Error Publishing: 503 No Responders Available For Request");
                }
                return switch (method.getName()) {
                    case "keys" -> List.of(NodeLiveness.PREFIX + "me-1-aaaa");
                    case "create" -> 1L;
                    case "update" -> (Long) args[2] + 1;
                    case "get" -> null; // the entry changed meanwhile: nothing is written
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            });
    private final NodeLiveness liveness = new NodeLiveness(kv, "me-1-aaaa", 1, null, () -> Set.of("dead-1-bbbb"),
            clock::get);
    private final Janitor janitor = new Janitor(kv, kv, "me-1-aaaa", liveness,
            () -> List.of(new Janitor.Entry(io.dosp.protocol.Vip.parse("10.0.0.1").value(), "dead-1-bbbb", "held", 4)), L,
            Duration.ofSeconds(30), clock::get);

    private void at(long millis) {
        clock.set(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private long orphanAttempts() {
        return calls.stream().filter(c -> c.startsWith("get ip.")).count();
    }

    @Test
    void theJanitorWaitsAFullLAfterGainingTheLockAndAgainAfterAnOutage() throws Exception {
        at(0);
        liveness.beat();
        liveness.pollNow(); // dead-1-bbbb absent since 0
        janitor.tick();
        assertThat(janitor.holding()).isTrue();
        assertThat(calls).contains("create " + Janitor.LOCK);
        at(L.toMillis() - 1);
        janitor.tick();
        assertThat(orphanAttempts()).as("quiet for L after taking the lock").isZero();
        at(L.toMillis());
        janitor.tick();
        assertThat(orphanAttempts()).isEqualTo(1);
        assertThat(janitor.runs()).isEqualTo(1);

        // An outage: puts fail for 2L/3, the node is unavailable, the janitor does nothing and lets the lock go.
        kvDown.set(true);
        at(10_000);
        liveness.beat();
        at(20_000);
        liveness.beat();
        assertThat(liveness.available()).isFalse();
        janitor.tick();
        assertThat(janitor.holding()).isFalse();
        assertThat(orphanAttempts()).isEqualTo(1);

        // Back: it takes the lock again and is quiet for another full L before it orphans anything.
        kvDown.set(false);
        at(30_000);
        liveness.beat();
        liveness.pollNow();
        janitor.tick();
        assertThat(janitor.holding()).isTrue();
        at(30_000 + L.toMillis() - 1);
        janitor.tick();
        assertThat(orphanAttempts()).as("no mass expiry right after an outage").isEqualTo(1);
        at(30_000 + L.toMillis());
        janitor.tick();
        assertThat(orphanAttempts()).isEqualTo(2);
    }
}
