package io.dosp.cli.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the {@code DOSP_*} environment variables of the server settings into a {@link ConfigLayer}:
 * {@code DOSP_} + the key in capitals ({@code DOSP_PORT}, {@code DOSP_IP_TEMPLATE}); lists are
 * comma-separated; an empty variable counts as unset. Unknown {@code DOSP_*} names are reported
 * as warnings (the environment is shared by every command, so they are not errors).
 */
public final class EnvConfigReader {
    /** Variables the other commands read, so they are not reported as unknown. */
    public static final Set<String> OTHER_KNOWN = Set.of("DOSP_CONFIG", "DOSP_SERVER", "DOSP_ADMIN_TOKEN", "DOSP_LOG_FORMAT");

    private EnvConfigReader() {
    }

    /** What the environment sets, and warnings about {@code DOSP_*} names nobody reads. */
    public record Result(ConfigLayer layer, List<String> warnings) {
    }

    /**
     * Reads {@code env} (normally {@code System.getenv()}).
     *
     * @throws ConfigException naming the variable when a value is invalid, or when two variables set one setting
     */
    public static Result read(Map<String, String> env) throws ConfigException {
        ConfigLayer layer = new ConfigLayer();
        List<String> warnings = new ArrayList<>();
        Map<Setting<?>, String> seen = new HashMap<>();
        List<String> known = new ArrayList<>(OTHER_KNOWN);
        Settings.all().forEach(s -> known.addAll(s.envVars()));
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("DOSP_")) {
                continue;
            }
            var setting = Settings.byEnvVar(name);
            if (setting.isEmpty()) {
                if (!OTHER_KNOWN.contains(name)) {
                    warnings.add("ignoring environment variable " + name + ": no setting has that name"
                            + Suggest.didYouMean(name, known));
                }
                continue;
            }
            if (e.getValue().isBlank()) {
                continue;
            }
            String other = seen.put(setting.get(), name);
            if (other != null) {
                throw new ConfigException("environment variables " + other + " and " + name
                        + " set the same setting (" + setting.get().key() + "); unset one");
            }
            layer.putText(setting.get(), e.getValue(), Origin.env(name));
        }
        return new Result(layer, warnings);
    }
}
