package io.dosp.cli.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders the commented default {@code dosp.yaml} that {@code dosp gen-config} writes: every key
 * with its default, grouped by section, keys of this implementation marked. Reading it back gives
 * exactly the defaults (a test checks).
 */
public final class DefaultConfigWriter {
    private static final int WIDTH = 100;

    private DefaultConfigWriter() {
    }

    /** The file's text; {@code version} is named in the header. */
    public static String render(String version) {
        StringBuilder sb = new StringBuilder();
        line(sb, "dosp.yaml: configuration of a DoSP server ('dosp serve'), written by " + version + ".");
        line(sb, "Every key is shown with its default value; delete the ones you do not change if you like.");
        line(sb, "");
        line(sb, "Precedence, highest first: command-line flags ('dosp serve --help'), environment variables"
                + " DOSP_<KEY IN CAPITALS> (DOSP_PORT=9000, lists comma-separated), this file, built-in defaults.");
        line(sb, "'dosp serve' reads ./dosp.yaml when present, or the file named by --config or DOSP_CONFIG;"
                + " 'dosp serve --check' prints the result and where each value came from.");
        line(sb, "Durations: seconds (300, 2.5) or with a unit (500ms, 30s, 5m, 1h). Sizes: bytes (1048576) or"
                + " with a binary unit (64KiB, 1MiB). Lists: [a, b] or one '- item' per line.");
        line(sb, "Keys marked [JVM only] belong to this implementation; the others mean the same as in the"
                + " Python DoSP server's dosp.yaml.");
        line(sb, "This file may hold admin tokens: it is created readable by its owner only.");
        for (Setting.Section section : Setting.Section.values()) {
            sb.append("\n# ---- ").append(section.title()).append(" ----\n");
            for (Setting<?> s : Settings.all()) {
                if (s.section() != section) {
                    continue;
                }
                sb.append('\n');
                String text = (s.isReference() ? "" : "[JVM only] ") + s.help()
                        + (s.aliases().isEmpty() ? "" : " Also accepted as: " + String.join(", ", s.aliases()) + ".");
                line(sb, text);
                line(sb, "Flag " + s.flag() + (s.isSwitch() ? " / --no-" + s.flag().substring(2) : " " + s.paramLabel())
                        + "; environment " + s.envVar() + "; " + s.type().describe() + ".");
                sb.append(s.key()).append(": ").append(s.renderDefault()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Appends {@code text} as comment lines wrapped at the page width. */
    private static void line(StringBuilder sb, String text) {
        if (text.isEmpty()) {
            sb.append("#\n");
            return;
        }
        for (String l : wrap(text, WIDTH - 2)) {
            sb.append("# ").append(l).append('\n');
        }
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String word : text.split(" ")) {
            if (cur.length() > 0 && cur.length() + 1 + word.length() > width) {
                lines.add(cur.toString());
                cur.setLength(0);
            }
            if (cur.length() > 0) {
                cur.append(' ');
            }
            cur.append(word);
        }
        if (cur.length() > 0) {
            lines.add(cur.toString());
        }
        return lines;
    }
}
