package io.dosp.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Joining asks JetStream again while it does not answer (a NATS cluster that has just started), and only then. */
class UntilAnsweredTest {

    @Test
    void noAnswerIsAskedAgainUntilThereIsOne() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String got = NatsNode.untilAnswered("x", System.nanoTime() + 10_000_000_000L, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new IOException("Error Publishing: 503 No Responders Available For Request");
            }
            return "answered";
        });
        assertThat(got).isEqualTo("answered");
        assertThat(calls).hasValue(3);
    }

    @Test
    void pastTheDeadlineTheLastFailureIsThrownAfterAtLeastTwoAttempts() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> NatsNode.untilAnswered("x", System.nanoTime(), () -> {
            calls.incrementAndGet();
            throw new IOException("Timeout or no response waiting for NATS JetStream server");
        })).isInstanceOf(IOException.class).hasMessageContaining("Timeout");
        assertThat(calls).hasValue(2);
    }

    @Test
    void anAnswerThatIsAnErrorIsNotAskedAgain() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> NatsNode.untilAnswered("x", System.nanoTime() + 10_000_000_000L, () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("a real error");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(calls).hasValue(1);
    }
}
