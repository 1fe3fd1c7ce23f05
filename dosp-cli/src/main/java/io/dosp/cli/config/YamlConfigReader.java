package io.dosp.cli.config;

import io.dosp.protocol.PeerSpec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a {@code dosp.yaml} into a {@link ConfigLayer}. Works on SnakeYAML's node tree (never
 * constructs objects, so no tags can instantiate anything) and parses each value's text with the
 * setting's own type, so a token made of digits stays text and errors name the line. Unknown keys,
 * duplicate keys and bad values fail with the file, line, key and reason.
 */
public final class YamlConfigReader {
    private static final int MAX_FILE_BYTES = 1 << 20;

    private YamlConfigReader() {
    }

    /**
     * Reads {@code file}.
     *
     * @throws ConfigException when it cannot be read, is not YAML, or holds an unknown key or a bad value
     */
    public static ConfigLayer read(Path file) throws ConfigException {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(file + ": larger than 1 MiB; is this really a dosp.yaml?");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file (create one with 'dosp gen-config " + file + "')");
        } catch (MalformedInputException e) {
            throw new ConfigException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read it: " + e);
        }
        return parse(file, text);
    }

    /** Parses {@code text} as the content of {@code file} (named in errors). */
    public static ConfigLayer parse(Path file, String text) throws ConfigException {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(file + ", line " + line + ": not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        ConfigLayer layer = new ConfigLayer();
        if (root == null) {
            return layer; // empty file: every default
        }
        if (!(root instanceof MappingNode map)) {
            throw new ConfigException(file + ", line " + line(root) + ": the file must be a mapping of 'key: value' lines");
        }
        Map<Setting<?>, NodeTuple> seen = new HashMap<>();
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                throw new ConfigException(file + ", line " + line(t.getKeyNode()) + ": keys must be plain names");
            }
            String key = keyNode.getValue();
            Setting<?> setting = Settings.byKey(key).orElseThrow(() -> new ConfigException(file + ", line "
                    + line(keyNode) + ": unknown key '" + key + "'" + Suggest.didYouMean(key, Settings.allKeys())
                    + ". Every key is listed by 'dosp gen-config -' and in the README's configuration reference."));
            NodeTuple previous = seen.put(setting, t);
            if (previous != null) {
                String first = ((ScalarNode) previous.getKeyNode()).getValue();
                throw new ConfigException(file + ", line " + line(keyNode) + ", key '" + key + "': "
                        + (first.equals(key) ? "appears twice (first on line " : "sets the same as '" + first + "' (line ")
                        + line(previous.getKeyNode()) + "); keep one");
            }
            read(layer, setting, t.getValueNode(), Origin.file(file, line(keyNode), key));
        }
        return layer;
    }

    private static <T> void read(ConfigLayer layer, Setting<T> setting, Node value, Origin origin) throws ConfigException {
        ValueType<T> type = setting.type();
        try {
            if (value instanceof ScalarNode s) {
                if (s.getTag().equals(Tag.NULL)) {
                    layer.put(setting, type.nullValue(), origin);
                } else if (type.isList()) {
                    layer.put(setting, type.parseItems(List.of(s.getValue())), origin);
                } else {
                    layer.put(setting, type.parse(s.getValue()), origin);
                }
            } else if (value instanceof SequenceNode seq) {
                if (!type.isList()) {
                    throw new IllegalArgumentException("must be a single value (" + type.describe() + "), not a list");
                }
                List<String> items = new ArrayList<>();
                for (Node item : seq.getValue()) {
                    items.add(itemText(setting, item));
                }
                layer.put(setting, type.parseItems(items), origin);
            } else {
                throw new IllegalArgumentException("must be " + (type.isList() ? "a list" : "a single value")
                        + " (" + type.describe() + "), not a mapping");
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(origin, e.getMessage());
        }
    }

    /** A list item's text; a peer may also be written as a mapping {host, port, template, tls}. */
    private static String itemText(Setting<?> setting, Node item) {
        if (item instanceof ScalarNode s) {
            return s.getValue();
        }
        if (setting == Settings.PEERS && item instanceof MappingNode m) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                String k = t.getKeyNode() instanceof ScalarNode ks ? ks.getValue() : "?";
                if (!List.of("host", "port", "template", "ip_template", "tls").contains(k) || !(t.getValueNode() instanceof ScalarNode vs)) {
                    throw new IllegalArgumentException("line " + line(t.getKeyNode()) + ": a peer is [tls://]HOST:PORT[:TEMPLATE]"
                            + " or a mapping of host, port, template and tls; '" + k + "' is not one of them");
                }
                fields.put(k.equals("ip_template") ? "template" : k, vs.getValue());
            }
            if (!fields.containsKey("host") || !fields.containsKey("port")) {
                throw new IllegalArgumentException("line " + line(m) + ": a peer needs host and port");
            }
            String host = fields.get("host").contains(":") ? "[" + fields.get("host") + "]" : fields.get("host");
            String tls = fields.getOrDefault("tls", "false");
            if (!tls.equals("true") && !tls.equals("false")) {
                throw new IllegalArgumentException("line " + line(m) + ": a peer's tls is true or false, not '" + tls + "'");
            }
            return (tls.equals("true") ? PeerSpec.TLS_PREFIX : "") + host + ":" + fields.get("port") + (fields.containsKey("template") ? ":" + fields.get("template") : "");
        }
        throw new IllegalArgumentException("line " + line(item) + ": list items must be single values");
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }
}
