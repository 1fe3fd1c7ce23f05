package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference names every key, flag and environment variable (so it cannot fall behind). */
class ReadmeConfigReferenceTest {

    @Test
    void everySettingIsInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("## Configuration reference");
        assertThat(start).as("README has a '## Configuration reference' section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        for (Setting<?> s : Settings.all()) {
            assertThat(section).as("README configuration reference").contains("`" + s.key() + "`", "`" + s.flag(),
                    s.envVar());
        }
    }
}
