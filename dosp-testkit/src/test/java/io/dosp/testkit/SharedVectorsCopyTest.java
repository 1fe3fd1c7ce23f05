package io.dosp.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The test kit's copy of the vectors must stay byte-identical to the shared original, when that is
 * present: {@code shared/vectors/} beside the repository (or beside any directory above this
 * module, which covers worktrees and CI's clone with shared/ next to it).
 */
class SharedVectorsCopyTest {

    @Test
    void copyEqualsSharedOriginal() throws Exception {
        Path shared = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("vectors").resolve("dosp-0.2-vectors.json");
            if (Files.isRegularFile(candidate)) {
                shared = candidate;
                break;
            }
        }
        Assumptions.assumeTrue(shared != null, "../shared/vectors not present (fresh clone elsewhere)");
        byte[] copy;
        try (InputStream in = Vectors.class.getResourceAsStream(Vectors.RESOURCE)) {
            copy = in.readAllBytes();
        }
        assertThat(copy).isEqualTo(Files.readAllBytes(shared));
    }
}
