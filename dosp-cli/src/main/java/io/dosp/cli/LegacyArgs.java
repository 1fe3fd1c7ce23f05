package io.dosp.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Python DoSP command line ({@code python -m dosp --serve --port 9000}, {@code --client},
 * {@code --admin}, {@code --admin-exec CMD}, {@code --gen-config}) mapped onto the subcommands, so an
 * operator's habits and scripts keep working: the mode flag becomes the subcommand, {@code --admin-exec}
 * becomes {@code --exec}, and flags the Python CLI accepts but ignores in that mode ({@code --vip} for the
 * server, {@code --ip-template} for a client, {@code --detach}) are dropped with a note. The one-line hint
 * shows the new form, with a token masked.
 */
final class LegacyArgs {
    private static final Set<String> MODES = Set.of("--serve", "--client", "--admin", "--admin-exec", "--gen-config");
    /** Flags of the Python CLI that take a value, per the modes where they mean nothing here. */
    private static final Set<String> SERVER_ONLY_WITH_VALUE = Set.of("--ip-template", "--config");
    private static final Set<String> CLIENT_ONLY_WITH_VALUE = Set.of("--vip", "--token");

    /** The translated arguments and the hint to print. */
    record Translation(String[] args, String hint, List<String> dropped) {
    }

    private LegacyArgs() {
    }

    /** The subcommand form of {@code args} when they are the Python CLI's, else empty. */
    static Optional<Translation> translate(String[] args) {
        if (args.length == 0 || !args[0].startsWith("--")) {
            return Optional.empty();
        }
        String mode = null;
        for (String a : args) {
            String name = a.split("=", 2)[0];
            if (MODES.contains(name)) {
                mode = mode == null || name.equals("--gen-config") ? name : mode;
            }
        }
        if (mode == null) {
            return Optional.empty();
        }
        String sub = switch (mode) {
            case "--serve" -> "serve";
            case "--client" -> "client";
            case "--gen-config" -> "gen-config";
            default -> "admin";
        };
        List<String> out = new ArrayList<>(List.of(sub));
        List<String> dropped = new ArrayList<>();
        List<String> shown = new ArrayList<>(List.of(sub));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String[] kv = a.split("=", 2);
            String name = kv[0];
            boolean inline = kv.length == 2;
            boolean takesValue = name.equals("--admin-exec") || SERVER_ONLY_WITH_VALUE.contains(name)
                    || CLIENT_ONLY_WITH_VALUE.contains(name) || name.equals("--host") || name.equals("--port");
            String value = inline ? kv[1] : takesValue && i + 1 < args.length ? args[++i] : null;
            if (name.equals("--serve") || name.equals("--client") || name.equals("--admin") || name.equals("--gen-config")) {
                continue;
            }
            if (sub.equals("gen-config")) {
                dropped.add(name);
                continue;
            }
            if (name.equals("--admin-exec")) {
                add(out, shown, "--exec", value);
                continue;
            }
            if (name.equals("--detach")) {
                dropped.add("--detach (this server runs in the foreground: use a service manager or '&')");
                continue;
            }
            boolean serving = sub.equals("serve");
            if ((serving && CLIENT_ONLY_WITH_VALUE.contains(name)) || (!serving && SERVER_ONLY_WITH_VALUE.contains(name))
                    || (!serving && name.equals("--peers")) || (sub.equals("admin") && name.equals("--vip"))
                    || (sub.equals("client") && name.equals("--token"))) {
                dropped.add(name);
                if (name.equals("--peers")) {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        i++;
                    }
                }
                continue;
            }
            if (takesValue) {
                add(out, shown, name, value);
            } else {
                out.add(a);
                shown.add(a);
            }
        }
        String hint = "dosp: note: '" + mode + "' is the Python DoSP command line; here it is: " + Main.selfCommand() + " "
                + String.join(" ", shown) + (dropped.isEmpty() ? "" : "   (ignored: " + String.join(", ", dropped) + ")");
        return Optional.of(new Translation(out.toArray(String[]::new), hint, List.copyOf(dropped)));
    }

    private static void add(List<String> out, List<String> shown, String name, String value) {
        out.add(name);
        shown.add(name);
        if (value != null) {
            out.add(value);
            shown.add(name.equals("--token") ? "****" : value.contains(" ") ? "'" + value + "'" : value);
        }
    }
}
