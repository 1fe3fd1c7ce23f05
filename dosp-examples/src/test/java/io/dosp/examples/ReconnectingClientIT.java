package io.dosp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReconnectingClientIT {

    @Test
    void theClientFollowsTheDrainToTheBackupAndReceivesThere() throws Exception {
        var result = ReconnectingClient.run();
        assertThat(result.get(0)).isEqualTo(ReconnectingClient.lastBackup);
        assertThat(result.get(1)).isEqualTo("welcome to the backup");
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        assertThat(ReadmeSnippets.readme()).as("README.md must contain the example exactly as compiled")
                .contains(ReadmeSnippets.snippet("ReconnectingClient.java", "README-reconnect", 12));
    }
}
