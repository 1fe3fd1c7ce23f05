package io.dosp.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** The code between {@code // NAME:start} and {@code // NAME:end} of an example, as the README shows it. */
final class ReadmeSnippets {
    private ReadmeSnippets() {
    }

    /** The snippet, its common indentation of {@code indent} spaces removed. */
    static String snippet(String file, String marker, int indent) throws IOException {
        List<String> source = Files.readAllLines(Path.of("src/main/java/io/dosp/examples", file));
        int start = -1;
        int end = -1;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).contains(marker + ":start")) {
                start = i;
            } else if (source.get(i).contains(marker + ":end")) {
                end = i;
            }
        }
        if (start < 0 || end < start) {
            throw new IllegalStateException(file + " has no " + marker + ":start/end markers");
        }
        return source.subList(start + 1, end).stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
                .collect(Collectors.joining("\n"));
    }

    static String readme() throws IOException {
        return Files.readString(Path.of("../README.md"));
    }
}
