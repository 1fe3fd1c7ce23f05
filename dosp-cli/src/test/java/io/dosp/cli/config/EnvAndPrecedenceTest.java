package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dosp.protocol.Vip;
import io.dosp.server.Limits;
import io.dosp.server.ServerConfig;
import io.dosp.server.SlowConsumerPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvAndPrecedenceTest {
    @TempDir
    Path dir;

    @Test
    void environmentVariablesAreParsedLikeTheFile() throws Exception {
        EnvConfigReader.Result r = EnvConfigReader.read(Map.of("DOSP_PORT", "9001", "DOSP_BANNED_IP_LIST", "1.2.3.4, 5.6.7.8",
                "DOSP_IDLE_TIMEOUT", "90s", "DOSP_MAX_PACKET_SIZE", "", "PATH", "/bin", "DOSP_SERVER", "x:1"));
        ResolvedSettings s = ResolvedSettings.resolve(List.of(r.layer()));
        assertThat(s.value(Settings.PORT)).isEqualTo(9001);
        assertThat(s.value(Settings.BANNED_IP_LIST)).containsExactly("1.2.3.4", "5.6.7.8");
        assertThat(s.value(Settings.SOCKET_TIMEOUT)).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.origin(Settings.MAX_PACKET_SIZE)).isEqualTo(Origin.DEFAULT); // empty counts as unset
        assertThat(s.origin(Settings.PORT)).hasToString("environment variable DOSP_PORT");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void flowControlSettingsComeFromTheEnvironment() throws Exception {
        ServeConfigLoader.Loaded loaded = ServeConfigLoader.load(new ConfigLayer(), Optional.empty(),
                Map.of("DOSP_SLOW_CONSUMER_POLICY", "drop", "DOSP_MEMORY_BUDGET", "64MiB"), dir);
        ServerConfig c = loaded.settings().config();
        assertThat(c.limits().slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DROP);
        assertThat(c.limits().memoryBudget()).isEqualTo(64L << 20);
        ServerConfig defaults = ServeConfigLoader.load(new ConfigLayer(), Optional.empty(), Map.of(), dir).settings().config();
        assertThat(defaults.limits().slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.BACKPRESSURE);
        assertThat(defaults.limits().memoryBudget()).isEqualTo(Limits.derivedMemoryBudget());
    }

    @Test
    void environmentErrorsNameTheVariable() {
        assertThatThrownBy(() -> EnvConfigReader.read(Map.of("DOSP_PORT", "-1")))
                .hasMessage("environment variable DOSP_PORT: must be an integer 0..65535, got -1");
        assertThatThrownBy(() -> EnvConfigReader.read(Map.of("DOSP_SOCKET_TIMEOUT", "1", "DOSP_IDLE_TIMEOUT", "2")))
                .hasMessageContaining("DOSP_IDLE_TIMEOUT and DOSP_SOCKET_TIMEOUT set the same setting (socket_timeout)");
    }

    @Test
    void unknownVariablesAreWarningsWithSuggestions() throws Exception {
        assertThat(EnvConfigReader.read(Map.of("DOSP_PROT", "1")).warnings())
                .containsExactly("ignoring environment variable DOSP_PROT: no setting has that name (did you mean 'DOSP_PORT'?)");
    }

    @Test
    void flagsBeatEnvironmentBeatFileBeatDefaults() throws Exception {
        Files.writeString(dir.resolve("dosp.yaml"), "port: 1000\nmax_clients: 10\ncompression_level: 3\n");
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.PORT, "3000", Origin.flag("--port"));
        ServeConfigLoader.Loaded loaded = ServeConfigLoader.load(flags, Optional.empty(),
                Map.of("DOSP_PORT", "2000", "DOSP_MAX_CLIENTS", "20"), dir);
        ServerConfig c = loaded.settings().config();
        assertThat(c.port()).isEqualTo(3000);
        assertThat(c.limits().maxClients()).isEqualTo(20);
        assertThat(c.compressionLevel()).isEqualTo(3);
        assertThat(c.limits().maxAuthFailures()).isEqualTo(Limits.DEFAULT_MAX_AUTH_FAILURES);
        assertThat(loaded.settings().configFile()).contains(dir.resolve("dosp.yaml"));
    }

    @Test
    void configFileComesFromTheFlagThenDospConfigThenTheWorkingDirectory() throws Exception {
        Files.writeString(dir.resolve("dosp.yaml"), "port: 1\n");
        Files.writeString(dir.resolve("env.yaml"), "port: 2\n");
        Files.writeString(dir.resolve("flag.yaml"), "port: 3\n");
        ConfigLayer none = new ConfigLayer();
        assertThat(ServeConfigLoader.load(none, Optional.of(dir.resolve("flag.yaml")), Map.of("DOSP_CONFIG",
                dir.resolve("env.yaml").toString()), dir).settings().config().port()).isEqualTo(3);
        assertThat(ServeConfigLoader.load(none, Optional.empty(), Map.of("DOSP_CONFIG", dir.resolve("env.yaml").toString()), dir)
                .settings().config().port()).isEqualTo(2);
        assertThat(ServeConfigLoader.load(none, Optional.empty(), Map.of(), dir).settings().config().port()).isEqualTo(1);
        assertThat(ServeConfigLoader.load(none, Optional.empty(), Map.of(), dir.resolve("nowhere")).settings().configFile()).isEmpty();
        assertThatThrownBy(() -> ServeConfigLoader.load(none, Optional.of(dir.resolve("missing.yaml")), Map.of(), dir))
                .hasMessageContaining("--config: config file").hasMessageContaining("missing.yaml does not exist")
                .hasMessageContaining("dosp gen-config");
    }

    @Test
    void everyKeyReachesTheServerConfig() throws Exception {
        Path f = dir.resolve("all.yaml");
        Files.writeString(f, String.join("\n",
                "host: 127.0.0.1", "port: 0", "ip_template: 10.7.0.0/16", "allow_compression: true", "compression_level: 1",
                "max_clients: 7", "socket_timeout: 0", "max_packet_size: 2MiB", "admin_tokens: [aaaaaaaaaaaaaaaaaaaa]",
                "admin_token_file: t.token", "banned_hashes: [aa]", "whitelist_hashes: [bb, cc]",
                "hash_whitelist_enabled: true", "banned_ip_list: [10.1.1.1]", "peers: []", "allow_local: true",
                "local_name: here", "worker_threads: 2", "max_outbound_bytes: 4MiB", "outbound_high_water_mark: 2MiB",
                "outbound_low_water_mark: 1MiB", "slow_consumer_timeout: 5s", "packet_rate_limit: 100",
                "byte_rate_limit: 3MiB", "function_threads: 2", "function_queue: 8", "max_auth_failures: 2",
                "blocked_vips: [10.7.0.9]"));
        ServerConfig c = ServeConfigLoader.load(new ConfigLayer(), Optional.of(f), Map.of(), dir).settings().config();
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isZero();
        assertThat(c.template()).hasToString("10.7.x.x");
        assertThat(c.compression()).isTrue();
        assertThat(c.compressionLevel()).isEqualTo(1);
        assertThat(c.limits().maxClients()).isEqualTo(7);
        assertThat(c.limits().idleTimeout()).isEqualTo(Duration.ZERO);
        assertThat(c.limits().maxFrameSize()).isEqualTo(2 << 20);
        assertThat(c.access().adminTokens()).containsExactly("aaaaaaaaaaaaaaaaaaaa");
        assertThat(c.access().adminTokenFile()).isEqualTo(Path.of("t.token"));
        assertThat(c.access().bannedHashes()).containsExactly("aa");
        assertThat(c.access().whitelistHashes()).containsExactlyInAnyOrder("bb", "cc");
        assertThat(c.access().whitelistEnabled()).isTrue();
        assertThat(c.access().bannedAddresses()).containsExactly("10.1.1.1");
        assertThat(c.localTransport()).isTrue();
        assertThat(c.localName()).isEqualTo("here");
        assertThat(c.workerThreads()).isEqualTo(2);
        assertThat(c.limits().maxOutboundBytes()).isEqualTo(4 << 20);
        assertThat(c.limits().outboundHighWaterMark()).isEqualTo(2 << 20);
        assertThat(c.limits().outboundLowWaterMark()).isEqualTo(1 << 20);
        assertThat(c.limits().slowConsumerTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.limits().packetRateLimit()).isEqualTo(100);
        assertThat(c.limits().byteRateLimit()).isEqualTo(3 << 20);
        assertThat(c.functions().threads()).isEqualTo(2);
        assertThat(c.functions().queue()).isEqualTo(8);
        assertThat(c.limits().maxAuthFailures()).isEqualTo(2);
        assertThat(c.access().blockedVips()).isEqualTo(Set.of(Vip.parse("10.7.0.9")));
    }

    @Test
    void builderErrorsNameWhereTheOffendingValueCameFrom() throws Exception {
        Files.writeString(dir.resolve("dosp.yaml"), "max_packet_size: 2MiB\n");
        ConfigLayer flags = new ConfigLayer();
        flags.putText(Settings.BYTE_RATE_LIMIT, "1MiB", Origin.flag("--byte-rate-limit"));
        assertThatThrownBy(() -> ServeConfigLoader.load(flags, Optional.empty(), Map.of(), dir))
                .hasMessage("flag --byte-rate-limit (byte_rate_limit = 1048576): must be at least one maximum frame"
                        + " (2097157 bytes/s) or 0");
        assertThatThrownBy(() -> ServeConfigLoader.load(new ConfigLayer(), Optional.empty(),
                Map.of("DOSP_OUTBOUND_LOW_WATER_MARK", "4MiB"), dir.resolve("nowhere")))
                .hasMessageStartingWith("environment variable DOSP_OUTBOUND_LOW_WATER_MARK (outbound_low_water_mark = 4194304)");
    }
}
