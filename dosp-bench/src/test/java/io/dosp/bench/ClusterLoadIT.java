package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One very short {@code cluster} load (every run type once, 64 B) against a real nats-server and in-process nodes:
 * the load generator's own correctness (nothing lost, duplicated or reordered; batching on batches and off does
 * not; the steps and the model come out as numbers). Skipped unless {@code nats-server} is on the PATH. No timing
 * or throughput is asserted.
 */
class ClusterLoadIT {

    @Test
    void everyRunIsCleanAndBatchingIsWhatItSays() throws Exception {
        assumeTrue(Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "nats-server")).anyMatch(Files::isExecutable), "nats-server is not on the PATH");
        ClusterLoad load = new ClusterLoad();
        load.repeat = 1;
        load.duration = 0.5;
        load.warmup = 0.1;
        load.sizes = new int[] {64};
        load.pairs = 4;
        load.window = 16;
        assertThat(load.call()).as("every run clean").isZero();
        List<ClusterLoad.Run> runs = load.runs();
        assertThat(runs).extracting(ClusterLoad.Run::label).containsExactly("direct", "single", "cross on", "cross off",
                "spread 1", "spread 2", "spread 3");
        for (ClusterLoad.Run r : runs) {
            assertThat(r.frames()).as(r.label()).isPositive();
            assertThat(r.lost()).as(r.label()).isZero();
        }
        ClusterLoad.Run on = runs.get(2);
        ClusterLoad.Run off = runs.get(3);
        assertThat(on.framesSent()).isPositive();
        assertThat(on.batchesSent()).isLessThan(on.framesSent()); // batched
        assertThat(off.framesSent()).isPositive();
        // One NATS message per frame. The two counters are read while traffic flows (the window's edges) and are two
        // adders bumped one after the other, so each edge may catch frames counted whose batch is not yet: at most the
        // frames in flight (CI saw 15,368 batches for 15,370 frames).
        long inFlight = (long) load.pairs * load.window;
        assertThat(off.batchesSent()).isBetween(off.framesSent() - inFlight, off.framesSent() + inFlight);
        assertThat(runs.get(4).framesSent()).isZero(); // one node: nothing crosses
        assertThat(on.ioNanosByNode()).hasSize(2);
        ClusterLoad.Steps s = load.steps(64, 1);
        assertThat(s.local()).isPositive();
        assertThat(s.batch()).isGreaterThan(1);
        assertThat(ClusterLoad.model(s, 3, s.batch())).isFinite();
    }
}
