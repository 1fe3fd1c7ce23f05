package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.Vip;
import io.dosp.protocol.VipTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class VipMirrorTest {

    private static int v(String dotted) {
        return Vip.parse(dotted).value();
    }

    @Test
    void everyMapChangeReachesTheSlotsOfAFlatTemplate() {
        VipMirror<String> m = new VipMirror<>(VipTemplate.parse("10.7.0.0/16"));
        int a = v("10.7.3.9");
        assertThat(m.at(a)).isNull();
        m.put(a, "n1");
        assertThat(m.at(a)).isEqualTo("n1");
        m.merge(a, "n2", (old, neu) -> old); // keeps the old one
        assertThat(m.at(a)).isEqualTo("n1");
        m.merge(a, "n2", (old, neu) -> neu);
        assertThat(m.at(a)).isEqualTo("n2");
        assertThat(m.remove(a, "n1")).isFalse();
        assertThat(m.at(a)).isEqualTo("n2");
        assertThat(m.replace(a, "n2", "n3")).isTrue();
        assertThat(m.at(a)).isEqualTo("n3");
        m.computeIfPresent(a, (k, old) -> null);
        assertThat(m.at(a)).isNull();
        assertThat(m).doesNotContainKey(a);
        m.putIfAbsent(a, "n4");
        m.putIfAbsent(a, "n5");
        assertThat(m.at(a)).isEqualTo("n4");
        assertThat(m.remove((Object) a)).isEqualTo("n4");
        assertThat(m.at(a)).isNull();
        m.put(a, "n6");
        m.clear();
        assertThat(m.at(a)).isNull();
        assertThat(m).isEmpty();
    }

    @Test
    void wideTemplatesUsePagesAndVipsOutsideTheTemplateStayInTheMapOnly() {
        VipMirror<String> m = new VipMirror<>(VipTemplate.parse("10.0.0.0/8"));
        int a = v("10.200.17.4");
        int outside = v("192.168.1.1");
        m.put(a, "n1");
        m.put(outside, "n2");
        assertThat(m.at(a)).isEqualTo("n1");
        assertThat(m.at(v("10.200.17.5"))).isNull();
        assertThat(m.at(v("10.201.0.1"))).isNull(); // a page never written
        assertThat(m.at(outside)).isNull();
        assertThat(m.get(outside)).isEqualTo("n2");
        m.remove(a);
        assertThat(m.at(a)).isNull();
    }

    @Test
    void concurrentWritersLeaveSlotsEqualToTheMap() throws Exception {
        VipMirror<Integer> m = new VipMirror<>(VipTemplate.parse("10.7.0.0/16"));
        int base = v("10.7.0.0");
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    int key = base + 1 + (i % 500);
                    if (i % 3 == 0) {
                        m.remove(key);
                    } else {
                        m.merge(key, id * 100_000 + i, Math::max);
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        for (int i = 1; i <= 500; i++) {
            assertThat(m.at(base + i)).isEqualTo(m.get(base + i));
        }
    }
}
