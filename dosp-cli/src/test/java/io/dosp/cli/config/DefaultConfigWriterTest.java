package io.dosp.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dosp.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DefaultConfigWriterTest {

    @Test
    void theGeneratedFileReadsBackAsTheDefaults() throws Exception {
        String text = DefaultConfigWriter.render("dosp test");
        ConfigLayer layer = YamlConfigReader.parse(Path.of("dosp.yaml"), text);
        ResolvedSettings r = ResolvedSettings.resolve(List.of(layer));
        for (Setting<?> s : Settings.all()) {
            assertThat(layer.get(s)).as("key %s is written", s.key()).isPresent();
            assertThat((Object) r.value(s)).as(s.key()).isEqualTo(s.defaultValue());
        }
        ServerConfig fromFile = ServerConfigMapper.map(List.of(layer), Optional.empty()).config();
        // The library's defaults, except where 'dosp serve' differs on purpose: it writes a generated admin token to
        // ./dosp-admin.token (an embedded server keeps it in memory).
        ServerConfig defaults = ServerConfig.defaults().toBuilder()
                .access(a -> a.adminTokenFile(io.dosp.server.AccessPolicy.CLI_ADMIN_TOKEN_FILE)).build();
        assertThat(fromFile).usingRecursiveComparison().isEqualTo(defaults);
    }

    @Test
    void everyLineIsACommentAKeyOrBlankAndFitsTheWidth() {
        for (String line : DefaultConfigWriter.render("dosp test").split("\n")) {
            assertThat(line.isEmpty() || line.startsWith("#") || line.matches("[a-z_]+: .+")).as(line).isTrue();
            if (line.startsWith("#")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(100);
            }
        }
    }

    @Test
    void settingsHaveUniqueKeysFlagsAndVariables() {
        List<String> keys = Settings.allKeys();
        assertThat(keys).doesNotHaveDuplicates();
        assertThat(Settings.all().stream().map(Setting::flag).toList()).doesNotHaveDuplicates();
        assertThat(Settings.all().stream().flatMap(s -> s.envVars().stream()).toList()).doesNotHaveDuplicates()
                .doesNotContainAnyElementsOf(EnvConfigReader.OTHER_KNOWN);
        assertThat(Settings.all()).allSatisfy(s -> assertThat(s.help()).isNotBlank());
    }
}
