package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.server.Functions;
import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings bounding what one client can make the server do: YAML keys, variables and flags onto the builders. */
class GuardSettingsMappingTest {
    @TempDir
    Path dir;

    @Test
    void yamlKeysReachTheServerConfig() throws Exception {
        Path f = dir.resolve("guards.yaml");
        Files.writeString(f, String.join("\n",
                "log_text_length: 64",
                "log_lines_per_second: 7",
                "inflate_rate_limit: 4MiB",
                "inflate_per_read: 256KiB",
                "reply_rate_limit: 8KiB",
                "function_calls_per_client: 3",
                "function_timeout: 1500ms",
                "typed_functions: false",
                "function_max_argument_bytes: 4KiB",
                "function_max_result_bytes: 128KiB",
                ""));
        ServerConfig c = ServeConfigLoader.load(new ConfigLayer(), Optional.of(f), Map.of(), dir).settings().config();
        assertThat(c.limits().logTextLength()).isEqualTo(64);
        assertThat(c.limits().logLinesPerSecond()).isEqualTo(7);
        assertThat(c.limits().inflateRateLimit()).isEqualTo(4L << 20);
        assertThat(c.limits().inflatePerRead()).isEqualTo(256 << 10);
        assertThat(c.limits().replyRateLimit()).isEqualTo(8L << 10);
        assertThat(c.functions().maxCallsPerClient()).isEqualTo(3);
        assertThat(c.functions().callTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.functions().typedCalls()).isFalse();
        assertThat(c.functions().maxArgumentBytes()).isEqualTo(4 << 10);
        assertThat(c.functions().maxResultBytes()).isEqualTo(128 << 10);
    }

    @Test
    void variablesAndFlagsToo() throws Exception {
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.FUNCTION_TIMEOUT, "2s", Origin.flag("--function-timeout"));
        ServerConfig c = ServeConfigLoader.load(flags, Optional.empty(),
                Map.of("DOSP_REPLY_RATE_LIMIT", "0", "DOSP_INFLATE_RATE_LIMIT", "0", "DOSP_FUNCTION_CALLS_PER_CLIENT", "1"),
                dir).settings().config();
        assertThat(c.limits().replyRateLimit()).isZero();
        assertThat(c.limits().inflateRateLimit()).isZero();
        assertThat(c.functions().maxCallsPerClient()).isEqualTo(1);
        assertThat(c.functions().callTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void defaultsAreTheServersDefaults() throws Exception {
        ServerConfig c = ServeConfigLoader.load(new ConfigLayer(), Optional.empty(), Map.of(), dir).settings().config();
        assertThat(c.limits().logTextLength()).isEqualTo(Limits.DEFAULT_LOG_TEXT_LENGTH);
        assertThat(c.limits().logLinesPerSecond()).isEqualTo(Limits.DEFAULT_LOG_LINES_PER_SECOND);
        assertThat(c.limits().inflateRateLimit()).isEqualTo(Limits.DEFAULT_INFLATE_RATE_LIMIT);
        assertThat(c.limits().inflatePerRead()).isEqualTo(Limits.DEFAULT_INFLATE_PER_READ);
        assertThat(c.limits().replyRateLimit()).isEqualTo(Limits.DEFAULT_REPLY_RATE_LIMIT);
        assertThat(c.functions().maxCallsPerClient()).isEqualTo(Functions.DEFAULT_MAX_CALLS_PER_CLIENT);
        assertThat(c.functions().callTimeout()).isEqualTo(Functions.DEFAULT_CALL_TIMEOUT);
    }

    @Test
    void badValuesNameWhereTheyCameFrom() throws Exception {
        assertThatThrownBy(() -> ServeConfigLoader.load(new ConfigLayer(), Optional.empty(),
                Map.of("DOSP_LOG_TEXT_LENGTH", "3"), dir))
                .hasMessage("environment variable DOSP_LOG_TEXT_LENGTH: must be an integer 16..1048576, got 3");
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.INFLATE_RATE_LIMIT, "100", Origin.flag("--inflate-rate-limit"));
        assertThatThrownBy(() -> ServerConfigMapper.map(List.of(flags), Optional.empty()))
                .hasMessage("flag --inflate-rate-limit (inflate_rate_limit = 100): must be 0 (unlimited) or at least 1024"
                        + " bytes/s, got 100");
        assertThat(Settings.FUNCTION_CALLS_PER_CLIENT.configField()).isEqualTo("functions.maxCallsPerClient");
        assertThat(Settings.REPLY_RATE_LIMIT.configField()).isEqualTo("limits.replyRateLimit");
    }
}
