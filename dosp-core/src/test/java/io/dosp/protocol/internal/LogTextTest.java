package io.dosp.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void printableTextIsKept() {
        assertThat(LogText.of("Disconnected by admin, ok? ✓ 日本 😀 \"quoted\" 'x' {}")).isEqualTo(
                "Disconnected by admin, ok? ✓ 日本 😀 \"quoted\" 'x' {}");
        assertThat(LogText.of("")).isEmpty();
        assertThat(LogText.of(null)).isEqualTo("null");
    }

    @Test
    void lineBreaksCannotForgeALogLine() {
        String forged = "bye\n12:00:00.000 INFO  [dosp-io-1] AdminPackets - Client 7.10.0.9 authenticated as admin";
        String safe = LogText.of(forged);
        assertThat(safe).doesNotContain("\n").startsWith("bye\\n12:00:00.000 INFO");
        assertThat(LogText.of("a\r\nb\tc")).isEqualTo("a\\r\\nb\\tc");
        assertThat(LogText.of("x\u2028y\u2029z\u0085w")).isEqualTo("x\\u2028y\\u2029z\\u0085w");
    }

    @Test
    void terminalEscapesAndOtherControlsAreEscaped() {
        assertThat(LogText.of("\u001b[31mred\u001b[0m")).isEqualTo("\\x1b[31mred\\x1b[0m");
        assertThat(LogText.of("\u0000\u0007\u0008\u007f")).isEqualTo("\\x00\\x07\\x08\\x7f");
        assertThat(LogText.of("\u009b2J")).as("C1 CSI").isEqualTo("\\u009b2J");
    }

    @Test
    void invisibleAndReorderingCharactersAreEscaped() {
        assertThat(LogText.of("admin\u202egnp.exe")).as("bidi override").isEqualTo("admin\\u202egnp.exe");
        assertThat(LogText.of("a\u200bb\ufeffc")).as("zero width, BOM").isEqualTo("a\\u200bb\\ufeffc");
        assertThat(LogText.of("\ue000")).as("private use").isEqualTo("\\ue000");
        assertThat(LogText.of("\uffff")).as("non-character").isEqualTo("\\uffff");
        assertThat(LogText.of("a\ud800b")).as("lone high surrogate").isEqualTo("a\\ud800b");
        assertThat(LogText.of("a\udc00")).as("lone low surrogate").isEqualTo("a\\udc00");
        assertThat(LogText.of("\udb40\udc01")).as("a supplementary format character (tag)").isEqualTo("\\udb40\\udc01");
    }

    @Test
    void theBackslashIsEscapedSoEscapesReadBackUnambiguously() {
        assertThat(LogText.of("C:\\n")).isEqualTo("C:\\\\n");
        assertThat(LogText.of("\\x1b")).isNotEqualTo(LogText.of("\u001b"));
    }

    @Test
    void longTextIsCutWithACountOfWhatWasLeftOut() {
        String reason = "x".repeat(1_048_576);
        String safe = LogText.of(reason, 200);
        assertThat(safe).isEqualTo("x".repeat(200) + "…(1048376 more)");
        assertThat(LogText.of("x".repeat(200), 200)).isEqualTo("x".repeat(200));
        assertThat(LogText.of("x".repeat(201), 200)).endsWith("x…(1 more)");
    }

    @Test
    void theCutCountsEscapesAtTheirEscapedLength() {
        String safe = LogText.of("\n".repeat(100), 20);
        assertThat(safe).isEqualTo("\\n".repeat(10) + "…(90 more)");
        // An escape that does not fit is left out whole, never cut in half.
        assertThat(LogText.of("abcdefghijklmnopq\u001b", 20)).isEqualTo("abcdefghijklmnopq…(1 more)");
        // A surrogate pair is kept or left out whole.
        assertThat(LogText.of("a".repeat(15) + "😀", 16)).isEqualTo("a".repeat(15) + "…(2 more)");
    }

    @Test
    void theOutputIsBoundedWhateverTheInput() {
        StringBuilder nasty = new StringBuilder();
        for (int c = 0; c < 0x3000; c++) {
            nasty.append((char) c);
        }
        String safe = LogText.of(nasty, 100);
        assertThat(safe.length()).isLessThanOrEqualTo(100 + "…( more)".length() + 5);
        assertThat(safe.chars()).noneMatch(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0));
    }

    @Test
    void printableCodePointsAreTheOnesShownAsTheyAre() {
        assertThat(LogText.isPrintable('a')).isTrue();
        assertThat(LogText.isPrintable('\\')).isTrue();
        assertThat(LogText.isPrintable(0x1F600)).as("emoji").isTrue();
        assertThat(LogText.isPrintable(0x1b)).isFalse();
        assertThat(LogText.isPrintable('\n')).isFalse();
        assertThat(LogText.isPrintable(0x202e)).isFalse();
        assertThat(LogText.isPrintable(0xd800)).isFalse();
    }

    @Test
    void tooSmallAMaximumIsRefused() {
        assertThatThrownBy(() -> LogText.of("x", 15)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16");
    }
}
