package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings at the door (per-address limit, deadlines, AUTH throttling) from the file, the environment and flags. */
class DoorSettingsTest {
    @TempDir
    Path dir;

    private ServerConfig load(ConfigLayer flags, Map<String, String> env) throws ConfigException {
        return ServeConfigLoader.load(flags, Optional.empty(), env, dir).settings().config();
    }

    @Test
    void defaultsAreTheLimitsDefaults() throws Exception {
        Limits l = load(new ConfigLayer(), Map.of()).limits();
        assertThat(l.maxConnectionsPerAddress()).isEqualTo(Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
        assertThat(l.firstPacketTimeout()).isEqualTo(Limits.DEFAULT_FIRST_PACKET_TIMEOUT);
        assertThat(l.frameTimeout()).isEqualTo(Limits.DEFAULT_FRAME_TIMEOUT);
        assertThat(l.maxAuthFailuresPerAddress()).isEqualTo(Limits.DEFAULT_MAX_AUTH_FAILURES_PER_ADDRESS);
        assertThat(l.authBackoff()).isEqualTo(Limits.DEFAULT_AUTH_BACKOFF);
        assertThat(l.authBan()).isEqualTo(Limits.DEFAULT_AUTH_BAN);
    }

    @Test
    void theFileSetsThemAndZeroTurnsThemOff() throws Exception {
        Files.writeString(dir.resolve("dosp.yaml"), String.join("\n",
                "max_connections_per_address: 0",
                "first_packet_timeout: 0",
                "frame_timeout: 2m",
                "max_auth_failures_per_address: 3",
                "auth_backoff: 250ms",
                "auth_ban: 1h", ""));
        Limits l = load(new ConfigLayer(), Map.of()).limits();
        assertThat(l.maxConnectionsPerAddress()).isZero();
        assertThat(l.firstPacketTimeout()).isZero();
        assertThat(l.frameTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(l.maxAuthFailuresPerAddress()).isEqualTo(3);
        assertThat(l.authBackoff()).isEqualTo(Duration.ofMillis(250));
        assertThat(l.authBan()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void anOperatorBehindALoadBalancerRaisesTheLimitByFlagOrVariable() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.MAX_CONNECTIONS_PER_ADDRESS, "5000", Origin.flag("--max-connections-per-address"));
        assertThat(load(flags, Map.of("DOSP_MAX_CONNECTIONS_PER_ADDRESS", "10")).limits().maxConnectionsPerAddress())
                .as("the flag wins").isEqualTo(5000);
        assertThat(load(new ConfigLayer(), Map.of("DOSP_MAX_CONNECTIONS_PER_ADDRESS", "10")).limits()
                .maxConnectionsPerAddress()).isEqualTo(10);
        assertThat(Settings.MAX_CONNECTIONS_PER_ADDRESS.flag()).isEqualTo("--max-connections-per-address");
        assertThat(Settings.MAX_CONNECTIONS_PER_ADDRESS.configField()).isEqualTo("limits.maxConnectionsPerAddress");
    }

    @Test
    void badValuesNameTheirSource() {
        assertThatThrownBy(() -> load(new ConfigLayer(), Map.of("DOSP_MAX_CONNECTIONS_PER_ADDRESS", "-1")))
                .hasMessageStartingWith("environment variable DOSP_MAX_CONNECTIONS_PER_ADDRESS: must be an integer >= 0, got -1");
        assertThatThrownBy(() -> load(new ConfigLayer(), Map.of("DOSP_AUTH_BAN", "0")))
                .hasMessageStartingWith("environment variable DOSP_AUTH_BAN: must be positive");
        assertThatThrownBy(() -> load(new ConfigLayer(), Map.of("DOSP_FRAME_TIMEOUT", "soon")))
                .hasMessageStartingWith("environment variable DOSP_FRAME_TIMEOUT: must be a duration");
    }
}
