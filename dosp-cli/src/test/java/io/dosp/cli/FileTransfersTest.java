package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.messaging.StreamProgress;
import org.junit.jupiter.api.Test;

class FileTransfersTest {
    @Test
    void theProgressBarShowsTheFractionAndTheSizes() {
        assertThat(FileTransfers.bar(new StreamProgress(0, 100L << 20)))
                .isEqualTo("[" + ".".repeat(30) + "]   0%  0 B / 100.0 MiB");
        assertThat(FileTransfers.bar(new StreamProgress(30L << 20, 100L << 20)))
                .isEqualTo("[" + "#".repeat(9) + ".".repeat(21) + "]  30%  30.0 MiB / 100.0 MiB");
        assertThat(FileTransfers.bar(new StreamProgress(100L << 20, 100L << 20)))
                .isEqualTo("[" + "#".repeat(30) + "] 100%  100.0 MiB / 100.0 MiB");
        assertThat(FileTransfers.bar(new StreamProgress(1536, -1))).isEqualTo("[" + ".".repeat(30) + "] 1.5 KiB");
        assertThat(FileTransfers.bar(new StreamProgress(0, 0))).startsWith("[" + "#".repeat(30) + "] 100%");
    }
}
