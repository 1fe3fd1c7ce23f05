package io.dosp.cli.config;

import java.nio.file.Path;

/**
 * Where a setting's value came from, for error messages and {@code serve --check}.
 *
 * @param kind  flag, environment, file or default
 * @param where the flag, variable or {@code file, line N, key 'k'}
 */
public record Origin(Kind kind, String where) {

    /** The sources, highest precedence first. */
    public enum Kind {
        /** A command-line flag. */
        FLAG,
        /** A {@code DOSP_*} environment variable. */
        ENV,
        /** The config file. */
        FILE,
        /** The built-in default. */
        DEFAULT
    }

    /** The built-in default. */
    public static final Origin DEFAULT = new Origin(Kind.DEFAULT, "default");

    /** A command-line flag. */
    public static Origin flag(String flag) {
        return new Origin(Kind.FLAG, "flag " + flag);
    }

    /** An environment variable. */
    public static Origin env(String name) {
        return new Origin(Kind.ENV, "environment variable " + name);
    }

    /** A key of the config file. */
    public static Origin file(Path file, int line, String key) {
        return new Origin(Kind.FILE, file + ", line " + line + ", key '" + key + "'");
    }

    @Override
    public String toString() {
        return where;
    }
}
