package io.dosp.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Where {@code dosp admin} gets its token, first match wins: {@code --token}, {@code --login USER
 * PASS} (the spec's rule: {@code sha256_hex(USER + ":" + PASS)}), {@code $DOSP_ADMIN_TOKEN}, the
 * token file the server writes ({@code --token-file}; by default {@code ./dosp-admin.token}, ours, else
 * {@code ./dosp_admin.token}, the Python server's: the first that exists).
 *
 * @param token  the token
 * @param source where it came from, for messages (never the token itself)
 */
record AdminToken(String token, String source) {

    /** Why no token could be found, with what to do about it. */
    static final class MissingTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        MissingTokenException(String message) {
            super(message);
        }
    }

    /** The file the Python server writes its generated token to, and its admin CLI reads by default. */
    static final Path REFERENCE_TOKEN_FILE = Path.of("dosp_admin.token");

    static AdminToken resolve(String token, List<String> login, Map<String, String> env, List<Path> tokenFiles)
            throws MissingTokenException {
        if (token != null && login != null) {
            throw new MissingTokenException("give either --token or --login, not both");
        }
        if (token != null) {
            return new AdminToken(token.trim(), "--token");
        }
        if (login != null) {
            String password = login.get(1);
            if (password.equals("-")) {
                Console console = System.console();
                if (console == null) {
                    throw new MissingTokenException("--login " + login.get(0) + " - asks for the password on a terminal,"
                            + " and there is none; pass it as --login USER PASS or use DOSP_ADMIN_TOKEN");
                }
                char[] typed = console.readPassword("Password for %s: ", login.get(0));
                password = typed == null ? "" : new String(typed);
            }
            return new AdminToken(forLogin(login.get(0), password), "--login " + login.get(0));
        }
        String fromEnv = env.get("DOSP_ADMIN_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new AdminToken(fromEnv.trim(), "environment variable DOSP_ADMIN_TOKEN");
        }
        Path tokenFile = tokenFiles.stream().filter(Files::exists).findFirst().orElse(tokenFiles.get(0));
        try {
            String text = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            int nl = text.indexOf('\n');
            String first = (nl < 0 ? text : text.substring(0, nl)).strip();
            if (first.isEmpty()) {
                throw new MissingTokenException("the token file " + tokenFile.toAbsolutePath() + " is empty");
            }
            return new AdminToken(first, "token file " + tokenFile.toAbsolutePath());
        } catch (NoSuchFileException e) {
            throw new MissingTokenException("no admin token: no --token, --login or DOSP_ADMIN_TOKEN, and no token file at "
                    + tokenFiles.stream().map(f -> f.toAbsolutePath().toString()).collect(java.util.stream.Collectors
                            .joining(" or ")) + ".\n  A server without configured tokens writes one to dosp-admin.token"
                    + " in its working directory: run this command there, or point --token-file at it, or pass"
                    + " --token TOKEN, or --login USER PASS when the server lists sha256(user:password) tokens.");
        } catch (IOException e) {
            throw new MissingTokenException("cannot read the token file " + tokenFile.toAbsolutePath() + ": " + e.getMessage()
                    + " (it is owner-only: run as the user that runs the server, or pass --token)");
        }
    }

    /** The spec's token for a user and password: {@code sha256_hex(user + ":" + password)}. */
    static String forLogin(String user, String password) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
