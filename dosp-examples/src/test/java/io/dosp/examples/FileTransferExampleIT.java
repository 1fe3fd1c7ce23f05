package io.dosp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileTransferExampleIT {

    @Test
    void theExampleRuns() throws Exception {
        assertThat(FileTransferExample.run()).containsExactly(
                "sent 3145729 bytes, progress reported 3145729",
                "receiver read true",
                "saved 3145729 bytes");
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        assertThat(ReadmeSnippets.readme()).as("README.md must contain the streams example exactly as compiled")
                .contains(ReadmeSnippets.snippet("FileTransferExample.java", "README", 12));
    }
}
