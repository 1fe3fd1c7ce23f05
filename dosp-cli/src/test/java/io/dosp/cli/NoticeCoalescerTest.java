package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Repeated notices coalesced into a count per window, on a clock the test moves. */
class NoticeCoalescerTest {
    private final AtomicLong now = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final NoticeCoalescer notices = new NoticeCoalescer(Duration.ofSeconds(10), 1, now::get);

    private String[] lines() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        return s.isEmpty() ? new String[0] : s.split("\n");
    }

    @Test
    void aFloodOfTheSameNoticePrintsOneLineAndThenACount() {
        for (int i = 0; i < 3_074; i++) {
            notices.notice("opened a tunnel", out, "[tunnel]", "[tunnel] 7.10.0.3 opened an end-to-end encrypted tunnel with you");
        }
        assertThat(lines()).containsExactly("[tunnel] 7.10.0.3 opened an end-to-end encrypted tunnel with you");
        notices.flush();
        assertThat(lines()).as("the window is not over yet").hasSize(1);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        notices.flush();
        assertThat(lines()).containsExactly("[tunnel] 7.10.0.3 opened an end-to-end encrypted tunnel with you",
                "[tunnel] (3073 more 'opened a tunnel' notices suppressed in the last 10s)");
        notices.notice("opened a tunnel", out, "[tunnel]", "[tunnel] 7.10.0.4 opened an end-to-end encrypted tunnel with you");
        assertThat(lines()).as("a new window prints again").hasSize(3);
        notices.flush(true);
        assertThat(lines()).as("nothing held back, no count line").hasSize(3);
    }

    @Test
    void kindsAreCountedApartAndLeavingReportsWhatIsHeldBack() {
        notices.notice("opened a tunnel", out, "[tunnel]", "a");
        notices.notice("rejected frame", out, "[tunnel]", "b");
        notices.notice("rejected frame", out, "[tunnel]", "b");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        notices.flush(true);
        assertThat(lines()).containsExactly("a", "b", "[tunnel] (1 more 'rejected frame' notices suppressed in the last 2s)");
    }
}
