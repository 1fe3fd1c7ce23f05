package io.dosp.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TunnelQuickStartIT {

    @Test
    void theExampleRuns() throws Exception {
        assertThat(TunnelQuickStart.run()).isEqualTo("hello, bob");
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        List<String> source = Files.readAllLines(Path.of("src/main/java/io/dosp/examples/TunnelQuickStart.java"));
        int start = source.indexOf(source.stream().filter(l -> l.contains("README:start")).findFirst().orElseThrow());
        int end = source.indexOf(source.stream().filter(l -> l.contains("README:end")).findFirst().orElseThrow());
        String snippet = source.subList(start + 1, end).stream().map(l -> l.length() >= 12 ? l.substring(12) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme).as("README.md must contain the example exactly as compiled").contains(snippet);
    }
}
