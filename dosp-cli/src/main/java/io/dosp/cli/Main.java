package io.dosp.cli;

import io.dosp.cli.config.Suggest;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code dosp} command: {@code serve}, {@code client}, {@code admin}, {@code gen-config},
 * {@code version}. Exit codes: {@link #EXIT_OK} success, {@link #EXIT_FAILURE} a runtime failure
 * (port in use, server unreachable, an admin command answered {@code ERR:}), {@link #EXIT_USAGE}
 * bad usage or configuration.
 */
@Command(name = "dosp", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        usageHelpAutoWidth = true,
        description = {"DoSP (Data over Socket Protocol) for the JVM: a TCP message router that gives every client a"
                + " virtual IPv4 address (vIP), wire-compatible with the Python DoSP 0.2.", ""},
        subcommands = {ServeCommand.class, ClientCommand.class, AdminCommand.class, UserCommand.class, GenConfigCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class},
        commandListHeading = "%nCommands:%n",
        footer = {"",
            "Start here:",
            "  dosp serve                  run a server on 0.0.0.0:7744",
            "  dosp client                 connect to it; in two terminals to chat",
            "  dosp admin --exec clients   list the clients (reads dosp-admin.token)",
            "",
            "The Python DoSP forms work too (dosp --serve --port 9000, --client,",
            "--admin, --admin-exec CMD, --gen-config): they run the command above",
            "and print the new form.",
            "",
            "'dosp COMMAND --help' explains each command.",
            "Exit codes: 0 success; 1 failure (port in use, server unreachable, an",
            "admin command answered ERR:); 2 bad usage or configuration."})
public final class Main implements Runnable {
    /** Success. */
    public static final int EXIT_OK = 0;
    /** A runtime failure: could not listen, could not connect, a command failed. */
    public static final int EXIT_FAILURE = 1;
    /** Bad usage or configuration. */
    public static final int EXIT_USAGE = 2;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns its exit code (for tests). The Python DoSP form
     * ({@code --serve}, {@code --client}, {@code --admin}, {@code --admin-exec}, {@code --gen-config}) is
     * mapped onto the subcommands first, with a one-line hint on standard error.
     */
    public static int run(String... args) {
        Optional<LegacyArgs.Translation> legacy = LegacyArgs.translate(args);
        if (legacy.isPresent()) {
            System.err.println(legacy.get().hint());
            return commandLine().execute(legacy.get().args());
        }
        return commandLine().execute(args);
    }

    /** The configured command line: every subcommand, the server setting flags, friendly error handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        ServeCommand.addSettingOptions(cl.getSubcommands().get("serve").getCommandSpec());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::badUsage);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println(cmd.getCommandSpec().qualifiedName() + ": unexpected error: " + e);
            if (Arrays.asList(parsed.originalArgs()).contains("--debug")) {
                e.printStackTrace(err);
            } else {
                err.println("  (run again with --debug for details)");
            }
            return EXIT_FAILURE;
        });
        return cl;
    }

    private static int badUsage(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        if (e instanceof UnmatchedArgumentException u && u.getSuggestions().isEmpty()) {
            for (String arg : u.getUnmatched()) {
                String name = arg.split("=", 2)[0];
                String hint = name.startsWith("-") ? Suggest.didYouMean(name, cmd.getCommandSpec().optionsMap().keySet()) : "";
                if (!hint.isEmpty()) {
                    err.println("  " + name + hint);
                }
            }
        } else {
            UnmatchedArgumentException.printSuggestions(e, err);
        }
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
        return EXIT_USAGE;
    }

    /**
     * How the user runs this program, for hints: {@code java -jar dosp-cli/target/dosp.jar} when run
     * from the jar (relative to the working directory when below it), else {@code dosp}.
     */
    static String selfCommand() {
        try {
            var source = Main.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                Path jar = Path.of(source.getLocation().toURI());
                if (jar.toString().endsWith(".jar")) {
                    Path cwd = Path.of("").toAbsolutePath();
                    Path shown = jar.startsWith(cwd) ? cwd.relativize(jar) : jar;
                    return "java -jar " + shown;
                }
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // fall through to the generic name
        }
        return "dosp";
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
