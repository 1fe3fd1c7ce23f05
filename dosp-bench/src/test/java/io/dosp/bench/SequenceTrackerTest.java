package io.dosp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

    @Test
    void inOrderStreamHasNothingToReport() {
        SequenceTracker t = new SequenceTracker(64);
        for (long s = 0; s < 10_000; s++) {
            t.onSeq(s);
        }
        assertThat(t.received()).isEqualTo(10_000);
        assertThat(t.unique()).isEqualTo(10_000);
        assertThat(t.duplicates()).isZero();
        assertThat(t.reordered()).isZero();
        assertThat(t.lost(10_000)).isZero();
    }

    @Test
    void countsDuplicatesWhetherRecentOrOld() {
        SequenceTracker t = new SequenceTracker(64);
        t.onSeq(0);
        t.onSeq(1);
        t.onSeq(1); // immediately repeated
        t.onSeq(2);
        t.onSeq(0); // long settled
        assertThat(t.duplicates()).isEqualTo(2);
        assertThat(t.unique()).isEqualTo(3);
        assertThat(t.reordered()).isZero();
        assertThat(t.lost(3)).isZero();
    }

    @Test
    void aLateArrivalIsReorderedNotLostNorDuplicated() {
        SequenceTracker t = new SequenceTracker(64);
        t.onSeq(0);
        t.onSeq(2);
        t.onSeq(3);
        t.onSeq(1); // overtaken by 2 and 3
        t.onSeq(4);
        assertThat(t.reordered()).isEqualTo(1);
        assertThat(t.duplicates()).isZero();
        assertThat(t.lost(5)).isZero();
    }

    @Test
    void gapsNeverFilledAreLost() {
        SequenceTracker t = new SequenceTracker(64);
        for (long s = 0; s < 100; s++) {
            if (s % 10 != 3) {
                t.onSeq(s);
            }
        }
        assertThat(t.lost(100)).isEqualTo(10);
        assertThat(t.duplicates()).isZero();
        assertThat(t.reordered()).isZero();
    }

    @Test
    void numbersSentButNeverReceivedAtTheEndAreLost() {
        SequenceTracker t = new SequenceTracker(64);
        for (long s = 0; s < 90; s++) {
            t.onSeq(s);
        }
        assertThat(t.lost(100)).isEqualTo(10);
    }

    @Test
    void aMissingNumberFarBehindStillCountsAsReorderedWhenItArrives() {
        SequenceTracker t = new SequenceTracker(64);
        t.onSeq(0);
        for (long s = 2; s < 1_000; s++) { // pushes the 64-number window far past 1
            t.onSeq(s);
        }
        assertThat(t.lost(1_000)).isEqualTo(1);
        t.onSeq(1);
        assertThat(t.reordered()).isEqualTo(1);
        assertThat(t.duplicates()).isZero();
        assertThat(t.lost(1_000)).isZero();
        t.onSeq(1);
        assertThat(t.duplicates()).isEqualTo(1);
    }

    @Test
    void duplicatesInsideAWindowThatMovedAreStillCaught() {
        SequenceTracker t = new SequenceTracker(64);
        t.onSeq(0);
        t.onSeq(200); // window jumps ahead; 1..136 are remembered as missing
        t.onSeq(200);
        t.onSeq(150);
        t.onSeq(150);
        assertThat(t.duplicates()).isEqualTo(2);
        assertThat(t.reordered()).isEqualTo(1);
        assertThat(t.unique()).isEqualTo(3);
    }

    @Test
    void negativeNumbersAreCorruptNotData() {
        SequenceTracker t = new SequenceTracker(64);
        t.onSeq(-5);
        t.onSeq(0);
        assertThat(t.invalid()).isEqualTo(1);
        assertThat(t.unique()).isEqualTo(1);
    }
}
