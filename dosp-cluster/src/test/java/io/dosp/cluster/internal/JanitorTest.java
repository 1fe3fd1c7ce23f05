package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The janitor's decision ({@link Janitor#plan}): when an entry is orphaned, when deleted, and what it never touches. */
class JanitorTest {
    private static final long L = 6_000;
    private static final long G = 30_000;
    private static final String SELF = "me-1-aaaa";

    private static Janitor.Plan plan(List<Janitor.Entry> entries, Map<String, Long> absent, Set<String> listed,
            Map<Integer, Janitor.Seen> seen, long now) {
        return Janitor.plan(entries, absent, listed::contains, seen, now, L, G, SELF);
    }

    @Test
    void anEntryIsOrphanedOnlyOnceItsNodeHasBeenAbsentForL() {
        Janitor.Entry e = new Janitor.Entry(1, "dead-1-bbbb", "held", 5);
        Map<Integer, Janitor.Seen> seen = new HashMap<>();
        assertThat(plan(List.of(e), Map.of("dead-1-bbbb", 1_000L), Set.of(), seen, 1_000 + L - 1).orphan()).isEmpty();
        assertThat(plan(List.of(e), Map.of("dead-1-bbbb", 1_000L), Set.of(), seen, 1_000 + L).orphan()).containsExactly(e);
        // a node that is not absent (listed, or never missed) keeps its entries
        assertThat(plan(List.of(e), Map.of(), Set.of("dead-1-bbbb"), seen, 1_000_000).orphan()).isEmpty();
    }

    @Test
    void movingEntriesOfAGoneNodeAreOrphanedToo() {
        Janitor.Entry e = new Janitor.Entry(2, "gone-1-cccc", "moving", 9);
        assertThat(plan(List.of(e), Map.of("gone-1-cccc", 0L), Set.of(), new HashMap<>(), L).orphan()).containsExactly(e);
    }

    @Test
    void anOrphanIsDeletedAfterTheGraceCountedFromWhenThisJanitorFirstSawIt() {
        Janitor.Entry o = new Janitor.Entry(3, "dead-1-bbbb", "orphan", 7);
        Map<Integer, Janitor.Seen> seen = new HashMap<>();
        Map<String, Long> absent = Map.of("dead-1-bbbb", 0L);
        assertThat(plan(List.of(o), absent, Set.of(), seen, 100_000).delete()).isEmpty(); // first sight: starts G
        assertThat(plan(List.of(o), absent, Set.of(), seen, 100_000 + G - 1).delete()).isEmpty();
        assertThat(plan(List.of(o), absent, Set.of(), seen, 100_000 + G).delete()).containsExactly(o);
        assertThat(plan(List.of(o), absent, Set.of(), seen, 100_000 + G).orphan()).isEmpty(); // never orphaned twice
    }

    @Test
    void aNewRevisionRestartsTheGraceAndAnEntryThatLeftOrphanStateIsForgotten() {
        Map<Integer, Janitor.Seen> seen = new HashMap<>();
        plan(List.of(new Janitor.Entry(4, "dead-1-bbbb", "orphan", 7)), Map.of(), Set.of(), seen, 0);
        // a resuming client took it over and it was orphaned again later: a new revision, a new grace
        assertThat(plan(List.of(new Janitor.Entry(4, "dead-1-bbbb", "orphan", 8)), Map.of(), Set.of(), seen, G).delete())
                .isEmpty();
        assertThat(seen.get(4).revision()).isEqualTo(8);
        plan(List.of(new Janitor.Entry(4, "other-1-dddd", "held", 9)), Map.of(), Set.of(), seen, G + 1);
        assertThat(seen).isEmpty();
    }

    @Test
    void anOrphanWhoseNodeIsListedAgainIsLeftToThatNodeToClaimBack() {
        Janitor.Entry o = new Janitor.Entry(5, "back-1-eeee", "orphan", 3);
        Map<Integer, Janitor.Seen> seen = new HashMap<>();
        plan(List.of(o), Map.of(), Set.of("back-1-eeee"), seen, 0);
        assertThat(plan(List.of(o), Map.of(), Set.of("back-1-eeee"), seen, 10 * G).delete()).isEmpty();
    }

    @Test
    void theJanitorNeverTouchesItsOwnEntriesOrEntriesWithoutANode() {
        Janitor.Entry mine = new Janitor.Entry(6, SELF, "held", 1);
        Janitor.Entry mineOrphan = new Janitor.Entry(7, SELF, "orphan", 2);
        Janitor.Entry noNode = new Janitor.Entry(8, null, "held", 3);
        Map<Integer, Janitor.Seen> seen = new HashMap<>();
        Map<String, Long> absent = Map.of(SELF, 0L);
        plan(List.of(mine, mineOrphan, noNode), absent, Set.of(), seen, 0);
        Janitor.Plan p = plan(List.of(mine, mineOrphan, noNode), absent, Set.of(), seen, 10 * G);
        assertThat(p.orphan()).isEmpty();
        assertThat(p.delete()).isEmpty();
    }
}
