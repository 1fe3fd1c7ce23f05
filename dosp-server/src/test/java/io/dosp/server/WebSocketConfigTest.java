package io.dosp.server;

import static io.dosp.server.ConfigErrors.fieldOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The WebSocket listener's settings: defaults, origins, and every rule naming its field. */
class WebSocketConfigTest {

    @Test
    void offByDefault() {
        WebSocketConfig w = ServerConfig.defaults().webSocket();
        assertThat(w.enabled()).isFalse();
        assertThat(w.port()).isEqualTo(7745);
        assertThat(w.upgradeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(w.allowedOrigins()).isEmpty();
        assertThat(w.staticFiles()).isTrue();
        assertThat(w.maxMessageSize(Limits.DEFAULT_MAX_FRAME_SIZE)).isEqualTo(Limits.DEFAULT_MAX_FRAME_SIZE + 5);
        assertThat(WebSocketConfig.builder().maxMessageSize(4096).build().maxMessageSize(1 << 20)).isEqualTo(4096);
    }

    @Test
    void originsAreNormalized() {
        assertThat(WebSocketConfig.normalizeOrigin("HTTPS://Chat.Example.ORG:443/")).isEqualTo("https://chat.example.org");
        assertThat(WebSocketConfig.normalizeOrigin("http://localhost:8080")).isEqualTo("http://localhost:8080");
        assertThat(WebSocketConfig.normalizeOrigin("http://[::1]:80")).isEqualTo("http://[::1]");
        assertThat(WebSocketConfig.normalizeOrigin(" * ")).isEqualTo("*");
        for (String bad : List.of("null", "chat.example.org", "ftp://x", "https://x/path", "https://u@x", "https://x?q")) {
            assertThatThrownBy(() -> WebSocketConfig.normalizeOrigin(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(ServerConfig.builder().webSocket(w -> w.allowedOrigins(List.of("https://A.example/"))).build()
                .webSocket().allowedOrigins()).containsExactly("https://a.example");
    }

    @Test
    void everyRuleNamesItsField() {
        assertThat(fieldOf(() -> WebSocketConfig.builder().port(70000).build())).isEqualTo("webSocket.port");
        assertThat(fieldOf(() -> WebSocketConfig.builder().host(" ").build())).isEqualTo("webSocket.host");
        assertThat(fieldOf(() -> WebSocketConfig.builder().upgradeTimeout(Duration.ZERO).build()))
                .isEqualTo("webSocket.upgradeTimeout");
        assertThat(fieldOf(() -> WebSocketConfig.builder().maxMessageSize(100).build())).isEqualTo("webSocket.maxMessageSize");
        assertThat(fieldOf(() -> WebSocketConfig.builder().maxPendingUpgrades(0).build()))
                .isEqualTo("webSocket.maxPendingUpgrades");
        assertThat(fieldOf(() -> WebSocketConfig.builder().allowedOrigins(List.of("nope")).build()))
                .isEqualTo("webSocket.allowedOrigins");
        assertThat(fieldOf(() -> ServerConfig.builder().port(7744).webSocket(w -> w.enabled(true).port(7744)).build()))
                .isEqualTo("webSocket.port");
        // Another host, or any free port: no clash.
        assertThat(ServerConfig.builder().host("127.0.0.1").port(7744).webSocket(w -> w.enabled(true).port(7744)
                .host("127.0.0.2")).build().webSocket().port()).isEqualTo(7744);
        // A WebSocket-only server is a server.
        assertThat(ServerConfig.builder().tcp(false).webSocket(w -> w.enabled(true)).build().tcp()).isFalse();
        assertThat(ServerConfig.defaults().toBuilder().webSocket(w -> w.enabled(true)).build().toBuilder().build()
                .webSocket().enabled()).isTrue();
    }
}
