package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.server.ServerConfig;
import io.dosp.server.WebSocketConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WebSocket listener's settings from flags, the environment and the file. */
class WebSocketSettingsTest {
    @TempDir
    Path dir;

    private ServerConfig load(ConfigLayer flags, Map<String, String> env) throws ConfigException {
        return ServeConfigLoader.load(flags, Optional.empty(), env, dir).settings().config();
    }

    @Test
    void offByDefaultWithTheDefaultsOfWebSocketConfig() throws Exception {
        WebSocketConfig w = load(new ConfigLayer(), Map.of()).webSocket();
        assertThat(w.enabled()).isFalse();
        assertThat(w.host()).isNull();
        assertThat(w.upgradeTimeout()).isEqualTo(WebSocketConfig.DEFAULT_UPGRADE_TIMEOUT);
        assertThat(w.maxMessageSize()).isEqualTo(WebSocketConfig.DEFAULT_MAX_MESSAGE_SIZE);
        assertThat(w.maxPendingUpgrades()).isEqualTo(WebSocketConfig.DEFAULT_MAX_PENDING_UPGRADES);
        assertThat(w.allowedOrigins()).isEmpty();
    }

    @Test
    void theFlagTurnsItOnAtThatPort() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.WS_PORT, "7745", Origin.flag("--ws-port"));
        flags.putText(Settings.WS_ALLOWED_ORIGINS, "https://Chat.Example.org/,http://localhost:8080",
                Origin.flag("--ws-allowed-origin"));
        WebSocketConfig w = load(flags, Map.of()).webSocket();
        assertThat(w.enabled()).isTrue();
        assertThat(w.port()).isEqualTo(7745);
        assertThat(w.allowedOrigins()).isEqualTo(Set.of("https://chat.example.org", "http://localhost:8080"));
    }

    @Test
    void theFileAndTheEnvironmentSetTheRest() throws Exception {
        Files.writeString(dir.resolve("dosp.yaml"), String.join("\n",
                "ws_port: 0",
                "ws_host: 127.0.0.1",
                "ws_upgrade_timeout: 3s",
                "ws_max_message_size: 64KiB",
                "ws_allowed_origins: ['*']",
                ""));
        WebSocketConfig w = load(new ConfigLayer(), Map.of("DOSP_WS_MAX_PENDING_UPGRADES", "7")).webSocket();
        assertThat(w.enabled()).isTrue();
        assertThat(w.port()).isZero();
        assertThat(w.host()).isEqualTo("127.0.0.1");
        assertThat(w.upgradeTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(w.maxMessageSize()).isEqualTo(64 << 10);
        assertThat(w.maxPendingUpgrades()).isEqualTo(7);
        assertThat(w.allowedOrigins()).containsExactly(WebSocketConfig.ANY_ORIGIN);
        assertThat(load(new ConfigLayer(), Map.of("DOSP_WS_PORT", "off")).webSocket().enabled()).isFalse();
    }

    @Test
    void badValuesNameWhereTheyCameFrom() {
        ConfigLayer origin = new ConfigLayer();
        assertThatThrownBy(() -> {
            origin.putText(Settings.WS_ALLOWED_ORIGINS, "chat.example.org", Origin.flag("--ws-allowed-origin"));
            load(origin, Map.of());
        }).hasMessageContaining("--ws-allowed-origin").hasMessageContaining("https://chat.example.org");
        ConfigLayer same = new ConfigLayer();
        assertThatThrownBy(() -> {
            same.putText(Settings.WS_PORT, "7744", Origin.flag("--ws-port"));
            load(same, Map.of());
        }).hasMessageContaining("--ws-port").hasMessageContaining("must differ from the TCP port 7744");
    }
}
