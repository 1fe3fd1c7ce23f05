package io.dosp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dosp} command: {@code serve} runs a server, {@code version} prints the version.
 * Exit codes: 0 success, 1 runtime failure (e.g. port in use), 2 bad usage or configuration.
 */
@Command(name = "dosp", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "DoSP (Data over Socket Protocol) for the JVM.",
        subcommands = {ServeCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
