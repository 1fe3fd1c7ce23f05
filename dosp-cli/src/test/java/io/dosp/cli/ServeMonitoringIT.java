package io.dosp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dosp serve --http-port}: the monitoring listener of the real command, and a clear failure when its port is taken. */
class ServeMonitoringIT {
    @TempDir
    Path dir;

    @Test
    void httpPortTurnsOnTheMonitoringListener() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (CliProcess server = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--http-port", String.valueOf(port))) {
            Matcher m = server.awaitOut("monitoring +http://127\\.0\\.0\\.1:(\\d+)/ \\(dashboard; .*views open on loopback");
            assertThat(m.group(1)).isEqualTo(String.valueOf(port));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ready\"}");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("dosp_clients_connected 0.0", "jvm_memory_used_bytes");
            server.terminate();
            assertThat(server.exitCode()).isZero();
        }
    }

    @Test
    void aTakenHttpPortStopsServeWithExitCode1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            try (CliProcess server = CliProcess.start(dir, Map.of(), "serve", "--host", "127.0.0.1", "--port", "0",
                    "--http-port", String.valueOf(taken.getLocalPort()))) {
                server.awaitErr("dosp serve: cannot start the monitoring listener on 127\\.0\\.0\\.1:" + taken.getLocalPort());
                assertThat(server.exitCode()).isEqualTo(1);
            }
        }
    }
}
