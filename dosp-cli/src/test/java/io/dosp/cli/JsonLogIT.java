package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosp.client.ClientOptions;
import io.dosp.client.DospClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --log-format json}: one JSON object per line, ISO-8601 timestamps, the vIP and address as fields. */
class JsonLogIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void connectAndDisconnectLinesCarryStructuredFields(@TempDir Path dir) throws Exception {
        try (CliProcess server = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--log-format", "json")) {
            String port = server.awaitOut("DoSP server listening on 127\\.0\\.0\\.1:(\\d+)").group(1);
            String vip;
            try (DospClient c = DospClient.connect(ClientOptions.builder().server("127.0.0.1:" + port).build())) {
                vip = c.vip().toString();
            }
            String connected = server.awaitErr("\"event\":\"client_connected\"").group();
            server.awaitErr("\"event\":\"client_disconnected\"");
            server.terminate();
            assertThat(server.exitCode()).isZero();

            JsonNode up = null;
            JsonNode down = null;
            for (String line : server.stderr().split("\n")) {
                JsonNode n = JSON.readTree(line); // every line is one JSON object
                assertThat(n.isObject()).as(line).isTrue();
                Instant.parse(n.get("@timestamp").asText()); // ISO-8601, not epoch milliseconds
                assertThat(n.get("@timestamp").asText()).endsWith("Z");
                if (n.path("event").asText().equals("client_connected")) {
                    up = n;
                } else if (n.path("event").asText().equals("client_disconnected")) {
                    down = n;
                }
            }
            assertThat(connected).isNotEmpty();
            assertThat(up).isNotNull();
            assertThat(up.get("vip").asText()).isEqualTo(vip);
            assertThat(up.get("remote").asText()).startsWith("127.0.0.1:");
            assertThat(up.get("level").asText()).isEqualTo("INFO");
            assertThat(up.get("message").asText()).startsWith("Client connected: vip=" + vip);
            assertThat(down).isNotNull();
            assertThat(down.get("vip").asText()).isEqualTo(vip);
            assertThat(down.get("by").asText()).isEqualTo("CLIENT");
            assertThat(down.get("reason").asText()).isEqualTo("CC");
        }
    }
}
