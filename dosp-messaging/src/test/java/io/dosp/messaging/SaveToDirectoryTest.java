package io.dosp.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaveToDirectoryTest {
    @Test
    void namesFromPeersAreCutToASafeLastElement() {
        assertThat(SaveToDirectory.safeName("a.bin")).isEqualTo("a.bin");
        assertThat(SaveToDirectory.safeName("../../etc/passwd")).isEqualTo("passwd");
        assertThat(SaveToDirectory.safeName("..\\..\\windows\\win.ini")).isEqualTo("win.ini");
        assertThat(SaveToDirectory.safeName("/abs/path/x.txt")).isEqualTo("x.txt");
        assertThat(SaveToDirectory.safeName("..")).isEqualTo("stream");
        assertThat(SaveToDirectory.safeName(".bashrc")).isEqualTo("bashrc");
        assertThat(SaveToDirectory.safeName("")).isEqualTo("stream");
        assertThat(SaveToDirectory.safeName(null)).isEqualTo("stream");
        assertThat(SaveToDirectory.safeName("dir/")).isEqualTo("stream");
        assertThat(SaveToDirectory.safeName("a b\u0000c\u202e.txt")).isEqualTo("a_b_c_.txt");
        assertThat(SaveToDirectory.safeName("ünï.txt")).isEqualTo("_n_.txt");
        String longName = "x".repeat(300) + ".tar.gz";
        assertThat(SaveToDirectory.safeName(longName)).hasSize(SaveToDirectory.MAX_NAME_CHARS).endsWith(".gz");
    }
}
