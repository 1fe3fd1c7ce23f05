package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.KeyValue;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What {@link NodeLiveness} concludes from its polls and puts, on a scripted bucket (only {@code keys} and
 * {@code update} answer) and a hand-moved clock: gone, absent since, available.
 */
class NodeLivenessStateTest {
    private final List<String> listed = new CopyOnWriteArrayList<>();
    private final AtomicBoolean putsFail = new AtomicBoolean();
    private final AtomicLong clock = new AtomicLong();
    private volatile Set<String> mirror = Set.of();

    private final KeyValue kv = (KeyValue) Proxy.newProxyInstance(KeyValue.class.getClassLoader(),
            new Class<?>[] {KeyValue.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "keys":
                        List<String> out = new ArrayList<>();
                        for (String n : listed) {
                            out.add(NodeLiveness.PREFIX + n);
                        }
                        return out;
                    case "update":
                        if (putsFail.get()) {
                            throw new IOException("Error Publishing: 503 No Responders Available For Request");
                        }
                        return (Long) args[2] + 1;
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });
    private final NodeLiveness liveness = new NodeLiveness(kv, "me-1-aaaa", 1, null, () -> mirror, clock::get);

    private void at(long seconds) {
        clock.set(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void aNodeNamedByAClaimButMissingFromAPollThatStartedAfterwardsIsGone() throws Exception {
        listed.add("me-1-aaaa");
        mirror = Set.of("ghost-1-bbbb");
        assertThat(liveness.isGone("ghost-1-bbbb")).isFalse(); // no poll yet
        at(1);
        liveness.pollNow();
        assertThat(liveness.isGone("ghost-1-bbbb")).isTrue();
        assertThat(liveness.absentSince()).containsEntry("ghost-1-bbbb", TimeUnit.SECONDS.toNanos(1));
        at(2);
        liveness.pollNow();
        assertThat(liveness.absentSince()).as("absent since the first poll that missed it")
                .containsEntry("ghost-1-bbbb", TimeUnit.SECONDS.toNanos(1));
        assertThat(liveness.isGone("me-1-aaaa")).isFalse();
    }

    @Test
    void aNodeOnceListedIsGoneWhenItsKeyGoesEvenWithoutClaimsAndBackWhenListedAgain() throws Exception {
        listed.add("other-1-cccc");
        liveness.pollNow();
        assertThat(liveness.isGone("other-1-cccc")).isFalse();
        assertThat(liveness.isListed("other-1-cccc")).isTrue();
        listed.clear();
        at(1);
        liveness.pollNow();
        assertThat(liveness.isGone("other-1-cccc")).isTrue();
        listed.add("other-1-cccc");
        at(2);
        liveness.pollNow();
        assertThat(liveness.isGone("other-1-cccc")).isFalse();
        assertThat(liveness.absentSince()).isEmpty();
    }

    @Test
    void putsFailingForTwoThirdsOfTheTtlMakeTheNodeUnavailableAndOneGoodPutAvailableAgain() {
        liveness.beat(); // a good put at 0
        assertThat(liveness.available()).isTrue();
        putsFail.set(true);
        at(2);
        liveness.beat();
        assertThat(liveness.available()).as("2 s of failures").isTrue();
        at(4);
        liveness.beat();
        assertThat(liveness.available()).as("4 s = 2L/3 of failures").isFalse();
        at(6);
        putsFail.set(false);
        liveness.beat();
        assertThat(liveness.available()).isTrue();
    }
}
