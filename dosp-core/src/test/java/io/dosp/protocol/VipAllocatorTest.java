package io.dosp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class VipAllocatorTest {

    private static VipAllocator allocator(String template) {
        return new VipAllocator(VipTemplate.parse(template));
    }

    @Test
    void defaultTemplateHandsOutTwoTo254InOrderThenEmpty() {
        VipAllocator a = allocator("7.10.0.x");
        assertThat(a.capacity()).isEqualTo(253);
        for (int d = 2; d <= 254; d++) {
            assertThat(a.allocate()).contains(Vip.of(7, 10, 0, d));
        }
        assertThat(a.allocatedCount()).isEqualTo(253);
        assertThat(a.allocate()).isEmpty();
        assertThat(a.allocate()).isEmpty();
        assertThat(a.allocatedCount()).isEqualTo(253);
    }

    @Test
    void releasedVipIsReusedLowestFirst() {
        VipAllocator a = allocator("7.10.0.x");
        for (int i = 0; i < 10; i++) {
            a.allocate();
        }
        assertThat(a.release(Vip.of(7, 10, 0, 7))).isTrue();
        assertThat(a.release(Vip.of(7, 10, 0, 4))).isTrue();
        assertThat(a.release(Vip.of(7, 10, 0, 4))).as("idempotent").isFalse();
        assertThat(a.isAllocated(Vip.of(7, 10, 0, 4))).isFalse();
        assertThat(a.allocatedCount()).isEqualTo(8);
        assertThat(a.allocate()).contains(Vip.of(7, 10, 0, 4));
        assertThat(a.allocate()).contains(Vip.of(7, 10, 0, 7));
        assertThat(a.allocate()).contains(Vip.of(7, 10, 0, 12));
        assertThat(a.allocatedCount()).isEqualTo(11);
    }

    @Test
    void releaseWhenFullMakesRoomAgain() {
        VipAllocator a = allocator("7.10.0.x");
        while (a.allocate().isPresent()) {
            // fill
        }
        assertThat(a.release(Vip.of(7, 10, 0, 200))).isTrue();
        assertThat(a.allocate()).contains(Vip.of(7, 10, 0, 200));
        assertThat(a.allocate()).isEmpty();
    }

    @Test
    void releaseOfUnknownAddressesIsHarmless() {
        VipAllocator a = allocator("7.10.0.x");
        assertThat(a.release(Vip.of(9, 9, 9, 9))).isFalse();
        assertThat(a.release(Vip.of(7, 10, 0, 1))).isFalse();
        assertThat(a.release(Vip.of(7, 10, 0, 3))).isFalse();
        assertThat(a.release(null)).isFalse();
        assertThat(a.allocatedCount()).isZero();
        assertThat(a.allocate()).contains(Vip.of(7, 10, 0, 2));
    }

    @Test
    void reserveFreeTakenOutsideAndUnassignable() {
        VipAllocator a = allocator("7.10.0.x");
        assertThat(a.reserve(Vip.of(7, 10, 0, 50))).isTrue();
        assertThat(a.isAllocated(Vip.of(7, 10, 0, 50))).isTrue();
        assertThat(a.reserve(Vip.of(7, 10, 0, 50))).isFalse();
        assertThat(a.allocatedCount()).isEqualTo(1);

        assertThat(a.reserve(Vip.of(7, 10, 0, 2))).isTrue();
        assertThat(a.allocate()).as("skips the reserved .2").contains(Vip.of(7, 10, 0, 3));

        assertThatThrownBy(() -> a.reserve(Vip.of(7, 10, 1, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("7.10.1.5").hasMessageContaining("outside template 7.10.0.x");
        assertThatThrownBy(() -> a.reserve(Vip.of(7, 10, 0, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server's own address");
        assertThatThrownBy(() -> a.reserve(Vip.of(7, 10, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("network address");
        assertThatThrownBy(() -> a.reserve(Vip.of(7, 10, 0, 255)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broadcast address");
        assertThatThrownBy(() -> a.reserve(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThat(a.allocatedCount()).isEqualTo(3);
    }

    @Test
    void reserveAllThenAllocateIsEmpty() {
        VipAllocator a = allocator("10.7.0.0/29");
        // /29: .0 network, .1 server, .7 broadcast -> .2 .. .6
        assertThat(a.capacity()).isEqualTo(5);
        for (int d = 2; d <= 6; d++) {
            assertThat(a.reserve(Vip.of(10, 7, 0, d))).isTrue();
        }
        assertThat(a.allocate()).isEmpty();
        a.release(Vip.of(10, 7, 0, 5));
        assertThat(a.allocate()).contains(Vip.of(10, 7, 0, 5));
    }

    @Test
    void isAllocatedOutsideTemplateIsFalse() {
        VipAllocator a = allocator("7.10.0.x");
        assertThat(a.isAllocated(Vip.of(1, 2, 3, 4))).isFalse();
        assertThat(a.isAllocated(null)).isFalse();
        assertThat(a.template()).isEqualTo(VipTemplate.parse("7.10.0.x"));
    }

    @Test
    @Timeout(10)
    void wideTemplateSkipsSpecialAddressesAndHolds60000() {
        VipAllocator a = allocator("10.7.x.x");
        Set<Vip> seen = new HashSet<>();
        Vip previous = null;
        for (int i = 0; i < 60_000; i++) {
            Vip v = a.allocate().orElseThrow();
            int last = v.octet(3);
            assertThat(last).isNotIn(0, 255);
            assertThat(v).isNotEqualTo(Vip.of(10, 7, 0, 1));
            if (previous != null) {
                assertThat(v).isGreaterThan(previous);
            }
            previous = v;
            seen.add(v);
        }
        assertThat(seen).hasSize(60_000);
        assertThat(a.allocatedCount()).isEqualTo(60_000);
        // the first three, and the step over .255 / .0 between /24 blocks
        VipAllocator b = allocator("10.7.x.x");
        assertThat(b.allocate()).contains(Vip.of(10, 7, 0, 2));
        for (int d = 3; d <= 254; d++) {
            b.allocate();
        }
        assertThat(b.allocate()).contains(Vip.of(10, 7, 1, 1));
    }

    @Test
    @Timeout(20)
    void wideTemplateFillsExactlyToCapacity() {
        VipAllocator a = allocator("10.7.x.x");
        int n = 0;
        while (a.allocate().isPresent()) {
            n++;
        }
        assertThat(n).isEqualTo(a.capacity()).isEqualTo(65_023);
        assertThat(a.allocatedCount()).isEqualTo(65_023);
        assertThat(a.release(Vip.of(10, 7, 128, 128))).isTrue();
        assertThat(a.allocate()).contains(Vip.of(10, 7, 128, 128));
    }

    @Test
    @Timeout(20)
    void churnOnSlash8ReusesTheLowestFreeAddress() {
        VipAllocator a = allocator("10.x.x.x");
        List<Vip> held = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            held.add(a.allocate().orElseThrow());
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            int k = rnd.nextInt(held.size());
            Vip freed = held.get(k);
            assertThat(a.release(freed)).isTrue();
            Vip got = a.allocate().orElseThrow();
            assertThat(got).as("the only free address below the high-water mark").isEqualTo(freed);
            held.set(k, got);
        }
        assertThat(a.allocatedCount()).isEqualTo(20_000);
    }

    @Test
    @Timeout(30)
    void concurrentAllocationYieldsUniqueAddresses() throws Exception {
        VipAllocator a = allocator("10.7.x.x");
        int threads = 4;
        int perThread = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Vip>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                Callable<List<Vip>> job = () -> {
                    go.await();
                    List<Vip> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(a.allocate().orElseThrow());
                        if (i % 7 == seed) { // some churn: give one back and take another
                            Vip back = mine.remove(mine.size() - 1);
                            assertThat(a.release(back)).isTrue();
                            Optional<Vip> again = a.allocate();
                            mine.add(again.orElseThrow());
                        }
                    }
                    return mine;
                };
                results.add(pool.submit(job));
            }
            go.countDown();
            Set<Vip> all = new HashSet<>();
            for (Future<List<Vip>> f : results) {
                for (Vip v : f.get()) {
                    assertThat(all.add(v)).as("duplicate %s", v).isTrue();
                    assertThat(a.isAllocated(v)).isTrue();
                }
            }
            assertThat(all).hasSize(threads * perThread);
            assertThat(a.allocatedCount()).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }
}
