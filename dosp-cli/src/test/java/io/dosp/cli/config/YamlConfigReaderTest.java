package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.protocol.PeerSpec;
import io.dosp.protocol.VipTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class YamlConfigReaderTest {
    private static final Path FILE = Path.of("conf", "dosp.yaml");

    private static ResolvedSettings read(String yaml) throws ConfigException {
        return ResolvedSettings.resolve(List.of(YamlConfigReader.parse(FILE, yaml)));
    }

    private static String error(String yaml) {
        try {
            YamlConfigReader.parse(FILE, yaml);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @Test
    void readsThePythonKeys() throws Exception {
        ResolvedSettings r = read(String.join("\n",
                "host: 127.0.0.1",
                "port: 9000",
                "ip_template: 10.7.x.x",
                "allow_compression: yes",
                "compression_level: 9",
                "max_clients: 50",
                "socket_timeout: 2.5",
                "max_packet_size: 64KiB",
                "admin_tokens:",
                "  - 0123456789012345678901234567890123456789012345678901234567890123",
                "admin_token_file: /var/lib/dosp/token",
                "banned_hashes: [ABCDEF01]",
                "whitelist_hashes: []",
                "hash_whitelist_enabled: false",
                "banned_ip_list: ['203.0.113.7', '::1']",
                "peers:",
                "  - 10.0.0.2:7744",
                "  - {host: 'fe80::1', port: 7745, template: 7.11.0.x}",
                "  - tls://10.0.0.3:7744",
                "  - {host: 10.0.0.4, port: 7744, tls: true}"));
        assertThat(r.value(Settings.HOST)).isEqualTo("127.0.0.1");
        assertThat(r.value(Settings.PORT)).isEqualTo(9000);
        assertThat(r.value(Settings.ALLOW_COMPRESSION)).isTrue();
        assertThat(r.value(Settings.SOCKET_TIMEOUT)).isEqualTo(Duration.ofMillis(2500));
        assertThat(r.value(Settings.MAX_PACKET_SIZE)).isEqualTo(65536);
        // a token made of digits stays text, leading zero included
        assertThat(r.value(Settings.ADMIN_TOKENS)).containsExactly("0123456789012345678901234567890123456789012345678901234567890123");
        assertThat(r.value(Settings.BANNED_HASHES)).containsExactly("abcdef01");
        assertThat(r.value(Settings.BANNED_IP_LIST)).containsExactly("203.0.113.7", "0:0:0:0:0:0:0:1");
        assertThat(r.value(Settings.PEERS)).containsExactly(
                new PeerSpec("10.0.0.2", 7744, Optional.empty()),
                new PeerSpec("fe80::1", 7745, Optional.of(VipTemplate.parse("7.11.0.x"))),
                new PeerSpec("10.0.0.3", 7744, Optional.empty(), true),
                new PeerSpec("10.0.0.4", 7744, Optional.empty(), true));
        assertThat(r.origin(Settings.PORT)).hasToString(FILE + ", line 2, key 'port'");
        assertThat(r.origin(Settings.WORKER_THREADS)).isEqualTo(Origin.DEFAULT);
    }

    @Test
    void unknownKeyNamesFileLineKeyAndSuggestion() {
        assertThat(error("port: 1\nip_templte: 7.10.0.x\n"))
                .startsWith(FILE + ", line 2: unknown key 'ip_templte' (did you mean 'ip_template'?)");
        assertThat(error("colour: blue\n")).contains("unknown key 'colour'").doesNotContain("did you mean");
    }

    @Test
    void badValuesNameLineKeyAndReason() {
        assertThat(error("\n\nport: 70000\n")).isEqualTo(FILE + ", line 3, key 'port': must be an integer 0..65535, got 70000");
        assertThat(error("port: seven\n")).contains("key 'port': must be an integer 0..65535, got 'seven'");
        assertThat(error("allow_compression: maybe\n")).contains("key 'allow_compression': must be true or false, got 'maybe'");
        assertThat(error("ip_template: 7.10.x.0\n")).contains("key 'ip_template'", "7.10.x.0");
        assertThat(error("socket_timeout: soon\n")).contains("key 'socket_timeout': must be a duration");
        assertThat(error("max_packet_size: 10\n")).contains("key 'max_packet_size'", "got '10' (10 bytes)");
        assertThat(error("admin_tokens: [short]\n")).contains("key 'admin_tokens': item 1: admin tokens must be at least 16");
        assertThat(error("banned_ip_list: [example.org]\n")).contains("item 1: must be an IP address (names are not resolved)");
        assertThat(error("peers: ['host:port']\n")).contains("key 'peers': item 1: 'host:port' is not [tls://]HOST:PORT[:TEMPLATE]");
        assertThat(error("port: [1, 2]\n")).contains("key 'port': must be a single value (integer 0..65535), not a list");
        assertThat(error("host: {a: 1}\n")).contains("key 'host': must be a single value (text), not a mapping");
        assertThat(error("peers: [{host: a, prt: 1}]\n")).contains("'prt' is not one of them");
    }

    @Test
    void duplicateAndAliasedKeysAreRefused() {
        assertThat(error("port: 1\nport: 2\n")).isEqualTo(FILE + ", line 2, key 'port': appears twice (first on line 1); keep one");
        assertThat(error("socket_timeout: 5\nidle_timeout: 6\n"))
                .contains("key 'idle_timeout': sets the same as 'socket_timeout' (line 1); keep one");
    }

    @Test
    void notYamlOrNotAMappingIsExplained() {
        assertThat(error("port: 1\n  bad: [\n")).startsWith(FILE + ", line ").contains("not valid YAML");
        assertThat(error("- a\n- b\n")).contains("the file must be a mapping of 'key: value' lines");
        assertThat(error("!!java.io.File x: 1\n")).isNotEmpty();
    }

    @Test
    void emptyFileAndNullValuesMeanDefaults() throws Exception {
        assertThat(read("").value(Settings.PORT)).isEqualTo(7744);
        assertThat(read("# only comments\n").value(Settings.PORT)).isEqualTo(7744);
        ResolvedSettings r = read("port:\nsocket_timeout: null\nadmin_tokens: ~\nbanned_hashes: abcdef\n");
        assertThat(r.value(Settings.PORT)).isEqualTo(7744);
        assertThat(r.value(Settings.SOCKET_TIMEOUT)).isEqualTo(Duration.ZERO); // as in Python: no timeout
        assertThat(r.value(Settings.ADMIN_TOKENS)).isEmpty();
        assertThat(r.value(Settings.BANNED_HASHES)).containsExactly("abcdef"); // a single value is a one-item list
    }

    @Test
    void idleTimeoutIsAnAliasOfSocketTimeout() throws Exception {
        assertThat(read("idle_timeout: 5m\n").value(Settings.SOCKET_TIMEOUT)).isEqualTo(Duration.ofMinutes(5));
    }
}
