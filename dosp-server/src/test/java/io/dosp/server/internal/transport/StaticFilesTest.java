package io.dosp.server.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which request targets the WebSocket port answers with a web file, and with which content type. */
class StaticFilesTest {
    private final StaticFiles files = new StaticFiles();

    @Test
    void theRootIsIndexHtml() {
        StaticFiles.File index = files.find("/").orElseThrow();
        assertThat(index.contentType()).isEqualTo("text/html; charset=utf-8");
        assertThat(new String(index.body(), StandardCharsets.UTF_8)).contains("<html");
        assertThat(files.find("/index.html").orElseThrow().body()).isEqualTo(index.body());
        assertThat(files.find("/?x=1#y").orElseThrow().body()).isEqualTo(index.body());
    }

    @Test
    void onlyPlainNamesWithAKnownExtensionAreLookedUp() {
        for (String path : new String[] {"", "index.html", "/../index.html", "/./index.html", "/%2e%2e/index.html",
                "/.index.html", "//index.html", "/index.html/", "/a\\b.html", "/index.HTML.exe", "/index",
                "/" + "a".repeat(300) + ".html", "/a/b/c/d/e.html", "/io/dosp/server/DospServer.class"}) {
            assertThat(files.find(path)).as(path).isEmpty();
        }
    }
}
