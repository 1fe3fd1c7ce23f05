package io.dosp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddedServerIT {

    @Test
    void theExampleRunsAndWritesNoFile() throws Exception {
        try (var before = java.nio.file.Files.list(java.nio.file.Path.of(""))) {
            long files = before.count();
            assertThat(EmbeddedServer.run()).containsExactlyInAnyOrder("7.10.0.2 joined", "get_time answered: true",
                    "7.10.0.2 left (CLIENT)", "Reloaded: 2 changes applied", "token is 64 hex characters");
            try (var after = java.nio.file.Files.list(java.nio.file.Path.of(""))) {
                assertThat(after.count()).as("an embedded server writes no file in the working directory").isEqualTo(files);
            }
        }
        assertThat(java.nio.file.Path.of("dosp-admin.token")).doesNotExist();
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        assertThat(ReadmeSnippets.readme()).as("README.md must contain the example exactly as compiled")
                .contains(ReadmeSnippets.snippet("EmbeddedServer.java", "README-server", 8));
    }
}
