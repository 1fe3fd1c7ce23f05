package io.dosp.cli;

import io.dosp.cli.config.DefaultConfigWriter;
import io.dosp.cli.config.ServeConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code dosp gen-config}: writes the commented default {@code dosp.yaml}; never overwrites. */
@Command(name = "gen-config", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = VersionCommand.Provider.class,
        description = {"Write a commented dosp.yaml with every server setting at its default value.",
            "It never overwrites a file. 'dosp serve' reads ./dosp.yaml when present.", ""},
        footer = {"", "Examples:",
            "  dosp gen-config                  writes ./dosp.yaml",
            "  dosp gen-config /etc/dosp/dosp.yaml",
            "  dosp gen-config -                prints it instead"})
public final class GenConfigCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", defaultValue = ServeConfigLoader.DEFAULT_FILE_NAME,
            description = "Where to write it; '-' prints it on standard output (default: ${DEFAULT-VALUE}).")
    String file;

    @Override
    public Integer call() {
        String text = DefaultConfigWriter.render("dosp " + VersionCommand.version());
        if (file.equals("-")) {
            System.out.print(text);
            System.out.flush();
            return Main.EXIT_OK;
        }
        Path path = Path.of(file);
        if (Files.exists(path)) {
            System.err.println("dosp gen-config: " + path + " already exists; it was left unchanged. Remove or rename it,"
                    + " or write elsewhere: " + Main.selfCommand() + " gen-config OTHER.yaml (or '-' to print).");
            return Main.EXIT_FAILURE;
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(path);
            }
            Files.writeString(path, text, StandardCharsets.UTF_8);
        } catch (FileAlreadyExistsException e) {
            System.err.println("dosp gen-config: " + path + " appeared while writing; it was left unchanged.");
            return Main.EXIT_FAILURE;
        } catch (IOException e) {
            System.err.println("dosp gen-config: cannot write " + path + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        System.out.println("Wrote " + path + " (every setting at its default, commented; readable by you only).");
        boolean here = path.toAbsolutePath().normalize()
                .equals(Path.of("").toAbsolutePath().resolve(ServeConfigLoader.DEFAULT_FILE_NAME));
        System.out.println("Edit it, then run: " + Main.selfCommand() + " serve"
                + (here ? "   (it reads ./" + ServeConfigLoader.DEFAULT_FILE_NAME + ")" : " --config " + path));
        return Main.EXIT_OK;
    }
}
