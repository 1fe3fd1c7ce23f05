package io.dosp.cli.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads what {@code dosp serve} runs with. Precedence, highest first: command-line flags,
 * {@code DOSP_*} environment variables, the config file, built-in defaults. The config file is
 * {@code --config PATH}, else {@code $DOSP_CONFIG}, else {@code dosp.yaml} in the working directory
 * when one is there.
 */
public final class ServeConfigLoader {
    /** The file read from the working directory when none is named. */
    public static final String DEFAULT_FILE_NAME = "dosp.yaml";

    private ServeConfigLoader() {
    }

    /** The settings and warnings worth showing (unknown environment variables). */
    public record Loaded(ServeSettings settings, List<String> warnings) {
    }

    /**
     * Loads the configuration.
     *
     * @param flags      what the command line set
     * @param configFlag {@code --config}, if given
     * @param env        the environment
     * @param workingDir where {@code dosp.yaml} is looked for
     * @throws ConfigException naming the source, key and reason of the first problem
     */
    public static Loaded load(ConfigLayer flags, Optional<Path> configFlag, Map<String, String> env, Path workingDir)
            throws ConfigException {
        EnvConfigReader.Result fromEnv = EnvConfigReader.read(env);
        Optional<Path> file = configFile(configFlag, env, workingDir);
        ConfigLayer fromFile = file.isPresent() ? YamlConfigReader.read(file.get()) : new ConfigLayer();
        List<ConfigLayer> layers = List.of(flags, fromEnv.layer(), fromFile);
        return new Loaded(ServerConfigMapper.map(layers, file), new ArrayList<>(fromEnv.warnings()));
    }

    /** The config file to read, if any. */
    static Optional<Path> configFile(Optional<Path> configFlag, Map<String, String> env, Path workingDir)
            throws ConfigException {
        if (configFlag.isPresent()) {
            return Optional.of(existing(configFlag.get(), "--config"));
        }
        String fromEnv = env.get("DOSP_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(existing(Path.of(fromEnv.trim()), "environment variable DOSP_CONFIG"));
        }
        Path local = workingDir.resolve(DEFAULT_FILE_NAME);
        return Files.isRegularFile(local) ? Optional.of(local) : Optional.empty();
    }

    private static Path existing(Path file, String source) throws ConfigException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(source + ": config file " + file + " does not exist"
                    + (Files.isDirectory(file) ? " (it is a directory)" : "")
                    + "; write a commented one with 'dosp gen-config " + file + "'");
        }
        return file;
    }
}
