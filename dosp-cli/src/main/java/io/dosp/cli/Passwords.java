package io.dosp.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Where the CLI reads a login password (or bearer token) from, never from a flag ('ps' shows flags): a file
 * ({@code --password-file}, its first line), the environment ({@code DOSP_PASSWORD}), or the terminal (not echoed).
 */
final class Passwords {
    /** The environment variable a password may come from. */
    static final String ENV = "DOSP_PASSWORD";

    /** No password could be read; the message says what to do. */
    static final class MissingPasswordException extends Exception {
        private static final long serialVersionUID = 1L;

        MissingPasswordException(String message) {
            super(message);
        }
    }

    private Passwords() {
    }

    /** The password of {@code user}: from {@code file} when given, else {@link #ENV}, else the terminal. */
    static char[] forLogin(String user, Path file, Map<String, String> env) throws MissingPasswordException {
        if (file != null) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int nl = text.indexOf('\n');
                String first = (nl < 0 ? text : text.substring(0, nl)).replace("\r", "");
                if (first.isEmpty()) {
                    throw new MissingPasswordException("the password file " + file + " is empty");
                }
                return first.toCharArray();
            } catch (IOException e) {
                throw new MissingPasswordException("cannot read the password file " + file + ": " + e.getMessage());
            }
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            throw new MissingPasswordException("no password for " + user + ": no terminal to ask on; use --password-file"
                    + " FILE or the environment variable " + ENV);
        }
        char[] typed = console.readPassword("Password for %s: ", user);
        if (typed == null || typed.length == 0) {
            throw new MissingPasswordException("no password given for " + user);
        }
        return typed;
    }

    /**
     * A new password for {@code user}: typed twice on the terminal, or the first line of {@code in} when there is no
     * terminal (a pipe).
     */
    static char[] newPassword(String user, InputStream in) throws MissingPasswordException {
        Console console = System.console();
        if (console != null) {
            char[] first = console.readPassword("New password for %s: ", user);
            char[] again = console.readPassword("Again: ");
            try {
                if (first == null || first.length == 0) {
                    throw new MissingPasswordException("no password given");
                }
                if (!Arrays.equals(first, again)) {
                    throw new MissingPasswordException("the two passwords differ");
                }
                return first.clone();
            } finally {
                if (first != null) {
                    Arrays.fill(first, '\0');
                }
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
            }
        }
        try {
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new MissingPasswordException("no password on standard input (the first line is read)");
            }
            return line.toCharArray();
        } catch (IOException e) {
            throw new MissingPasswordException("cannot read the password from standard input: " + e.getMessage());
        }
    }
}
